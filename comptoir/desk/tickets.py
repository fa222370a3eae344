"""Handoff tickets: a conversation waiting for, or owned by, a person.

While a conversation has an open ticket, the bot stays silent: the desk keeps the
shopper's messages for the agent instead of relaying them to Rasa. Claiming is one
conditional UPDATE, so two agents clicking at once cannot both own the conversation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, false, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.desk.db import Base, as_utc, utc_now
from comptoir.desk.promise import Promise
from comptoir.desk.store import StoredMessage
from comptoir.message_kinds import ORDER_STATUS
from comptoir.redaction import redact

# While a ticket is in one of these, the bot is silent in its conversation.
OPEN_STATUSES = ("waiting", "claimed", "collecting")
# What the console's queue shows: live handoffs, and offline requests to answer by e-mail.
QUEUE_STATUSES = ("waiting", "claimed", "offline")
# Offline tickets: a request to answer by e-mail, or one answered and waiting for a reply.
BY_EMAIL = ("offline", "answered")


class Ticket(Base):
    """One handoff of one conversation to a person."""

    __tablename__ = "desk_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(12), default="waiting", index=True)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agent_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    request: Mapped[str] = mapped_column(String(2000), default="")
    # created_at and closed_at are indexed for the reports' roll-up (what changed since).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    # The promised answer time (comptoir/desk/promise.py), set when the ticket starts
    # waiting or goes offline; indexed for the overdue sweeper, which marks the ticket
    # once it has told the webhook (never twice, whichever desk process saw it first).
    due_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    overdue_notified_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class TicketNote(Base):
    """An agent's private note on a ticket: never shown to the shopper."""

    __tablename__ = "desk_ticket_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    agent_name: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class TicketView:
    """A ticket as the console shows it."""

    id: int
    conversation_id: str
    reason: str
    priority: str
    status: str
    language: str
    agent_id: int | None
    agent_name: str | None
    summary: dict[str, Any]
    contact_email: str | None
    request: str
    created_at: str
    waiting_s: int
    due_at: str | None = None
    due_state: str = "on_time"  # on_time | soon | late (comptoir/desk/promise.py)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _view(row: Ticket, promise: Promise) -> TicketView:
    created = as_utc(row.created_at)
    now = utc_now()
    due = as_utc(row.due_at) if row.due_at else None
    return TicketView(
        id=row.id,
        conversation_id=row.conversation_id,
        reason=row.reason,
        priority=row.priority,
        status=row.status,
        language=row.language,
        agent_id=row.agent_id,
        agent_name=row.agent_name,
        summary=dict(row.summary or {}),
        contact_email=row.contact_email,
        request=row.request or "",
        created_at=created.isoformat(),
        waiting_s=int((now - created).total_seconds()),
        due_at=due.isoformat() if due else None,
        due_state=promise.state(row.status, due, now),
    )


def summarise(history: list[StoredMessage], language: str) -> dict[str, Any]:
    """What an agent needs at a glance, built from the stored conversation."""
    order, verified, articles, returns = None, False, [], []
    for message in history:
        custom = message.custom
        if custom.get("order_number"):
            order = custom["order_number"]
            verified = verified or custom.get("kind") == ORDER_STATUS
        if custom.get("article_id") and custom["article_id"] not in articles:
            articles.append(custom["article_id"])
        if custom.get("return_number") and custom["return_number"] not in returns:
            returns.append(custom["return_number"])
    shopper = [m for m in history if m.sender == "shopper" and not m.text.startswith("/")]
    return {
        "language": language,
        "messages": len(history),
        "order_number": order,
        "order_verified": verified,
        "articles_shown": articles,
        "returns_opened": returns,
        "last_shopper_message": shopper[-1].text[:500] if shopper else "",
    }


class TicketStore:
    """Open, list, claim and close tickets.

    ``promise`` dates each ticket's answer (the settings' by default:
    ``Promise.from_settings``; without it, the default opening hours and promise)."""

    def __init__(self, sessions: async_sessionmaker, promise: Promise | None = None) -> None:
        self._sessions = sessions
        self.promise = promise or Promise()

    @property
    def sessions(self) -> async_sessionmaker:
        """The desk database's sessions (the overdue sweeper marks tickets through them)."""
        return self._sessions

    def _view(self, row: Ticket) -> TicketView:
        return _view(row, self.promise)

    async def open(
        self,
        conversation_id: str,
        reason: str,
        *,
        priority: str = "normal",
        language: str = "fr",
        summary: dict[str, Any] | None = None,
        status: str = "waiting",
    ) -> tuple[TicketView, bool]:
        """The conversation's open ticket, created if there is none: ``(ticket, created)``."""
        async with self._sessions.begin() as session:
            existing = await session.scalar(
                select(Ticket).where(
                    Ticket.conversation_id == conversation_id, Ticket.status.in_(OPEN_STATUSES)
                )
            )
            if existing is not None:
                if priority == "high" and existing.priority != "high":
                    existing.priority = "high"
                return self._view(existing), False
            now = utc_now()
            ticket = Ticket(
                conversation_id=conversation_id,
                reason=reason[:40],
                priority=priority,
                status=status,
                language=language,
                summary=summary or {},
                created_at=now,
                due_at=self.promise.due(now) if status == "waiting" else None,
            )
            session.add(ticket)
            await session.flush()
            return self._view(ticket), True

    async def opened_since(self, conversation_id: str, since: datetime) -> list[datetime]:
        """When the conversation's tickets opened after ``since`` were opened, oldest
        first (the limit on tickets per conversation per day)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Ticket.created_at)
                .where(Ticket.conversation_id == conversation_id, Ticket.created_at > since)
                .order_by(Ticket.created_at)
            )
            return [as_utc(created) for created in rows]

    async def active(self, conversation_id: str) -> TicketView | None:
        """The open ticket of a conversation: while there is one, the bot is silent."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(Ticket).where(
                    Ticket.conversation_id == conversation_id, Ticket.status.in_(OPEN_STATUSES)
                )
            )
            return self._view(row) if row else None

    async def get(self, ticket_id: int) -> TicketView | None:
        """The ticket, whatever its status (``None`` if there is no such ticket)."""
        async with self._sessions() as session:
            row = await session.get(Ticket, ticket_id)
            return self._view(row) if row else None

    async def queue(self) -> list[TicketView]:
        """Open tickets: high priority first, then the longest waiting."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Ticket)
                .where(Ticket.status.in_(QUEUE_STATUSES))
                .order_by(Ticket.priority.desc(), Ticket.created_at)
            )
            views = [self._view(row) for row in rows]
        return sorted(views, key=lambda t: (t.priority != "high", t.created_at))

    async def claim(self, ticket_id: int, agent_id: int, agent_name: str) -> bool:
        """Take a waiting ticket; ``False`` if someone else was first (or it is closed)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.status == "waiting")
                .values(
                    status="claimed", agent_id=agent_id, agent_name=agent_name, claimed_at=utc_now()
                )
            )
            return result.rowcount == 1

    async def collect(
        self, ticket_id: int, *, email: str | None, request: str
    ) -> TicketView | None:
        """Add what an out-of-hours shopper left; the ticket goes to the queue once it has
        both an e-mail and a request."""
        async with self._sessions.begin() as session:
            row = await session.get(Ticket, ticket_id)
            if row is None or row.status != "collecting":
                return None
            if email:
                row.contact_email = email
            if request:
                row.request = f"{row.request}\n{request}".strip()[:2000]
            if row.contact_email and row.request:
                row.status = "offline"
                row.due_at = self.promise.due(utc_now())  # the promise starts now
            await session.flush()
            return self._view(row)

    async def close(self, ticket_id: int, agent_id: int, status: str = "handed_back") -> bool:
        """Hand back to the bot (or resolve); only the agent who owns the ticket may.

        An offline ticket (to answer, or answered, by e-mail) can be resolved by any agent,
        never handed back: nobody is in the chat to hand it to, and a shopper's e-mail
        reply brings back only an ``answered`` or ``resolved`` ticket (``ticket_mail``)."""
        by_email = Ticket.status.in_(BY_EMAIL) if status == "resolved" else false()
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Ticket)
                .where(
                    Ticket.id == ticket_id,
                    ((Ticket.status == "claimed") & (Ticket.agent_id == agent_id)) | by_email,
                )
                .values(status=status, closed_at=utc_now())
            )
            return result.rowcount == 1

    async def add_note(self, ticket_id: int, agent_name: str, text: str) -> dict[str, Any]:
        """Keep a private note for the team."""
        async with self._sessions.begin() as session:
            note = TicketNote(
                ticket_id=ticket_id,
                agent_name=agent_name,
                text=redact(text[:2000]).text,
                created_at=utc_now(),
            )
            session.add(note)
            await session.flush()
            return _note(note)

    async def notes(self, ticket_id: int) -> list[dict[str, Any]]:
        """The agents' internal notes on the ticket, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(TicketNote).where(TicketNote.ticket_id == ticket_id).order_by(TicketNote.id)
            )
            return [_note(row) for row in rows]

    async def position(self, ticket_id: int) -> int:
        """1 for the next ticket an agent will take (high priority first)."""
        waiting = [t for t in await self.queue() if t.status == "waiting"]
        return next((i for i, t in enumerate(waiting, start=1) if t.id == ticket_id), 0)


def _note(row: TicketNote) -> dict[str, Any]:
    return {
        "agent_name": row.agent_name,
        "text": row.text,
        "created_at": as_utc(row.created_at).isoformat(),
    }
