"""The reports' roll-up: each conversation's and each ticket's facts, kept in tables.

Reading a month of messages (a busy shop writes a million) on every page load would take
seconds; a conversation's facts (eligible, automated, handed off…) are small and change
only when the conversation does. ``rollup`` recomputes them for the conversations that
changed since its last pass (``ReportState``), then the hourly counts of the days those
conversations belong to (``ReportHour``): a month's report reads 720 rows of counts,
not 100,000 conversations. They hold no text and no shopper data: codes, flags,
durations and counts. Two passes at once (two desk processes) write the same rows:
``upsert`` makes that harmless.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.desk.db import Base


class ReportConversation(Base):
    """One conversation's facts (``definitions.ConversationFacts``), by its first day."""

    __tablename__ = "desk_report_conversations"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    hour: Mapped[int] = mapped_column(SmallInteger)
    eligible: Mapped[bool] = mapped_column(Boolean)
    answered: Mapped[bool] = mapped_column(Boolean)
    contained: Mapped[bool] = mapped_column(Boolean)
    confirmed: Mapped[bool] = mapped_column(Boolean)
    assumed: Mapped[bool] = mapped_column(Boolean)
    handed_off: Mapped[bool] = mapped_column(Boolean)
    scored: Mapped[bool] = mapped_column(Boolean)
    satisfied: Mapped[bool] = mapped_column(Boolean)
    order_status: Mapped[bool] = mapped_column(Boolean)
    late: Mapped[bool] = mapped_column(Boolean)
    partial: Mapped[bool] = mapped_column(Boolean)
    lost: Mapped[bool] = mapped_column(Boolean)
    recheck_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )


class ReportTicket(Base):
    """One ticket's facts (``definitions.TicketFacts``), by its conversation's first day.

    Stored in day order (the primary key starts with the day; on SQLite a table without
    rowid): a month's tickets are read as one run of rows, not one seek per ticket.
    """

    __tablename__ = "desk_report_tickets"
    __table_args__ = (PrimaryKeyConstraint("day", "ticket_id"), {"sqlite_with_rowid": False})

    day: Mapped[date] = mapped_column(Date)
    ticket_id: Mapped[int] = mapped_column(Integer, autoincrement=False, index=True, unique=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    offline: Mapped[bool] = mapped_column(Boolean)
    first_response_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_response_business_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_response_bucket: Mapped[str | None] = mapped_column(String(12), nullable=True)
    resolution_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    within_promise: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    recheck_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )


HOUR_COUNTS = (
    "conversations",
    "eligible",
    "contained",
    "confirmed",
    "assumed",
    "handoffs",
    "scored",
    "satisfied",
    "order_status",
    "late",
    "partial",
    "lost",
    "troubled",
)
"""The counts of ``ReportHour``, in this order (``troubled``: order status about a late,
partial or lost parcel; ``handoffs``: eligible conversations handed to a person)."""


class ReportHour(Base):
    """How many conversations that started in this hour of this day count for what."""

    __tablename__ = "desk_report_hours"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    conversations: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int] = mapped_column(Integer)
    contained: Mapped[int] = mapped_column(Integer)
    confirmed: Mapped[int] = mapped_column(Integer)
    assumed: Mapped[int] = mapped_column(Integer)
    handoffs: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    order_status: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    partial: Mapped[int] = mapped_column(Integer)
    lost: Mapped[int] = mapped_column(Integer)
    troubled: Mapped[int] = mapped_column(Integer)


class ReportVote(Base):
    """👍 and 👎 cast on one article during one day (the day of the vote)."""

    __tablename__ = "desk_report_votes"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    up: Mapped[int] = mapped_column(Integer)
    down: Mapped[int] = mapped_column(Integer)


class ReportState(Base):
    """How far the roll-up is: changes after ``refreshed_at`` are still to be read."""

    __tablename__ = "desk_report_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def upsert(session: AsyncSession, model: Any, keys: list[str], rows: Any = None) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE, in the database's dialect (of ``rows``, a
    SELECT, when given; else of the parameters the statement is executed with)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model)
    if rows is not None:
        statement = statement.from_select([c.name for c in model.__table__.columns], rows)
    columns = {
        c.name: statement.excluded[c.name] for c in model.__table__.columns if c.name not in keys
    }
    return statement.on_conflict_do_update(index_elements=keys, set_=columns)
