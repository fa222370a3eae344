"""Shoppers' conversations are kept as long as needed, then deleted everywhere.

French and European law ask a shop to keep personal data no longer than its purpose
needs, and to erase a person's data on request. A chat lives in three places: the
desk's history (with its tickets, notes, e-mails and votes), Rasa's tracker (every event) and
the knowledge misses log. ``purge`` deletes the conversations idle for longer than the
retention period, except those a person still has to answer; offline tickets (an
e-mail address and a request left out of hours) and their conversations go sooner, after
``offline_ticket_retention_days``, once answered or abandoned (nobody touched them in
that time); ``forget`` deletes named conversations at once. Votes and satisfaction scores are kept as anonymous counts (the
question and the comment, which the shopper wrote, are removed). The e-mails have their
own rules (``comptoir.desk.mail.retention``): old ones lose their content, a deleted
conversation's go with it, and ``forget_address`` answers a request made by e-mail.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import MetaData, Table, create_engine, delete, func, inspect, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from comptoir.desk.accounts import ConsoleSession
from comptoir.desk.mail import retention as mail_retention
from comptoir.desk.reports.rollup import forget as forget_report_facts
from comptoir.desk.store import ClientMessage, Conversation, Message
from comptoir.desk.ticket_mail import TicketMail
from comptoir.desk.tickets import OPEN_STATUSES, Ticket, TicketNote
from comptoir.desk.votes import Feedback, Satisfaction
from comptoir.kb.misses import Miss

if TYPE_CHECKING:
    from comptoir.settings import Settings

log = logging.getLogger("comptoir.retention")
KEEP_WHILE = (*OPEN_STATUSES, "offline")  # a person still owes the shopper an answer


@dataclass
class PurgeReport:
    """What was (or, in a dry run, would be) deleted."""

    conversations: int = 0
    messages: int = 0
    tickets: int = 0
    tracker_events: int = 0
    misses: int = 0
    console_sessions: int = 0
    mails_erased: int = 0
    mails_cancelled: int = 0
    mails_deleted: int = 0
    delay_notices: int = 0
    optouts_other_key: int = 0

    def as_json(self) -> dict[str, int]:
        return asdict(self)

    def add_mail(self, counts: mail_retention.MailCounts) -> PurgeReport:
        """Add what happened to the e-mails (``mail_retention``'s counts)."""
        self.mails_erased += counts.erased
        self.mails_cancelled += counts.cancelled
        self.mails_deleted += counts.deleted
        self.delay_notices += counts.delay_notices
        self.optouts_other_key = max(self.optouts_other_key, counts.optouts_other_key)
        return self


async def expired_conversations(sessions: async_sessionmaker, days: int) -> list[str]:
    """Conversations idle for more than ``days``, with no ticket a person must answer."""
    cutoff = datetime.now(UTC) - timedelta(days=days)
    async with sessions() as session:
        waiting = select(Ticket.conversation_id).where(Ticket.status.in_(KEEP_WHILE))
        rows = await session.scalars(
            select(Conversation.id).where(
                Conversation.updated_at < cutoff, Conversation.id.not_in(waiting)
            )
        )
        return list(rows)


async def expired_offline_tickets(sessions: async_sessionmaker, days: int) -> list[str]:
    """Conversations with an offline ticket (answered or left unanswered) whose last
    activity, the ticket's and the chat's, is older than ``days``; never one with a live
    handoff waiting for or being answered by a person."""
    cutoff = datetime.now(UTC) - timedelta(days=days)
    offline = (Ticket.contact_email.is_not(None)) | Ticket.status.in_(("offline", "collecting"))
    recent = func.coalesce(Ticket.closed_at, Ticket.created_at) >= cutoff
    # An e-mail of the thread (an answer, the shopper's reply) is activity too.
    mailed = Ticket.id.in_(select(TicketMail.ticket_id).where(TicketMail.created_at >= cutoff))
    async with sessions() as session:
        keep = select(Ticket.conversation_id).where(
            Ticket.status.in_(("waiting", "claimed")) | (offline & (recent | mailed))
        )
        old_offline = select(Ticket.conversation_id).where(offline)
        rows = await session.scalars(
            select(Conversation.id).where(
                Conversation.updated_at < cutoff,
                Conversation.id.in_(old_offline),
                Conversation.id.not_in(keep),
            )
        )
        return list(rows)


async def delete_from_desk(
    sessions: async_sessionmaker,
    conversation_ids: list[str],
    report: PurgeReport,
    *,
    pending_mail: bool = False,
) -> None:
    """Remove the conversations, their messages, tickets, notes and e-mails (the ones
    still waiting too with ``pending_mail``: an erasure request), and their facts in
    the reports' roll-up; anonymise votes."""
    async with sessions.begin() as session:
        for start in range(0, len(conversation_ids), 500):
            ids = conversation_ids[start : start + 500]
            report.mails_deleted += await mail_retention.delete_conversation_mail(
                session, ids, pending_too=pending_mail
            )
            tickets = select(Ticket.id).where(Ticket.conversation_id.in_(ids))
            await session.execute(delete(TicketNote).where(TicketNote.ticket_id.in_(tickets)))
            await session.execute(delete(TicketMail).where(TicketMail.ticket_id.in_(tickets)))
            report.tickets += (
                await session.execute(delete(Ticket).where(Ticket.conversation_id.in_(ids)))
            ).rowcount
            report.messages += (
                await session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
            ).rowcount
            await session.execute(
                delete(ClientMessage).where(ClientMessage.conversation_id.in_(ids))
            )
            await session.execute(
                update(Feedback)
                .where(Feedback.conversation_id.in_(ids))
                .values(conversation_id="", question="")
            )
            await session.execute(
                update(Satisfaction)
                .where(Satisfaction.conversation_id.in_(ids))
                .values(conversation_id="", comment="")
            )
            report.conversations += (
                await session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
            ).rowcount
            await forget_report_facts(session, ids)  # the reports count what is kept


async def delete_expired_sessions(sessions: async_sessionmaker, report: PurgeReport) -> None:
    """Console sign-ins past their end: nothing needs them any more."""
    async with sessions.begin() as session:
        expired = delete(ConsoleSession).where(ConsoleSession.expires_at < datetime.now(UTC))
        report.console_sessions += (await session.execute(expired)).rowcount


def delete_from_tracker(tracker_url: str, conversation_ids: list[str]) -> int:
    """Every event of these conversations in Rasa's SQL tracker store (table ``events``)."""
    engine = create_engine(tracker_url)
    try:
        if "events" not in inspect(engine).get_table_names():
            return 0
        events = Table("events", MetaData(), autoload_with=engine)
        deleted = 0
        with engine.begin() as connection:
            for start in range(0, len(conversation_ids), 500):
                ids = conversation_ids[start : start + 500]
                deleted += connection.execute(
                    delete(events).where(events.c.sender_id.in_(ids))
                ).rowcount
        return deleted
    finally:
        engine.dispose()


def delete_misses(misses_url: str, conversation_ids: list[str], days: int | None) -> int:
    """Missed questions of these conversations, and (with ``days``) all older ones."""
    engine = create_engine(misses_url)
    try:
        if "kb_misses" not in inspect(engine).get_table_names():
            return 0
        deleted = 0
        with engine.begin() as connection:
            if days is not None:
                cutoff = datetime.now(UTC) - timedelta(days=days)
                deleted += connection.execute(delete(Miss).where(Miss.at < cutoff)).rowcount
            for start in range(0, len(conversation_ids), 500):
                ids = conversation_ids[start : start + 500]
                deleted += connection.execute(
                    delete(Miss).where(Miss.conversation_id.in_(ids))
                ).rowcount
        return deleted
    finally:
        engine.dispose()


async def _delete_everywhere(
    settings: Settings, sessions: async_sessionmaker, ids: list[str], days: int | None
) -> PurgeReport:
    """The three places a chat lives (desk, Rasa's tracker, misses log), one after the
    other. Without ``days`` it is an erasure request: e-mails still waiting go too."""
    report = PurgeReport()
    await delete_from_desk(sessions, ids, report, pending_mail=days is None)
    await delete_expired_sessions(sessions, report)
    report.tracker_events = await asyncio.to_thread(
        delete_from_tracker, settings.tracker_db_url, ids
    )
    report.misses = await asyncio.to_thread(delete_misses, settings.kb_log_url, ids, days)
    return report


async def purge(
    settings: Settings, sessions: async_sessionmaker, days: int, *, dry_run: bool = False
) -> PurgeReport:
    """Delete what the retention periods no longer allow to keep: conversations idle
    for ``days``, old offline tickets (``settings.offline_ticket_retention_days``), the
    content of e-mails older than ``days`` and the delay notices past their window."""
    ids = await expired_conversations(sessions, days)
    offline = await expired_offline_tickets(sessions, settings.offline_ticket_retention_days)
    known = set(ids)
    ids += [cid for cid in offline if cid not in known]
    if dry_run:
        async with sessions() as session:
            messages = await session.scalar(
                select(func.count()).select_from(Message).where(Message.conversation_id.in_(ids))
            )
        report = PurgeReport(conversations=len(ids), messages=int(messages or 0))
        return report.add_mail(
            await mail_retention.purge_mail(settings, sessions, days, dry_run=True)
        )
    report = await _delete_everywhere(settings, sessions, ids, days)
    return report.add_mail(await mail_retention.purge_mail(settings, sessions, days))


async def forget(
    settings: Settings, sessions: async_sessionmaker, conversation_ids: list[str]
) -> PurgeReport:
    """Erase these conversations now (a shopper's request), whatever their state."""
    return await _delete_everywhere(settings, sessions, conversation_ids, None)


async def forget_address(
    settings: Settings, sessions: async_sessionmaker, address: str, *, dry_run: bool = False
) -> tuple[PurgeReport, list[str]]:
    """Erase what the desk holds about an e-mail address (a request made by e-mail,
    where the address is all the shop knows): the conversations it belongs to
    (``mail_retention.conversations_of_address``), everywhere, and the content of every
    e-mail sent to it. Its opt-out stays: a keyed hash, no address, and the one thing
    that stops notices from starting again. The report and the conversations' ids."""
    ids = await mail_retention.conversations_of_address(sessions, address)
    if dry_run:
        counts = await mail_retention.erase_address(sessions, address, dry_run=True)
        return PurgeReport(conversations=len(ids)).add_mail(counts), ids
    report = await forget(settings, sessions, ids) if ids else PurgeReport()
    return report.add_mail(await mail_retention.erase_address(sessions, address)), ids


async def purge_daily(settings: Settings, sessions: async_sessionmaker) -> None:
    """The desk's background task: apply the retention period once a day."""
    await asyncio.sleep(60)  # let the desk start serving first
    while True:
        try:
            report = await purge(settings, sessions, settings.retention_days)
            log.info("retention (%d days): %s", settings.retention_days, report.as_json())
            if report.optouts_other_key:
                log.warning(
                    "%d e-mail opt-outs were recorded under another conversation secret and "
                    "no longer match any address: those shoppers could get notices again",
                    report.optouts_other_key,
                )
        except Exception:  # a failed purge must not stop the desk; it retries tomorrow
            log.exception("retention purge failed")
        await asyncio.sleep(24 * 3600)
