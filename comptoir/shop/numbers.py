"""Find an order number in what shoppers type, in the way the shop's platform numbers orders.

Platforms number orders differently: Comptoir's import format and the demo shop use
``CMD-12345``, WooCommerce a plain number (``1234``), Shopify a name (``#1001``),
PrestaShop a reference of nine capital letters (``XKBKNABJK``). The *style* says which;
it follows the platform; the imported orders and a shop's own API use ``CMD-12345``
unless ``order_numbers`` says otherwise (an own API numbering orders ``1234`` sets
``digits``). Each style gives one canonical form, stored in the
shop database and sent to the platform, and accepts the ways shoppers type it
("n° 10001", "#cmd-10001", "commande 1001", "ref xkbknabjk").
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from comptoir.settings import Settings

NumberStyle = Literal["cmd", "digits", "hash", "reference"]
STYLES: tuple[NumberStyle, ...] = get_args(NumberStyle)
STYLE_OF_CONNECTOR: dict[str, NumberStyle] = {
    "local": "cmd",
    "http": "cmd",
    "woocommerce": "digits",
    "shopify": "hash",
    "prestashop": "reference",
}
EXAMPLES: dict[NumberStyle, str] = {
    "cmd": "CMD-10001",
    "digits": "1234",
    "hash": "#1001",
    "reference": "XKBKNABJK",
}

_WITH_PREFIX = re.compile(r"(?i)\bc\s*m\s*d\s*[-_ #:]*\s*(\d{4,8})\b")
_MARKED = r"(?:n\s*[°º]|#|num[ée]ro|number|no\.)"
_MARKED_WORDS = (
    r"(?:commande|order|r[ée]f[ée]rence|reference|r[ée]f\.?|n\s*[°º]|#|num[ée]ro|number)"
)
PREFIX = "CMD-"


def number_style(settings: Settings) -> NumberStyle:
    """The platform's style; a shop without a known platform (``local``, its own API)
    may choose one with ``order_numbers``."""
    chosen = settings.order_numbers
    if settings.shop_connector in ("local", "http") and chosen in STYLES:
        return chosen
    return STYLE_OF_CONNECTOR.get(settings.shop_connector, "cmd")


def _digits(text: str, shortest: int, longest: int) -> str | None:
    """The digits of the one order-like number in ``text`` (marked, or the only group)."""
    marked = re.search(
        rf"(?i)(?:{_MARKED}|commande|order)\s*[:#]?\s*(\d{{{shortest},{longest}}})\b", text
    )
    if marked:
        return marked.group(1)
    groups = re.findall(rf"(?<![\d.,])\d{{{max(shortest, 4)},{longest}}}(?![\d.,]*\d)", text)
    if len(groups) == 1 and not re.search(rf"{groups[0]}\s*(?:€|eur)", text, re.IGNORECASE):
        return groups[0]
    return None


def _cmd(text: str) -> str | None:
    match = _WITH_PREFIX.search(text)
    if match:
        return f"{PREFIX}{match.group(1)}"
    marked = re.search(rf"(?i){_MARKED}\s*(\d{{4,8}})\b", text)
    if marked:
        return f"{PREFIX}{marked.group(1)}"
    groups = re.findall(r"(?<![\d.,])\d{4,8}(?![\d.,]*\d)", text)
    if len(groups) == 1 and not re.search(rf"{groups[0]}\s*(?:€|eur)", text, re.IGNORECASE):
        return f"{PREFIX}{groups[0]}"
    return None


def _is_word(word: str) -> bool:
    """A French or English word ("commandes", "yesterday"), not a random reference."""
    from wordfreq import zipf_frequency  # loaded only by shops with references

    return max(zipf_frequency(word, "fr"), zipf_frequency(word, "en")) >= 1.0


def _reference(text: str) -> str | None:
    """Nine letters: typed in capitals, or after a marker word, or alone; never a word."""
    alone = re.fullmatch(r"\s*[#:]?\s*([A-Za-z]{9})\s*[.!?]?\s*", text)
    marked = re.search(rf"(?i){_MARKED_WORDS}\s*(?:de commande\s*)?[:#]?\s*([a-z]{{9}})\b", text)
    capitals = re.findall(r"\b[A-Z]{9}\b", text)
    for candidate in (
        alone.group(1) if alone else None,
        marked.group(1) if marked else None,
        capitals[0] if len(capitals) == 1 else None,
    ):
        if candidate and not _is_word(candidate.lower()):
            return candidate.upper()
    return None


def normalise_order_number(text: str, style: NumberStyle = "cmd") -> str | None:
    """The canonical number, in ``style``, of the first order number in ``text``, if any.

    Postcodes look like order numbers (5 digits) too, so a bare number is only taken
    when it is the only digit group, or explicitly marked (CMD, n°, #, commande).
    """
    if not text:
        return None
    if style == "cmd":
        return _cmd(text)
    if style == "reference":
        return _reference(text)
    if re.fullmatch(r"\s*#?\s*\d{1,12}\s*", text):  # the answer to "which order?"
        return canonical_order_number(text, style)
    digits = _digits(text, 1 if style == "hash" else 2, 12)
    if digits is None:
        return None
    digits = digits.lstrip("0") or "0"
    return f"#{digits}" if style == "hash" else digits


def canonical_order_number(value: str, style: NumberStyle = "cmd") -> str | None:
    """The canonical form of a number as a back office or platform gives it.

    Unlike a shopper's sentence, a platform's field holds nothing but the number, so a
    short one is no postcode or price: WooCommerce's order 727 is order 727.
    """
    whole = re.fullmatch(r"\s*#?\s*(\d{1,12})\s*", value or "")
    if whole and style in ("digits", "hash"):
        digits = whole.group(1).lstrip("0") or "0"
        return f"#{digits}" if style == "hash" else digits
    return normalise_order_number(value, style)
