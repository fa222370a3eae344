"""Payment details a shopper should never have typed, masked before anything keeps them.

Shoppers paste card numbers, security codes and IBANs into a chat "so the agent can
check the payment". Kept verbatim, they would sit in the desk's history, Rasa's tracker,
the agents' screens, webhook summaries and the editors' missed questions. They are
masked at the desk's door, before the message is stored or relayed, and the shopper is
told, politely, never to send them.

Only numbers that *are* payment details are masked: a card number must pass the Luhn
check and start like a card (2 to 6), an IBAN must pass its mod-97 check, so order
numbers, tracking numbers, postcodes and phone numbers go through untouched. A 3 or 4
digit code is masked when it follows a masked card number closely or is named
(CVV, CVC, cryptogramme…).

``redact_personal`` also masks e-mail addresses and phone numbers. It is not applied to
the chat itself (a shopper gives an e-mail to prove an order or to be answered
offline), only where shoppers' words are kept for other people: the editors' list of
missed questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from comptoir.i18n import Bilingual

# Between the digits: spaces (also the no-break ones French apps paste), dots, dashes
# or slashes, up to three; the number may follow a word ("carte4111…").
CARD = re.compile(r"(?<!\d)[2-6](?:[\s.\-/\u00a0\u202f]{0,3}\d){12,18}(?!\d)")
IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
NAMED_CODE = re.compile(
    r"(?i)\b(cvv2?|cvc2?|crypto(?:gramme)?(?:\s+visuel)?|code\s+de\s+s[ée]curit[ée]|security\s+code)"
    r"(\W{0,5}(?:est|is|:|=)?\W{0,3})(\d{3,4})\b"
)
# The code may come after the expiry date ("… exp 12/27 123").
CODE_AFTER_CARD = re.compile(
    r"^(\D{0,25}?(?:\d{1,2}\s*/\s*\d{2,4}\D{0,25}?)?)(?<!\d)(\d{3,4})(?!\d)"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 9 to 15 digits, spaces, dots or dashes between them, maybe "+33" or "+33 (0)" first:
# a French "06 12 34 56 78" or "+33 6 12 34 56 78", a British "+44 20 7946 0958".
# Order numbers (CMD-10001), postcodes and tracking numbers with letters stay.
PHONE = re.compile(r"(?<![\w+])\+?\d(?:[ .-]?(?:\(0\)[ .-]?)?\d){8,14}(?![\w-])")

PLACEHOLDER = {
    "card": Bilingual("[numéro de carte masqué]", "[card number removed]"),
    "code": Bilingual("[code masqué]", "[code removed]"),
    "iban": Bilingual("[IBAN masqué]", "[IBAN removed]"),
    "email": Bilingual("[e-mail masqué]", "[e-mail removed]"),
    "phone": Bilingual("[téléphone masqué]", "[phone number removed]"),
}
NOTICE = Bilingual(
    "Pour votre sécurité, j'ai masqué les coordonnées bancaires de votre message : elles "
    "ne sont ni enregistrées ni transmises. Ne les envoyez jamais par le chat ou par "
    "e-mail ; nous n'en avons pas besoin pour vous aider.",
    "For your safety, I removed the payment details from your message: they are neither "
    "stored nor passed on. Please never send them by chat or e-mail; we don't need them "
    "to help you.",
)


@dataclass
class Redacted:
    """The text as it may be kept, and what kinds of detail were taken out of it."""

    text: str
    found: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(self.found)


def luhn_valid(digits: str) -> bool:
    """The checksum every payment card number carries (ISO/IEC 7812)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97."""
    compact = candidate.replace(" ", "").replace("-", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def redact(text: str, language: str = "fr") -> Redacted:
    """Mask card numbers (with a code right after them), named codes and IBANs."""
    found: set[str] = set()
    pieces: list[str] = []
    position = 0
    for match in CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if not luhn_valid(digits):
            continue
        pieces.append(text[position : match.start()] + PLACEHOLDER["card"](language))
        found.add("card")
        position = match.end()
        code = CODE_AFTER_CARD.match(text[position:])
        if code:
            pieces.append(code.group(1) + PLACEHOLDER["code"](language))
            found.add("code")
            position += code.end()
    masked = "".join(pieces) + text[position:]

    def named(match: re.Match[str]) -> str:
        found.add("code")
        return match.group(1) + match.group(2) + PLACEHOLDER["code"](language)

    masked = NAMED_CODE.sub(named, masked)

    masked, ibans = _mask_ibans(masked, PLACEHOLDER["iban"](language))
    if ibans:
        found.add("iban")
    return Redacted(masked, found)


def _mask_ibans(text: str, placeholder: str) -> tuple[str, int]:
    """Replace each valid IBAN; the pattern may run into the next words ("… 189 svp"),
    so the longest prefix that passes the check is the IBAN."""
    pieces: list[str] = []
    position = count = 0
    for match in IBAN.finditer(text):
        if match.start() < position:
            continue
        candidate = match.group()
        for end in range(len(candidate), 14, -1):
            boundary = end == len(candidate) or candidate[end] in " -"
            if boundary and iban_valid(candidate[:end]):
                pieces.append(text[position : match.start()] + placeholder)
                position = match.start() + end
                count += 1
                break
    return "".join(pieces) + text[position:], count


def redact_personal(text: str, language: str = "fr") -> Redacted:
    """Mask e-mail addresses and phone numbers (for text kept for editors, not agents)."""
    found: set[str] = set()
    for kind, pattern in (("email", EMAIL), ("phone", PHONE)):
        text, count = pattern.subn(PLACEHOLDER[kind](language), text)
        if count:
            found.add(kind)
    return Redacted(text, found)
