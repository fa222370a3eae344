"""The e-mails of an offline ticket, both ways, and the ticket's moves they cause.

An agent answers an out-of-hours request by e-mail; the shopper's reply comes back by
e-mail. Each e-mail of the thread is one row here, with its Message-ID: a reply names
one of ours in In-Reply-To or References, and that is how it finds its ticket (the
Message-ID is unguessable, so naming it is proof enough that one holds our e-mail).

Two rules keep things exactly once: an agent's answer carries a key chosen by the
console for that click (``dedupe_key``, unique), so a double click or a retried request
finds the row already there and sends nothing more; a reply is keyed by its own
Message-ID (unique), so a mail server that delivers it twice adds it once.

Moves of the ticket: answered by e-mail, it leaves the queue (``answered``), unless a
reply came in the meantime (the agent has not read it: it stays in the queue); a reply
brings an ``answered`` or ``resolved`` ticket back as ``offline``, waiting for an agent,
with a new promised time. ``closed_at`` is left alone on an answer: only resolving
closes a ticket (the reports' resolution time), and the reports take the first answer
from the outbox, once its e-mail was really sent (``reports/rollup.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, Text, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.desk.db import Base, as_utc, utc_now
from comptoir.desk.mail.replies import Reply
from comptoir.desk.tickets import Ticket, TicketStore, TicketView

OUT, IN = "out", "in"
ANSWERABLE = ("offline", "answered")
"""Statuses of a ticket an agent may answer by e-mail (the shopper left an address)."""
REOPENABLE = ("answered", "resolved")
"""Statuses a shopper's reply brings back to the queue."""
MAX_TEXT = 20_000


class TicketMail(Base):
    """One e-mail of a ticket's thread: an agent's answer (out) or a shopper's reply (in)."""

    __tablename__ = "desk_ticket_mails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # The console's key for one "send" click (out only): a second click finds it.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    author: Mapped[str] = mapped_column(String(254))  # the agent's name, or the From address
    # In: whether From is the address the shopper gave (else the agent is warned).
    sender_matches: Mapped[bool] = mapped_column(Boolean, default=True)
    # In: an out-of-office or other automatic answer (kept, but the ticket stays put).
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Indexed: the reports' roll-up reads the tickets whose thread changed since its pass.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class MailView:
    """One e-mail of the thread as the console shows it."""

    id: int
    ticket_id: int
    direction: str
    message_id: str
    author: str
    text: str
    sender_matches: bool
    automatic: bool
    outbox_id: int | None
    created_at: str

    def as_json(self) -> dict[str, Any]:
        """The console's shape (the Message-ID stays on the server)."""
        found = asdict(self)
        del found["message_id"]
        return found


def _view(row: TicketMail) -> MailView:
    return MailView(
        id=row.id,
        ticket_id=row.ticket_id,
        direction=row.direction,
        message_id=row.message_id,
        author=row.author,
        text=row.text,
        sender_matches=row.sender_matches,
        automatic=row.automatic,
        outbox_id=row.outbox_id,
        created_at=as_utc(row.created_at).isoformat(),
    )


class TicketMailStore:
    """The threads of offline tickets, and the status changes e-mails bring."""

    def __init__(self, sessions: async_sessionmaker, tickets: TicketStore) -> None:
        self._sessions = sessions
        self._tickets = tickets

    async def thread(self, ticket_id: int) -> list[MailView]:
        """The ticket's e-mails, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(TicketMail).where(TicketMail.ticket_id == ticket_id).order_by(TicketMail.id)
            )
            return [_view(row) for row in rows]

    async def start_answer(
        self, ticket_id: int, *, dedupe_key: str, message_id: str, agent_name: str, text: str
    ) -> tuple[MailView, bool]:
        """Record an agent's answer before it is queued: ``(row, created)``; with a key
        already used, the row of the first click and ``False``."""
        row = TicketMail(
            ticket_id=ticket_id,
            direction=OUT,
            message_id=message_id,
            dedupe_key=dedupe_key,
            author=agent_name[:254],
            sender_matches=True,
            automatic=False,
            text=text[:MAX_TEXT],
            created_at=utc_now(),
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
            return _view(row), True
        except IntegrityError:
            async with self._sessions() as session:
                first = await session.scalar(
                    select(TicketMail).where(TicketMail.dedupe_key == dedupe_key)
                )
            if first is None:  # the clash was on the Message-ID: not a repeat, a bug
                raise
            return _view(first), False

    async def queued(self, mail_id: int, outbox_id: int) -> None:
        """Note which outbox row carries this answer (its status is read from there)."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(TicketMail).where(TicketMail.id == mail_id).values(outbox_id=outbox_id)
            )

    async def forget_unqueued(self, mail_id: int) -> None:
        """Drop an answer that could not be queued (``ticket_mail_api``): the agent is told
        nothing left, and sending it again records it afresh instead of finding this row."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(TicketMail).where(TicketMail.id == mail_id, TicketMail.outbox_id.is_(None))
            )

    async def ticket_of(self, message_ids: list[str]) -> int | None:
        """The ticket whose answer has one of these Message-IDs (only our own e-mails
        count: a shopper's Message-ID was chosen by their mail program)."""
        if not message_ids:
            return None
        async with self._sessions() as session:
            return await session.scalar(
                select(TicketMail.ticket_id)
                .where(TicketMail.direction == OUT, TicketMail.message_id.in_(message_ids[:50]))
                .order_by(TicketMail.id.desc())
                .limit(1)
            )

    async def add_reply(self, ticket_id: int, reply: Reply) -> MailView | None:
        """Keep a shopper's reply; ``None`` when this Message-ID is already kept (a mail
        server delivering the same message again)."""
        row = TicketMail(
            ticket_id=ticket_id,
            direction=IN,
            message_id=reply.message_id[:255],
            dedupe_key=None,
            author=reply.sender[:254],
            sender_matches=reply.sender_matches,
            automatic=reply.automatic,
            text=reply.text[:MAX_TEXT],
            created_at=utc_now(),
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            return None
        return _view(row)

    async def answered_contact_of(self, conversation_id: str) -> str | None:
        """The address a shopper typed for an offline request in this conversation, once
        an agent has written to it from the console (the latest such ticket's), else
        ``None``. A typed address alone proves nothing: anyone can type anyone's; an
        agent who read the request and answered it made it the thread's address."""
        answered = exists().where(TicketMail.ticket_id == Ticket.id, TicketMail.direction == OUT)
        async with self._sessions() as session:
            return await session.scalar(
                select(Ticket.contact_email)
                .where(
                    Ticket.conversation_id == conversation_id,
                    Ticket.contact_email.is_not(None),
                    answered,
                )
                .order_by(Ticket.id.desc())
                .limit(1)
            )

    async def answered(self, ticket_id: int, answer_id: int) -> TicketView | None:
        """The ticket was answered by e-mail (``answer_id``: the answer's row): out of the
        queue until the shopper writes back. One conditional UPDATE: if a reply came
        after this answer was recorded (it found the ticket still ``offline``, so it
        reopened nothing), the ticket stays in the queue, or that reply would never be
        read. An automatic reply (out-of-office) does not count."""
        unread = exists().where(
            TicketMail.ticket_id == ticket_id,
            TicketMail.direction == IN,
            TicketMail.automatic.is_(False),
            TicketMail.id > answer_id,
        )
        async with self._sessions.begin() as session:
            await session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.status.in_(ANSWERABLE), ~unread)
                .values(status="answered")
                .execution_options(synchronize_session=False)
            )
        return await self._tickets.get(ticket_id)

    async def reopen(self, ticket_id: int) -> TicketView | None:
        """A reply came: the ticket waits for an agent again (``offline``), due by the
        promise counted from now. A ticket an agent already resolved comes back too:
        the shopper wrote, a person must read it. One still waiting keeps its time."""
        now = utc_now()
        async with self._sessions.begin() as session:
            await session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.status.in_(REOPENABLE))
                .values(
                    status="offline",
                    closed_at=None,
                    due_at=self._tickets.promise.due(now),
                    overdue_notified_at=None,
                )
            )
        return await self._tickets.get(ticket_id)
