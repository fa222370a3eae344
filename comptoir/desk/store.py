"""Conversation history in SQL, so nothing a shopper writes is lost.

Every shopper message is written *before* it is relayed to Rasa: if Rasa or the action
server is down, the message stays in the history, marked undelivered, for an agent to
read. SQLite by default, PostgreSQL through ``COMPTOIR_DESK_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    event,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the desk's tables."""


class Conversation(Base):
    """One shopper's chat, keyed by the id the widget generated."""

    __tablename__ = "desk_conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Message(Base):
    """One message of a conversation, in the order it was written (``seq``)."""

    __tablename__ = "desk_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("desk_conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(16))  # shopper | bot
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    delivered: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Feedback(Base):
    """A shopper's 👍/👎 on a knowledge answer, with the question that led to it."""

    __tablename__ = "desk_kb_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[str] = mapped_column(String(80), index=True)
    question: Mapped[str] = mapped_column(Text, default="")
    vote: Mapped[str] = mapped_column(String(4))  # up | down
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClientMessage(Base):
    """The widget's own id for a shopper message: a retried send is recognised, not relayed.

    The widget gives every message an id before sending it; a message sent again after a
    network drop (the first attempt may have arrived) hits the primary key and is not
    written or relayed a second time.
    """

    __tablename__ = "desk_client_messages"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer)


class Satisfaction(Base):
    """The 1-5 score a shopper gives when ending the chat."""

    __tablename__ = "desk_satisfaction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class StoredMessage:
    """A message as the API returns it (``id`` is internal, ``seq`` is public)."""

    id: int
    seq: int
    sender: str
    text: str
    buttons: list[dict[str, str]]
    custom: dict[str, Any]
    delivered: bool
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The JSON shape of ``GET /api/conversations/{id}/messages``."""
        return {
            "seq": self.seq,
            "sender": self.sender,
            "text": self.text,
            "buttons": self.buttons,
            "custom": self.custom,
            "delivered": self.delivered,
            "created_at": self.created_at.isoformat(),
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL journal: readers do not wait for the writer, and a commit costs no full fsync.

    With the default rollback journal every message meant a synced file rewrite, and a
    burst of shoppers' messages queued behind it. ``busy_timeout`` lets a second desk
    process wait for the lock instead of failing.
    """
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class ConversationStore:
    """Reads and writes conversations; one instance per desk process."""

    def __init__(self, url: str) -> None:
        self._url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(url, pool_pre_ping=True)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def sessions(self) -> async_sessionmaker:
        """The session factory, shared with the accounts and tickets of the same database."""
        return self._sessions

    async def create_schema(self) -> None:
        """Bring the tables to the latest migration (idempotent; see ``schema.py``).

        Two processes starting together may both find a table missing; the loser of that
        race sees "already exists" and simply checks again.
        """
        from comptoir.desk.schema import upgrade_desk

        for attempt in range(3):
            try:
                await asyncio.to_thread(upgrade_desk, self._url)
                return
            except (IntegrityError, ProgrammingError, OperationalError):
                if attempt == 2:
                    raise
                await asyncio.sleep(0.5)

    async def close(self) -> None:
        """Release the connection pool."""
        await self.engine.dispose()

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self._sessions() as session:
            await session.execute(select(1))

    async def append(
        self,
        conversation_id: str,
        sender: str,
        text: str,
        *,
        language: str,
        payload: dict[str, Any] | None = None,
        delivered: bool = True,
        client_id: str | None = None,
    ) -> StoredMessage | None:
        """Append a message; create the conversation on its first message.

        Returns the stored message, or ``None`` when ``client_id`` was already used in
        this conversation (the widget retried a send that had arrived).
        """
        try:
            return await self._append(
                conversation_id,
                sender,
                text,
                language=language,
                payload=payload,
                delivered=delivered,
                client_id=client_id,
            )
        except IntegrityError:
            if client_id is None:
                raise
            return None

    async def _append(
        self,
        conversation_id: str,
        sender: str,
        text: str,
        *,
        language: str,
        payload: dict[str, Any] | None,
        delivered: bool,
        client_id: str | None,
    ) -> StoredMessage | None:
        async with self._sessions.begin() as session:
            if client_id is not None:
                known = await session.get(ClientMessage, (conversation_id, client_id))
                if known is not None:
                    return None
            conversation = await session.get(Conversation, conversation_id, with_for_update=True)
            now = _now()
            if conversation is None:
                conversation = Conversation(
                    id=conversation_id, language=language, created_at=now, updated_at=now
                )
                session.add(conversation)
                await session.flush()
            conversation.language = language
            conversation.updated_at = now
            last = await session.scalar(
                select(func.max(Message.seq)).where(Message.conversation_id == conversation_id)
            )
            message = Message(
                conversation_id=conversation_id,
                seq=(last or 0) + 1,
                sender=sender,
                text=text,
                payload=payload or {},
                delivered=delivered,
                created_at=now,
            )
            session.add(message)
            await session.flush()
            if client_id is not None:
                session.add(
                    ClientMessage(
                        conversation_id=conversation_id, client_id=client_id, message_id=message.id
                    )
                )
                await session.flush()
            return _stored(message)

    async def mark_delivered(self, message_id: int, delivered: bool) -> None:
        """Record whether a shopper message reached the bot."""
        async with self._sessions.begin() as session:
            message = await session.get(Message, message_id)
            if message is not None:
                message.delivered = delivered

    async def record_feedback(
        self, conversation_id: str, article_id: str, question: str, vote: str
    ) -> bool:
        """Store a vote, only for an article this conversation was really shown."""
        async with self._sessions.begin() as session:
            shown = await session.scalars(
                select(Message.payload).where(
                    Message.conversation_id == conversation_id, Message.sender == "bot"
                )
            )
            if not any((p or {}).get("custom", {}).get("article_id") == article_id for p in shown):
                return False
            session.add(
                Feedback(
                    conversation_id=conversation_id,
                    article_id=article_id,
                    question=question[:500],
                    vote=vote,
                    created_at=_now(),
                )
            )
            return True

    async def feedback_summary(self) -> dict[str, dict[str, int]]:
        """Votes per article: {"article-id": {"up": n, "down": m}}."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(Feedback.article_id, Feedback.vote, func.count()).group_by(
                    Feedback.article_id, Feedback.vote
                )
            )
            summary: dict[str, dict[str, int]] = {}
            for article_id, vote, count in rows:
                summary.setdefault(article_id, {"up": 0, "down": 0})[vote] = int(count)
            return summary

    async def language_of(self, conversation_id: str) -> str | None:
        """The language the conversation was last held in, if it exists."""
        async with self._sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            return conversation.language if conversation else None

    async def history(self, conversation_id: str, after: int = 0) -> list[StoredMessage] | None:
        """Messages of a conversation in order (those after ``seq`` = ``after``), or ``None``
        if the conversation does not exist."""
        async with self._sessions() as session:
            if await session.get(Conversation, conversation_id) is None:
                return None
            rows = await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id, Message.seq > after)
                .order_by(Message.seq)
            )
            return [_stored(row) for row in rows]

    async def record_satisfaction(self, conversation_id: str, score: int, comment: str) -> bool:
        """Keep the end-of-chat score; only for a conversation that exists."""
        async with self._sessions.begin() as session:
            if await session.get(Conversation, conversation_id) is None:
                return False
            session.add(
                Satisfaction(
                    conversation_id=conversation_id,
                    score=score,
                    comment=comment[:1000],
                    created_at=_now(),
                )
            )
            return True

    async def satisfaction_summary(self) -> dict[str, float | int]:
        """How many scores and their mean (for the console and the benchmarks)."""
        async with self._sessions() as session:
            count, mean = (
                await session.execute(select(func.count(), func.avg(Satisfaction.score)))
            ).one()
            return {"count": int(count), "mean": round(float(mean or 0), 2)}


def _stored(row: Message) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        seq=row.seq,
        sender=row.sender,
        text=row.text,
        buttons=list((row.payload or {}).get("buttons", [])),
        custom=dict((row.payload or {}).get("custom", {})),
        delivered=row.delivered,
        created_at=row.created_at,
    )
