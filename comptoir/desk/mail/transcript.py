"""The chat transcript a shopper asks for by e-mail, and the only addresses it may go to.

Anyone holding a conversation's token could type any address into a form, and the
transcript leaves with the shop's name as its sender: typed words sent to a stranger
would make the shop a relay for anyone's messages. So it goes only to an address the
desk trusts for this conversation: the e-mail of an order the shopper proved was
theirs in this chat (the bot's order-status answer, given only after that proof), or
the address they typed for an offline request once an agent has answered it by e-mail
(an agent read the request and wrote to that address: it is the thread's address). A
typed address alone never receives anything. The routes add caps per recipient and
per client address (``ticket_mail_api``). The transcript is the chat as the shopper
saw it: never the agents' internal notes (kept elsewhere), never the buttons'
payloads, payment details masked once more.
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from comptoir.desk.db import as_utc
from comptoir.desk.mail.compose import compose
from comptoir.desk.mail.message import OutgoingMail
from comptoir.desk.mail.ticket_wording import transcript_content, transcript_line
from comptoir.desk.store import StoredMessage
from comptoir.message_kinds import ORDER_STATUS
from comptoir.redaction import redact
from comptoir.settings import Settings

SHOWN_SENDERS = ("shopper", "bot", "agent")


def _order_email(settings: Settings, number: str) -> str | None:
    """The e-mail of the shop's order ``number`` (``None`` when there is no such order)."""
    from comptoir.shop.service import load_order, open_session

    with open_session(settings.shop_db_url) as session:
        order = load_order(session, number)
        return order.email if order is not None and order.email else None


def verified_order_number(history: list[StoredMessage]) -> str | None:
    """The order of the bot's latest order-status answer in the chat: the one the
    shopper proved was theirs. Any other order number in the chat (one merely asked
    about, or whose proof failed) does not count."""
    for message in reversed(history):
        custom = message.custom
        if message.sender == "bot" and custom.get("kind") == ORDER_STATUS:
            number = custom.get("order_number")
            if number:
                return str(number)
    return None


async def trusted_address(
    settings: Settings, history: list[StoredMessage], answered_contact: str | None
) -> str | None:
    """The address the transcript may go to: the verified order's, else the offline
    request's address an agent already wrote to (``answered_contact``), else none."""
    number = verified_order_number(history)
    if number is not None:
        found = await asyncio.to_thread(_order_email, settings, number)
        if found:
            return found
    return answered_contact or None


def transcript_lines(history: list[StoredMessage], language: str, zone: str) -> list[str]:
    """What the shopper saw, one line per message (a button shows its label)."""
    lines = []
    for message in history:
        if message.sender not in SHOWN_SENDERS:
            continue
        text = str(message.custom.get("label") or message.text).strip()
        if not text or (message.sender == "shopper" and text.startswith("/")):
            continue
        text = redact(text, language).text
        at = as_utc(message.created_at).astimezone(ZoneInfo(zone))
        lines.append(transcript_line(language, message.sender, text, at))
    return lines


def transcript_mail(
    settings: Settings, history: list[StoredMessage], language: str, to: str
) -> OutgoingMail:
    """The transcript e-mail, in the conversation's language."""
    zone = settings.business_hours.timezone
    content = transcript_content(
        language=language,
        shop=settings.shop_name,
        started=as_utc(history[0].created_at).astimezone(ZoneInfo(zone)),
        lines=transcript_lines(history, language, zone),
    )
    return compose(settings, content, to=to, language=language, tag="transcript")
