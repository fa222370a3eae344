"""One outgoing e-mail as data, and the Message-IDs that thread a ticket's e-mails.

The outbox stores exactly these fields, so an e-mail is the same bytes whichever desk
process sends it and however many times it is retried: its Message-ID is chosen when
it is queued, never when it is sent, and a receiver can tell a repeat from a new one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr

from comptoir.desk.db import utc_now
from comptoir.settings import Settings


@dataclass(frozen=True)
class OutgoingMail:
    """An e-mail ready to queue: the recipient, both bodies, and the threading headers."""

    to: str
    language: str
    subject: str
    text: str
    html: str
    message_id: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    unsubscribe_url: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)


def sender_address(settings: Settings) -> str:
    """The From header: ``mail_from``, else the shop's name and its support address."""
    if settings.mail_from:
        return settings.mail_from
    return str(Address(display_name=settings.shop_name, addr_spec=settings.support_email))


def mail_domain(settings: Settings) -> str:
    """The domain of the From address: the right-hand side of our Message-IDs."""
    _name, address = parseaddr(sender_address(settings))
    return address.rpartition("@")[2] or "comptoir.invalid"


def new_message_id(settings: Settings, tag: str) -> str:
    """A fresh, unguessable Message-ID; ``tag`` says what it is about (``ticket-12``),
    so a reply's In-Reply-To can be read back without a lookup."""
    return f"<{tag}.{secrets.token_hex(8)}@{mail_domain(settings)}>"


def to_email_message(mail: OutgoingMail, settings: Settings) -> EmailMessage:
    """The MIME message (multipart/alternative: plain text first, then HTML)."""
    message = EmailMessage()
    message["From"] = sender_address(settings)
    message["To"] = mail.to
    if settings.mail_reply_to:
        message["Reply-To"] = settings.mail_reply_to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utc_now())
    message["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        message["References"] = " ".join(mail.references)
    if mail.unsubscribe_url:
        # RFC 8058 one-click: mail clients show "unsubscribe" and POST to the link.
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in mail.extra_headers.items():
        message[name] = value
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    # After the bodies: set_content drops every Content-* header set before it.
    message["Content-Language"] = mail.language
    return message


def bare_address(value: str) -> str:
    """``Name <a@b.fr>`` → ``a@b.fr``, lower-cased (how addresses are compared)."""
    found = getaddresses([value])
    return (found[0][1] if found else "").strip().lower()
