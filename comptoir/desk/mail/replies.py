"""Read a shopper's e-mail reply: which of our e-mails it answers, and what it says.

A reply arrives as raw bytes from any mail program, sometimes broken. What the agent
needs is the shopper's new words: not our own e-mail quoted below them (« Le … a
écrit : », "On … wrote:", Outlook's « De : … Envoyé : … » block), not the signature,
not HTML markup, and never a card number. ``read_reply`` never raises: a message it
cannot make sense of still gives a ``Reply`` (maybe empty), so the receiver answers
the sender instead of crashing.

Quoted text and signatures are cut with ``mail-parser-reply`` (French and English
patterns), after a few repairs it needs: headers wrapped on two lines by Gmail,
non-breaking spaces before « : », the « Message d'origine » separator.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

from bs4 import BeautifulSoup
from mailparser_reply import EmailReplyParser
from mailparser_reply.parser import EmailMessage as ParsedBody

from comptoir.desk.mail.message import bare_address
from comptoir.redaction import redact

MESSAGE_ID = re.compile(r"<[^<>\s]{3,250}>")
# A quote header wrapped by the mail program: "Le lun. 3 juin …, Shop <\nsupport@…> a écrit :".
WRAPPED_HEADER = re.compile(
    r"^((?:Le|On) [^\n]{4,250})\n([^\n]{0,250}(?:a écrit|wrote) ?:)[ \t]*$", re.MULTILINE
)
QUOTE_HEADER = re.compile(r"^(?:Le|On) [^\n]{4,300}(?:a écrit|wrote) ?:[ \t]*$", re.MULTILINE)
SEPARATOR = re.compile(
    r"^[ \t]*-{3,} ?(?:message d'origine|message original|original message|"
    r"message transféré|forwarded message) ?-{3,}[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# A sign-off line ("Bien à vous," / "Kind regards"): it and the name under it are cut.
SIGN_OFF = re.compile(
    r"^(?:bien (?:à vous|cordialement|amicalement)|cordialement|amicalement|"
    r"bonne (?:journée|soirée)|salutations(?: distinguées)?|merci et bonne journée|"
    r"(?:best|kind|warm) regards|regards|best wishes|best|cheers|many thanks)[ ,.!]*$",
    re.IGNORECASE,
)
SIGNATURE_LINES = 4
SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})
# Parts of an HTML e-mail that are the quoted conversation, not the new words.
HTML_QUOTES = ("blockquote", "div.gmail_quote", "div.moz-cite-prefix", "div#divRplyFwdMsg")
HTML_BLOCKS = ["p", "div", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "pre"]
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
PARSER = EmailReplyParser(languages=["fr", "en"])


@dataclass(frozen=True)
class Reply:
    """A shopper's reply, ready to keep: its id, sender, cleaned and masked text."""

    message_id: str
    sender: str
    text: str
    sender_matches: bool
    automatic: bool


def parse(raw: bytes) -> EmailMessage:
    """The MIME message; Python's parser records defects instead of raising."""
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def header(message: Message, name: str) -> str:
    """A header as text, ``""`` when absent or unreadable (a broken encoding)."""
    try:
        value = message.get(name)
        return str(value) if value is not None else ""
    except Exception:  # any defect of a stranger's header: treat as absent
        return ""


def thread_ids(message: Message) -> list[str]:
    """The Message-IDs this e-mail answers, the closest first: In-Reply-To, then
    References from the newest to the oldest."""
    found = MESSAGE_ID.findall(header(message, "In-Reply-To"))
    found += reversed(MESSAGE_ID.findall(header(message, "References")))
    return list(dict.fromkeys(found))


def own_id(message: Message, raw: bytes) -> str:
    """The e-mail's Message-ID, or one made from its bytes (the same e-mail delivered
    twice still gets the same id, so it is kept once)."""
    found = MESSAGE_ID.findall(header(message, "Message-ID"))
    if found:
        return found[0]
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@inbound.invalid>"


def is_automatic(message: Message) -> bool:
    """An out-of-office, a bounce or a mailing list: nobody wrote it to the agent."""
    auto = header(message, "Auto-Submitted").strip().lower()
    precedence = header(message, "Precedence").strip().lower()
    sender = bare_address(header(message, "From"))
    return (
        (auto not in ("", "no"))
        or precedence in AUTOMATIC_PRECEDENCE
        or bool(header(message, "X-Autoreply") or header(message, "X-Autorespond"))
        or message.get_content_type() == "multipart/report"
        or sender.startswith(("mailer-daemon@", "postmaster@"))
    )


def _decoded(part: Message) -> str:
    """A text part's content; an unknown charset is read as UTF-8, bad bytes replaced."""
    try:
        return str(part.get_content())  # type: ignore[attr-defined]
    except Exception:  # LookupError, broken transfer encodings…
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload.decode("utf-8", errors="replace")
        return str(payload or "")


def html_to_text(html: str) -> str:
    """The words of an HTML e-mail, without its markup, scripts or quoted history."""
    soup = BeautifulSoup(html, "html.parser")
    for node in soup(["script", "style", "head", "title"]):
        node.decompose()
    for selector in HTML_QUOTES:
        for node in soup.select(selector):
            node.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(HTML_BLOCKS):
        block.insert_after("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_text(message: EmailMessage) -> str:
    """The plain-text body, else the HTML one turned into text, else ``""``."""
    try:
        plain = message.get_body(preferencelist=("plain",))
        if plain is not None:
            return _decoded(plain)
        html = message.get_body(preferencelist=("html",))
        if html is not None:
            return html_to_text(_decoded(html))
    except Exception:  # a structure too broken to walk
        pass
    if not message.is_multipart() and message.get_content_maintype() == "text":
        return _decoded(message)
    return ""


def strip_quotes(text: str) -> str:
    """The shopper's new words: before the quoted e-mail, without the signature.

    When nothing is left above the quote (the shopper answered between the quoted
    lines), their lines are the ones not quoted with ``>``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(SPACES)
    text = WRAPPED_HEADER.sub(r"\1 \2", text)
    separator = SEPARATOR.search(text)
    if separator:
        text = text[: separator.start()]
    parsed = ParsedBody(text=text, languages=list(PARSER.languages), keep_hyphen_lists=True)
    replies = parsed.read().replies
    first = replies[0] if replies else None
    words = first.body if first is not None and not first.headers else ""
    lines = words.splitlines()
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()
    lines = _without_sign_off(lines)
    words = "\n".join(lines).strip()
    if not words:
        unquoted = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
        words = QUOTE_HEADER.sub("", "\n".join(unquoted)).strip()
    return re.sub(r"\n{3,}", "\n\n", words)


def _without_sign_off(lines: list[str]) -> list[str]:
    """The lines before the last sign-off, when only a name or so follows it."""
    for index in range(len(lines) - 1, max(-1, len(lines) - SIGNATURE_LINES - 2), -1):
        if index > 0 and SIGN_OFF.match(lines[index].strip()):
            return lines[:index]
    return lines


def read_reply(raw: bytes, *, contact_email: str | None, language: str) -> Reply:
    """Everything the desk keeps of a reply; card numbers and IBANs masked."""
    message = parse(raw)
    sender = bare_address(header(message, "From"))
    words = strip_quotes(body_text(message))
    return Reply(
        message_id=own_id(message, raw),
        sender=sender or "?",
        text=redact(words, language).text,
        sender_matches=bool(sender) and sender == bare_address(contact_email or ""),
        automatic=is_automatic(message),
    )
