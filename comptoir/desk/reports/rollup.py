"""Keep the reports' facts up to date, reading only what changed since the last pass.

A pass finds the conversations touched since the previous one (a new message, a ticket
opened or closed, an e-mail of a ticket's thread written or sent, a score, a vote) and
those whose facts were waiting for time to pass
(an answer's 24 h, an offline promise's deadline), reads them whole, applies
``definitions`` and upserts the facts, 500 conversations per short transaction so
that the desk's own writes never wait long behind it; then it sums again the hourly
counts of the days those conversations belong to, and the votes of the days that got
one (``vote_counts``). The first pass reads every conversation once. Upserts make two
passes at once harmless (two desk processes).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, delete, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from comptoir.calendar import BusinessHours
from comptoir.desk.db import as_utc, utc_now
from comptoir.desk.mail.outbox import OutboxMail
from comptoir.desk.reports.definitions import (
    ConversationRecord,
    MessageRecord,
    TicketRecord,
    conversation_facts,
    ticket_facts,
)
from comptoir.desk.reports.tables import (
    HOUR_COUNTS,
    ReportConversation,
    ReportHour,
    ReportState,
    ReportTicket,
    upsert,
)
from comptoir.desk.reports.vote_counts import recount_votes
from comptoir.desk.store import Conversation, Message
from comptoir.desk.ticket_mail import OUT, TicketMail
from comptoir.desk.tickets import Ticket
from comptoir.desk.votes import Feedback, Satisfaction

log = logging.getLogger("comptoir.reports")
STATE = "rollup"
MARGIN = timedelta(seconds=30)
"""Changes committed by transactions already running when a pass starts are read
again by the next pass (a pass starting at t moves the mark to t - 30 s)."""
CHUNK = 500
DAYS_PER_RECOUNT = 31
TEXT_CHARS = 200
"""Enough of a message to tell small talk and the order-status sentences apart."""


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


async def _refreshed_at(session: AsyncSession) -> datetime | None:
    state = await session.get(ReportState, STATE)
    return as_utc(state.refreshed_at) if state is not None else None


async def _changed(session: AsyncSession, since: datetime | None, now: datetime) -> list[str]:
    """Conversations whose facts may differ from the stored ones (all on the first pass)."""
    if since is None:
        return sorted(await session.scalars(select(Conversation.id)))
    query = union(
        select(Conversation.id).where(Conversation.updated_at > since),
        select(Ticket.conversation_id).where(Ticket.created_at > since),
        select(Ticket.conversation_id).where(Ticket.closed_at > since),
        # An answer or a reply (a reply reopens a resolved ticket: closed_at is cleared,
        # which no timestamp of the ticket shows), and an answer's e-mail leaving.
        _threads().where(TicketMail.created_at > since),
        _threads()
        .join(OutboxMail, OutboxMail.id == TicketMail.outbox_id)
        .where(OutboxMail.sent_at > since),
        select(Satisfaction.conversation_id).where(Satisfaction.created_at > since),
        select(Feedback.conversation_id).where(Feedback.created_at > since),
        select(ReportConversation.conversation_id).where(ReportConversation.recheck_at <= now),
        select(ReportTicket.conversation_id).where(ReportTicket.recheck_at <= now),
    )
    return sorted(cid for cid in await session.scalars(query) if cid)


def _threads() -> Select:
    """The conversations of tickets with e-mails (filtered by the caller)."""
    return select(Ticket.conversation_id).join(TicketMail, TicketMail.ticket_id == Ticket.id)


async def _first_sent(session: AsyncSession, ids: list[str]) -> dict[int, datetime]:
    """When each ticket of these conversations had its first answer by e-mail accepted
    by the mail server. An answer refused, failed or still waiting in the outbox has
    not reached the shopper: it is no first response (yet)."""
    rows = await session.execute(
        select(TicketMail.ticket_id, func.min(OutboxMail.sent_at))
        .join(OutboxMail, OutboxMail.id == TicketMail.outbox_id)
        .join(Ticket, Ticket.id == TicketMail.ticket_id)
        .where(
            Ticket.conversation_id.in_(ids),
            TicketMail.direction == OUT,
            OutboxMail.status == "sent",
        )
        .group_by(TicketMail.ticket_id)
    )
    return {ticket_id: as_utc(sent) for ticket_id, sent in rows if sent is not None}


async def _records(session: AsyncSession, ids: list[str]) -> list[ConversationRecord]:
    """The conversations ``ids`` (those that still exist) with all the reports read."""
    started = dict(
        (
            await session.execute(
                select(Conversation.id, Conversation.created_at).where(Conversation.id.in_(ids))
            )
        ).all()
    )
    messages: dict[str, list[MessageRecord]] = defaultdict(list)
    rows = await session.execute(
        select(
            Message.conversation_id,
            Message.sender,
            func.substr(Message.text, 1, TEXT_CHARS),
            Message.payload,
            Message.created_at,
        )
        .where(Message.conversation_id.in_(ids))
        .order_by(Message.conversation_id, Message.seq)
    )
    for cid, sender, text, payload, at in rows:
        custom = (payload or {}).get("custom") or {}
        messages[cid].append(MessageRecord(sender, text or "", as_utc(at), custom))
    tickets: dict[str, list[TicketRecord]] = defaultdict(list)
    rows = await session.execute(
        select(
            Ticket.id,
            Ticket.conversation_id,
            Ticket.reason,
            Ticket.created_at,
            Ticket.closed_at,
            Ticket.contact_email,
            Ticket.request,
        ).where(Ticket.conversation_id.in_(ids))
    )
    sent = await _first_sent(session, ids)
    for tid, cid, reason, created, closed, email, request in rows:
        closed_at = as_utc(closed) if closed else None
        offline = bool(email) and bool(request)
        record = TicketRecord(tid, reason, as_utc(created), closed_at, offline, sent.get(tid))
        tickets[cid].append(record)
    votes: dict[str, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(Feedback.conversation_id, Feedback.vote).where(Feedback.conversation_id.in_(ids))
    )
    for cid, vote in rows:
        votes[cid].append(vote)
    scores = dict(
        (
            await session.execute(
                select(Satisfaction.conversation_id, Satisfaction.score).where(
                    Satisfaction.conversation_id.in_(ids)
                )
            )
        ).all()
    )
    return [
        ConversationRecord(
            id=cid,
            started_at=as_utc(started[cid]),
            messages=messages.get(cid, []),
            tickets=sorted(tickets.get(cid, []), key=lambda t: t.created_at),
            votes=votes.get(cid, []),
            score=scores.get(cid),
        )
        for cid in ids
        if cid in started
    ]


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


C = ReportConversation
HOUR_SUMS = {
    "conversations": func.count(),
    "eligible": _flag(C.eligible),
    "contained": _flag(C.contained),
    "confirmed": _flag(C.confirmed),
    "assumed": _flag(C.assumed),
    "handoffs": _flag(and_(C.eligible, C.handed_off)),
    "scored": _flag(C.scored),
    "satisfied": _flag(C.satisfied),
    "order_status": _flag(C.order_status),
    "late": _flag(C.late),
    "partial": _flag(C.partial),
    "lost": _flag(C.lost),
    "troubled": _flag(and_(C.order_status, or_(C.late, C.partial, C.lost))),
}


async def _recount(session: AsyncSession, days: Iterable[date]) -> None:
    """The hourly counts of ``days``, summed again from their conversations' facts."""
    days = sorted(set(days))
    if not days:
        return
    await session.execute(delete(ReportHour).where(ReportHour.day.in_(days)))
    sums = (
        select(C.day, C.hour, *(HOUR_SUMS[name] for name in HOUR_COUNTS))
        .where(C.day.in_(days))
        .group_by(C.day, C.hour)
    )
    await session.execute(upsert(session, ReportHour, ["day", "hour"], sums))


async def _store(
    sessions: async_sessionmaker,
    ids: list[str],
    records: list[ConversationRecord],
    hours: BusinessHours,
    promise_hours: float,
    now: datetime,
) -> set[date]:
    """Upsert the facts of ``records``; forget those of conversations no longer there.
    Returns the days whose hourly counts are to be summed again."""
    conversations = [vars(conversation_facts(r, now)) for r in records]
    tickets = [
        vars(ticket_facts(t, r, hours, promise_hours, now)) for r in records for t in r.tickets
    ]
    gone = sorted(set(ids) - {r.id for r in records})
    async with sessions.begin() as session:
        if conversations:
            statement = upsert(session, ReportConversation, ["conversation_id"])
            await session.execute(statement, conversations)
        if tickets:
            await session.execute(upsert(session, ReportTicket, ["ticket_id"]), tickets)
        if gone:
            await forget(session, gone)
    return {facts["day"] for facts in conversations}


async def forget(session: AsyncSession, conversation_ids: list[str]) -> None:
    """Remove these conversations' facts (the conversations were deleted) and count
    their days again."""
    days = await session.scalars(
        select(C.day).where(C.conversation_id.in_(conversation_ids)).distinct()
    )
    days = list(days)
    await session.execute(
        delete(ReportTicket).where(ReportTicket.conversation_id.in_(conversation_ids))
    )
    await session.execute(delete(C).where(C.conversation_id.in_(conversation_ids)))
    await _recount(session, days)


async def refresh(
    sessions: async_sessionmaker,
    hours: BusinessHours,
    promise_hours: float,
    now: datetime | None = None,
) -> int:
    """One pass: recompute what changed since the last one, then the hourly counts of
    the days it touched; returns how many conversations were read."""
    now = now or utc_now()
    async with sessions() as session:
        since = await _refreshed_at(session)
        ids = await _changed(session, since, now)
    touched: set[date] = set()
    for chunk in _chunks(ids, CHUNK):
        async with sessions() as session:
            records = await _records(session, chunk)
        touched |= await _store(sessions, chunk, records, hours, promise_hours, now)
    days = sorted(touched)
    for first in range(0, len(days), DAYS_PER_RECOUNT):
        async with sessions.begin() as session:
            await _recount(session, days[first : first + DAYS_PER_RECOUNT])
    await recount_votes(sessions, since)
    async with sessions.begin() as session:
        mark = [{"name": STATE, "refreshed_at": now - MARGIN}]
        await session.execute(upsert(session, ReportState, ["name"]), mark)
    return len(ids)


def _log_failure(task: asyncio.Task[int]) -> None:
    """A pass nobody waited for (the one at start-up) still reports its failure."""
    if not task.cancelled() and task.exception() is not None:
        log.error("reports roll-up pass failed", exc_info=task.exception())


class Refresher:
    """One pass at a time per process; a request waits for a pass that began after it.

    The pass runs as a task of its own: a page that gives up waiting (the first pass
    over a large history takes a while) does not cancel it, and the next page finds
    the facts ready. A request arriving during a pass waits for it, then for the next
    one (which the requests arrived meanwhile share): the pass running may have read
    the tables before the request's own changes.
    """

    def __init__(
        self, sessions: async_sessionmaker, hours: BusinessHours, promise_hours: float
    ) -> None:
        self._sessions = sessions
        self._hours = hours
        self._promise_hours = promise_hours
        self._task: asyncio.Task[int] | None = None

    def start(self) -> asyncio.Task[int]:
        """The running pass, or a new one."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(
                refresh(self._sessions, self._hours, self._promise_hours)
            )
            self._task.add_done_callback(_log_failure)
        return self._task

    async def wait(self, timeout_s: float) -> bool:
        """Wait for a pass begun after this call; ``False`` if it is not over in time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            if self._task is not None and not self._task.done():
                await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
            await asyncio.wait_for(asyncio.shield(self.start()), deadline - loop.time())
        except TimeoutError:
            return False
        return True
