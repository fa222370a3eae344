"""Turn what an e-mail has to say into both of its bodies, in the shopper's language.

Every purpose (a delay notice, an agent's answer, a transcript) gives the same kind of
content: a greeting, paragraphs, links with their labels, and sometimes a quoted
block. One pair of Jinja2 templates lays it out with the shop's name and signature, so
all e-mails look alike and the HTML is always escaped (a shopper's or an agent's text
can never inject markup).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from comptoir.desk.mail.message import OutgoingMail, new_message_id
from comptoir.settings import Settings

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

_FOOTER = {
    "fr": "Vous recevez ce message parce que vous avez une commande ou une demande chez {shop}.",
    "en": "You are receiving this because you have an order or a request with {shop}.",
}
_UNSUBSCRIBE = {
    "fr": "Ne plus recevoir ces avis",
    "en": "Stop these notices",
}


@dataclass(frozen=True)
class Link:
    """A link shown as a button in HTML and as ``label: url`` in plain text."""

    label: str
    url: str


@dataclass(frozen=True)
class Content:
    """What one e-mail says, before layout."""

    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    links: tuple[Link, ...] = ()
    quoted: str = ""  # e.g. the shopper's request, or a transcript
    quoted_title: str = ""
    after: tuple[str, ...] = field(default_factory=tuple)  # paragraphs after the quote


def signature(settings: Settings, language: str) -> str:
    """The closing line: the team's signature and the shop's name."""
    team = settings.mail_signature_en if language == "en" else settings.mail_signature_fr
    return f"{team}\n{settings.shop_name}"


def compose(
    settings: Settings,
    content: Content,
    *,
    to: str,
    language: str,
    tag: str,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    unsubscribe_url: str | None = None,
) -> OutgoingMail:
    """One e-mail ready to queue; ``tag`` starts its Message-ID (``ticket-12``...)."""
    language = "en" if language == "en" else "fr"
    values = {
        "content": content,
        "signature": signature(settings, language),
        "shop": settings.shop_name,
        "language": language,
        "footer": _FOOTER[language].format(shop=settings.shop_name),
        "unsubscribe_url": unsubscribe_url,
        "unsubscribe_label": _UNSUBSCRIBE[language],
    }
    return OutgoingMail(
        to=to,
        language=language,
        subject=content.subject,
        text=_TEMPLATES.get_template("mail.txt").render(values),
        html=_TEMPLATES.get_template("mail.html").render(values),
        message_id=new_message_id(settings, tag),
        in_reply_to=in_reply_to,
        references=references,
        unsubscribe_url=unsubscribe_url,
    )
