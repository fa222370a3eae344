"""The outbox's share of retention and erasure: what an e-mail keeps once it has left.

An outbox row holds a shopper's address and the whole e-mail, needed while the e-mail
is on its way; its ``dedupe_key`` is needed as long as the same event could be queued
again, since "never sent twice" rests on it. So the two go at different times:

- **The content** (address, subject, bodies, the unsubscribe link, which names the
  address, the Message-IDs of the shopper's own e-mails, the server's last answer, which
  often quotes the address) is blanked once the e-mail is finished (sent, rejected,
  failed, cancelled) and older than the retention period. The row keeps its purpose,
  status, tries, dates and key: the console and the reports still count it, and the
  same event queued again is still refused. A key that itself holds an address (a
  transcript's) becomes ``erased:<id>``: it only guarded a double click, long past.
- **Delay notices** are deleted outright, the e-mail and its record in
  ``desk_delay_notices``, once older than ``notify_late_max_age_days`` + ``MARGIN_DAYS``:
  their order was placed before them, so the late-order check no longer looks at it and
  the key guards nothing. The margin is generous because raising
  ``notify_late_max_age_days`` later by more than it could bring such an order back.
- **A ticket's and a transcript's e-mails** are deleted with their conversation: their
  thread is gone, and a key naming a deleted row's id must not outlive it (a database
  may hand the id out again, and that new answer would never be sent).
- **Pending e-mails are never touched by the retention period**: nothing is lost (with
  no SMTP server configured they wait, and are blanked once sent and old enough). An
  erasure request is different: the shopper asked that nothing more be done with their
  data, so their e-mails still waiting are cancelled (or deleted with their conversation).

Every step is one conditional UPDATE or DELETE, so two desks purging at the same moment
do the work once between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from comptoir.desk.db import utc_now
from comptoir.desk.late_notices import PURPOSE as DELAY_NOTICE
from comptoir.desk.late_notices import DelayNotice
from comptoir.desk.mail.message import bare_address
from comptoir.desk.mail.outbox import (
    MailOptOut,
    OutboxMail,
    optout_key_id,
    ticket_reference,
    transcript_reference,
)
from comptoir.desk.store import Message
from comptoir.desk.ticket_mail import IN, TicketMail
from comptoir.desk.tickets import Ticket
from comptoir.settings import Settings

FINISHED = ("sent", "rejected", "failed", "cancelled")
UNFINISHED = ("pending", "sending")
MARGIN_DAYS = 30
ERASED = "erased"
"""The ``error_kind`` of an e-mail cancelled by an erasure request (the console words it)."""


@dataclass
class MailCounts:
    """What happened to the e-mail data (or, in a dry run, would)."""

    erased: int = 0
    """Finished e-mails whose content was blanked."""
    cancelled: int = 0
    """E-mails still waiting, blanked and cancelled (an erasure request only)."""
    deleted: int = 0
    """E-mails deleted: old delay notices, the e-mails of deleted conversations."""
    delay_notices: int = 0
    """Records of ``desk_delay_notices`` deleted."""
    optouts_other_key: int = 0
    """Opt-outs written under another conversation secret: they match nobody any more."""


def _blank() -> dict[str, Any]:
    """The values that erase an e-mail's personal content and keep its bookkeeping."""
    holds_address = OutboxMail.dedupe_key.contains("@")
    return {
        "to_address": "",
        "subject": "",
        "body_text": "",
        "body_html": "",
        "unsubscribe_url": None,
        "in_reply_to": None,
        "references": "",
        "extra_headers": {},
        "last_error": "",
        "dedupe_key": case(
            (holds_address, literal("erased:") + cast(OutboxMail.id, String)),
            else_=OutboxMail.dedupe_key,
        ),
    }


def _count(condition: Any) -> Any:
    """How many e-mails meet ``condition`` (what a dry run reports)."""
    return select(func.count()).select_from(OutboxMail).where(condition)


def old_finished(cutoff: datetime) -> Any:
    """Finished e-mails still holding content, whose last event is before ``cutoff``."""
    last = func.coalesce(OutboxMail.sent_at, OutboxMail.tried_at, OutboxMail.created_at)
    return OutboxMail.status.in_(FINISHED) & (OutboxMail.to_address != "") & (last < cutoff)


def old_notices(cutoff: datetime) -> Any:
    """Finished delay notices written before ``cutoff`` (their order is out of the window)."""
    return (
        (OutboxMail.purpose == DELAY_NOTICE)
        & OutboxMail.status.in_(FINISHED)
        & (OutboxMail.created_at < cutoff)
    )


async def purge_mail(
    settings: Settings,
    sessions: async_sessionmaker,
    days: int,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> MailCounts:
    """Apply the retention period (``days``) and the notices' window to the outbox."""
    now = now or utc_now()
    kept_since = now - timedelta(days=days)
    window = now - timedelta(days=settings.notify_late_max_age_days + MARGIN_DAYS)
    counts = MailCounts()
    async with sessions.begin() as session:
        if dry_run:
            erasable = old_finished(kept_since) & ~old_notices(window)
            counts.deleted = int(await session.scalar(_count(old_notices(window))) or 0)
            counts.erased = int(await session.scalar(_count(erasable)) or 0)
            records = (
                select(func.count()).select_from(DelayNotice).where(DelayNotice.created_at < window)
            )
            counts.delay_notices = int(await session.scalar(records) or 0)
        else:
            gone = delete(OutboxMail).where(old_notices(window))
            counts.deleted = (await session.execute(gone)).rowcount
            blanked = update(OutboxMail).where(old_finished(kept_since)).values(**_blank())
            counts.erased = (await _execute(session, blanked)).rowcount
            records = delete(DelayNotice).where(DelayNotice.created_at < window)
            counts.delay_notices = (await session.execute(records)).rowcount
        other_key = MailOptOut.key_id != optout_key_id(settings)
        stale = select(func.count()).select_from(MailOptOut).where(other_key)
        counts.optouts_other_key = int(await session.scalar(stale) or 0)
    return counts


async def _execute(session: AsyncSession, statement: Any) -> Any:
    """An UPDATE whose values are SQL expressions: nothing in the session to refresh."""
    return await session.execute(statement.execution_options(synchronize_session=False))


async def delete_conversation_mail(
    session: AsyncSession, conversation_ids: list[str], *, pending_too: bool
) -> int:
    """Delete the e-mails of these conversations (their transcripts, their tickets'
    answers), in the caller's transaction, before their tickets go. ``pending_too``
    (an erasure request) also removes the ones still waiting."""
    tickets = list(
        await session.scalars(select(Ticket.id).where(Ticket.conversation_id.in_(conversation_ids)))
    )
    references = [transcript_reference(cid) for cid in conversation_ids]
    references += [ticket_reference(ticket) for ticket in tickets]
    recorded = select(TicketMail.outbox_id).where(
        TicketMail.ticket_id.in_(tickets), TicketMail.outbox_id.is_not(None)
    )
    mine = or_(OutboxMail.reference.in_(references), OutboxMail.id.in_(recorded))
    if not pending_too:
        mine = mine & OutboxMail.status.in_(FINISHED)
    return (await session.execute(delete(OutboxMail).where(mine))).rowcount


def mentions(text: str, address: str) -> bool:
    """Whether ``text`` contains ``address`` as a whole address (``lea@example.fr`` is
    not in ``olea@example.fr`` nor in ``lea@example.fr.test``)."""
    pattern = rf"(?<![\w.+-]){re.escape(address)}(?![\w-]|\.[\w-])"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


async def conversations_of_address(sessions: async_sessionmaker, address: str) -> list[str]:
    """The conversations that are this address's: its offline tickets, the tickets it
    replied to by e-mail, and the chats in which it was written (the shopper typed it)."""
    bare = bare_address(address)
    async with sessions() as session:
        by_ticket = await session.scalars(
            select(Ticket.conversation_id).where(
                func.lower(func.trim(Ticket.contact_email)) == bare
            )
        )
        found = set(by_ticket)
        replied = select(TicketMail.ticket_id).where(
            TicketMail.direction == IN,
            func.lower(TicketMail.author).contains(bare, autoescape=True),
        )
        found |= set(
            await session.scalars(select(Ticket.conversation_id).where(Ticket.id.in_(replied)))
        )
        written = await session.execute(
            select(Message.conversation_id, Message.text).where(
                func.lower(Message.text).contains(bare, autoescape=True)
            )
        )
        found |= {cid for cid, text in written if mentions(text, bare)}
    return sorted(found)


async def _addressed_to(session: AsyncSession, bare: str) -> list[tuple[int, str]]:
    """(id, status) of the e-mails to ``bare`` that still hold content."""
    rows = await session.execute(
        select(OutboxMail.id, OutboxMail.to_address, OutboxMail.status).where(
            func.lower(OutboxMail.to_address).contains(bare, autoescape=True)
        )
    )
    return [(mail_id, status) for mail_id, to, status in rows if bare_address(to) == bare]


async def erase_address(
    sessions: async_sessionmaker, address: str, *, dry_run: bool = False
) -> MailCounts:
    """Blank every e-mail to ``address``; cancel the ones still waiting (an erasure
    request: the shopper asked that nothing more be done with their data).

    A worker may finish one of them meanwhile: the cancel only takes what is still
    waiting, and the blanking then takes every one, whatever its status became.
    """
    bare = bare_address(address)
    async with sessions.begin() as session:
        found = await _addressed_to(session, bare)
        waiting = [mail_id for mail_id, status in found if status in UNFINISHED]
        if dry_run:
            return MailCounts(erased=len(found) - len(waiting), cancelled=len(waiting))
        counts = MailCounts()
        if waiting:
            stopped = (
                update(OutboxMail)
                .where(OutboxMail.id.in_(waiting), OutboxMail.status.in_(UNFINISHED))
                .values(status="cancelled", error_kind=ERASED, lease_until=None, lease_owner=None)
            )
            counts.cancelled = (await session.execute(stopped)).rowcount
        if found:
            everything = OutboxMail.id.in_([mail_id for mail_id, _status in found])
            blanked = update(OutboxMail).where(everything).values(**_blank())
            counts.erased = (await _execute(session, blanked)).rowcount - counts.cancelled
    return counts
