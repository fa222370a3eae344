"""The questions the bot could not answer, kept for editors (``comptoir kb misses``).

Editors improve the knowledge base by writing the articles shoppers were missing; this
log is how they find out which ones. Editors need the question, not the shopper: payment
details, e-mail addresses and phone numbers are masked before a question is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Integer, String, Text, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from comptoir.redaction import redact, redact_personal


class _Base(DeclarativeBase):
    pass


class Miss(_Base):
    """One unanswered (or unclear) question."""

    __tablename__ = "kb_misses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    decision: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MissLog:
    """Append-only log of misses in a small SQL database."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, pool_pre_ping=True)
        _Base.metadata.create_all(self.engine)

    def record(self, question: str, language: str, decision: str, conversation_id: str) -> None:
        """Remember one miss (questions are masked, then cut at 500 characters)."""
        question = redact_personal(redact(question, language).text, language).text
        with Session(self.engine) as session, session.begin():
            session.add(
                Miss(
                    question=question[:500],
                    language=language,
                    decision=decision,
                    conversation_id=conversation_id[:64],
                    at=datetime.now(UTC),
                )
            )

    def top(self, limit: int = 50) -> list[tuple[str, str, int]]:
        """The most frequent missed questions: (question, language, count)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(Miss.question, Miss.language, func.count())
                .group_by(Miss.question, Miss.language)
                .order_by(func.count().desc(), Miss.question)
                .limit(limit)
            )
            return [(q, lang, int(n)) for q, lang, n in rows]
