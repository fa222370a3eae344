"""What shoppers thought: 👍/👎 on knowledge answers and the 1-5 score at the end.

Editors read the votes to find the articles that do not help (the console's editor page,
``comptoir kb``), the benchmarks read the scores. Votes are kept apart from the history
because they answer another question (was the bot useful?) and age differently: the
retention task keeps the counts but drops the questions that may hold personal data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.desk.db import Base, utc_now
from comptoir.desk.store import Conversation, Message
from comptoir.redaction import redact, redact_personal


class Feedback(Base):
    """A shopper's 👍/👎 on a knowledge answer, with the question that led to it."""

    __tablename__ = "desk_kb_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[str] = mapped_column(String(80), index=True)
    question: Mapped[str] = mapped_column(Text, default="")
    vote: Mapped[str] = mapped_column(String(4))  # up | down
    # Indexed: the reports' roll-up counts the votes cast since its last pass, day by day.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Satisfaction(Base):
    """The 1-5 score a shopper gives when ending the chat."""

    __tablename__ = "desk_satisfaction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    # Indexed: the reports' roll-up reads the scores given since its last pass.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class VoteStore:
    """Records and sums the votes; shares the session factory of the ``ConversationStore``."""

    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    async def _add_if(
        self, allowed: Callable[[AsyncSession], Awaitable[bool]], row: Feedback | Satisfaction
    ) -> bool:
        """Store ``row``, stamped now, only when ``allowed`` says so in the same transaction
        (``False`` when it does not)."""
        async with self._sessions.begin() as session:
            if not await allowed(session):
                return False
            row.created_at = utc_now()
            session.add(row)
            return True

    async def record_feedback(
        self, conversation_id: str, article_id: str, question: str, vote: str
    ) -> bool:
        """Store a vote, only for an article this conversation was really shown
        (so nobody can vote on articles the bot never gave them)."""

        async def was_shown(session: AsyncSession) -> bool:
            shown = await session.scalars(
                select(Message.payload).where(
                    Message.conversation_id == conversation_id, Message.sender == "bot"
                )
            )
            return any((p or {}).get("custom", {}).get("article_id") == article_id for p in shown)

        vote_row = Feedback(
            conversation_id=conversation_id,
            article_id=article_id,
            question=_screened(question[:500]),
            vote=vote,
        )
        return await self._add_if(was_shown, vote_row)

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

    async def record_satisfaction(self, conversation_id: str, score: int, comment: str) -> bool:
        """Keep the end-of-chat score; only for a conversation that exists and has no
        score yet (``rated`` tells which of the two refused it)."""

        async def exists(session: AsyncSession) -> bool:
            if await session.get(Conversation, conversation_id) is None:
                return False
            return not await _rated(session, conversation_id)

        score_row = Satisfaction(
            conversation_id=conversation_id, score=score, comment=_screened(comment[:1000])
        )
        return await self._add_if(exists, score_row)

    async def rated(self, conversation_id: str) -> bool:
        """The conversation already has its satisfaction score (one per conversation)."""
        async with self._sessions() as session:
            return await _rated(session, conversation_id)

    async def satisfaction_summary(self) -> dict[str, float | int]:
        """How many scores and their mean (for the console and the benchmarks)."""
        async with self._sessions() as session:
            count, mean = (
                await session.execute(select(func.count(), func.avg(Satisfaction.score)))
            ).one()
            return {"count": int(count), "mean": round(float(mean or 0), 2)}


async def _rated(session: AsyncSession, conversation_id: str) -> bool:
    found = await session.scalar(
        select(Satisfaction.id).where(Satisfaction.conversation_id == conversation_id).limit(1)
    )
    return found is not None


def _screened(text: str) -> str:
    """Free text a shopper typed beside a vote or a score: kept without payment
    details, e-mail addresses or phone numbers (owners read it in aggregate)."""
    return redact_personal(redact(text).text).text
