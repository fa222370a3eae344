"""Conversation history in SQL, so nothing a shopper writes is lost.

Every shopper message is written *before* it is relayed to Rasa: if Rasa or the action
server is down, the message stays in the history, marked undelivered, for an agent to
read. SQLite by default, PostgreSQL through ``COMPTOIR_DESK_DATABASE_URL``.

``ConversationStore`` opens the desk database; the other stores (votes, accounts,
tickets) share its session factory. The tables are brought up to date by
``comptoir.desk.schema.upgrade_schema``, called by whoever opens the database first
(the desk at start-up, the command line), never from here: table modules do not import
the migration runner, which imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.desk.db import Base, open_engine, session_factory, utc_now


class Conversation(Base):
    """One shopper's chat, keyed by the id the widget generated."""

    __tablename__ = "desk_conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Indexed: the reports' roll-up reads the conversations changed since its last pass.
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Message(Base):
    """One message of a conversation, in the order it was written (``seq``)."""

    __tablename__ = "desk_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("desk_conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(16))  # shopper | bot | agent
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    delivered: Mapped[bool] = mapped_column(Boolean, default=True)
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


class ConversationStore:
    """Reads and writes conversations; one instance per desk process (it owns the engine)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.engine: AsyncEngine = open_engine(url)
        self._sessions = session_factory(self.engine)

    @property
    def sessions(self) -> async_sessionmaker:
        """The session factory, shared with the votes, accounts and tickets of this database."""
        return self._sessions

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
        """One transaction: the conversation row is locked, so two messages written at
        once get consecutive ``seq`` numbers, never the same one."""
        async with self._sessions.begin() as session:
            if client_id is not None:
                known = await session.get(ClientMessage, (conversation_id, client_id))
                if known is not None:
                    return None
            conversation = await session.get(Conversation, conversation_id, with_for_update=True)
            now = utc_now()
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

    async def latest(self, conversation_id: str, limit: int) -> list[StoredMessage]:
        """The conversation's last ``limit`` messages, newest first (what the bot
        offered last, see ``comptoir.desk.payloads``)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.seq.desc())
                .limit(limit)
            )
            return [_stored(row) for row in rows]


def _stored(row: Message) -> StoredMessage:
    """The row as the API shows it (buttons and custom out of the JSON payload)."""
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
