"""Shop notices: what the shop wants every shopper to know for a while.

« Les livraisons Colissimo ont deux jours de retard à cause des grèves » is worth
saying before the shopper asks. An editor or an admin writes it once in the console,
in French and English, for a period (the shop's local time) and on some topics; the
widget shows the active ones at the top of the chat, and the bot repeats one after an
answer on its topic (an order's status, a delivery or returns article...), once per
conversation. This module holds the table, the rules of a valid notice and the store;
``notices_api.py`` holds the routes.

Notices are plain text: the console and the widget insert them as text, never as HTML.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, DateTime, Integer, String, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.desk.db import Base, as_utc, utc_now
from comptoir.desk.store import Message
from comptoir.i18n import Bilingual
from comptoir.message_kinds import (
    KNOWLEDGE_ANSWER,
    ORDER_STATUS,
    REFUND_OVERDUE,
    RETURN_CREATED,
    RETURN_REFUSED,
)

SHOP_NOTICE = "shop_notice"
"""``custom["kind"]`` of the bot message that repeats a notice in a conversation."""
MAX_CHARS = 500
"""A notice is read at a glance at the top of a small chat window."""
TOPICS = ("delivery", "orders", "returns", "payment", "all")
"""What a notice is about; ``all``: after an answer on any of the others."""
ENDED_KEPT = timedelta(days=30)
"""How long an ended notice stays in the console's list (to copy it, or to check it)."""

# Which topics a bot answer is about, by its kind; a knowledge answer by its article.
KIND_TOPICS: dict[str, frozenset[str]] = {
    ORDER_STATUS: frozenset({"delivery", "orders"}),
    RETURN_CREATED: frozenset({"returns"}),
    RETURN_REFUSED: frozenset({"returns"}),
    REFUND_OVERDUE: frozenset({"returns"}),
}
# The words of an article's id, folder and tags (accents removed) that say its topic.
_TOPIC_WORDS = {
    "delivery": "livraison livraisons livrer suivi colis retard transport transporteur "
    "expedition delai delais relais delivery shipping shipment tracking parcel late",
    "orders": "commande commandes order orders",
    "returns": "retour retours remboursement rembourse echange retractation return returns "
    "refund exchange",
    "payment": "paiement paiements payer payment payments paypal",
}
TOPIC_WORDS = {topic: frozenset(words.split()) for topic, words in _TOPIC_WORDS.items()}
IN_CHAT = Bilingual(
    fr="Information de la boutique : {text}",
    en="A word from the shop: {text}",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ShopNotice(Base):
    """One notice, as the editors wrote it; withdrawn ones are kept, marked."""

    __tablename__ = "desk_shop_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text_fr: Mapped[str] = mapped_column(String(MAX_CHARS), default="")
    text_en: Mapped[str] = mapped_column(String(MAX_CHARS), default="")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    updated_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class NoticeInvalid(ValueError):
    """A notice the console must not save: ``code`` for the console's sentence, ``field``
    for the input to mark, the message in English for anyone else."""

    def __init__(self, code: str, field: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.field = field
        self.detail = detail


@dataclass(frozen=True)
class NoticeDraft:
    """A valid notice, times in UTC."""

    text_fr: str
    text_en: str
    topics: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise NoticeInvalid("invalid_text", name, f"'{name}' must be text")
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(value) > MAX_CHARS:
        raise NoticeInvalid(
            "text_too_long", name, f"'{name}' has {len(value)} characters; at most {MAX_CHARS}"
        )
    return value


def _local_time(body: dict[str, Any], name: str, zone: ZoneInfo) -> datetime:
    """A time typed in the shop's local time (``2025-01-14T08:00``), in UTC."""
    value = body.get(name)
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        if parsed is not None:  # year 1 or 9999 may not fit once moved to UTC
            parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise NoticeInvalid(
            f"invalid_{name}", name, f"'{name}' must be a date and time, e.g. 2025-01-14T08:00"
        )
    return parsed


def _topics(body: dict[str, Any]) -> tuple[str, ...]:
    value = body.get("topics")
    if not isinstance(value, list) or not value:
        raise NoticeInvalid("no_topic", "topics", "choose at least one topic")
    unknown = [str(topic) for topic in value if topic not in TOPICS]
    if unknown:
        raise NoticeInvalid(
            "unknown_topic",
            "topics",
            f"unknown topic {', '.join(unknown)[:80]}; the topics are {', '.join(TOPICS)}",
        )
    if "all" in value:
        return ("all",)
    return tuple(topic for topic in TOPICS if topic in value)


def read_draft(body: dict[str, Any], timezone: str, now: datetime) -> NoticeDraft:
    """The notice the console sent, checked: at least one of the two texts, neither
    too long, a start and an end in the shop's ``timezone`` (the end after the start,
    and not already past), and topics from ``TOPICS``; else ``NoticeInvalid``."""
    text_fr, text_en = _text(body, "text_fr"), _text(body, "text_en")
    if not text_fr and not text_en:
        raise NoticeInvalid(
            "empty_text", "text_fr", "write the notice in French or in English (or both)"
        )
    zone = ZoneInfo(timezone)
    starts_at, ends_at = _local_time(body, "start", zone), _local_time(body, "end", zone)
    if ends_at <= starts_at:
        raise NoticeInvalid("end_before_start", "end", "the end must come after the start")
    if ends_at <= now:
        raise NoticeInvalid("already_ended", "end", "the end is already past")
    return NoticeDraft(text_fr, text_en, _topics(body), starts_at, ends_at)


@dataclass(frozen=True)
class NoticeView:
    """A notice as the console and the widget receive it."""

    id: int
    text_fr: str
    text_en: str
    topics: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    updated_by: str
    updated_at: datetime

    def text(self, language: str) -> tuple[str, str]:
        """The text in ``language``, or in the other one when it was left empty:
        ``(text, language it is in)``."""
        first, second = ("en", "fr") if language == "en" else ("fr", "en")
        texts = {"fr": self.text_fr, "en": self.text_en}
        return (texts[first], first) if texts[first] else (texts[second], second)

    def matches(self, topics: Iterable[str]) -> bool:
        """Whether the notice is about any of ``topics`` (``all``: about every one)."""
        wanted = set(topics)
        return bool(wanted) and ("all" in self.topics or bool(wanted & set(self.topics)))

    def state(self, now: datetime) -> str:
        """``upcoming``, ``active`` or ``ended`` at ``now``."""
        if now < self.starts_at:
            return "upcoming"
        return "active" if now < self.ends_at else "ended"

    def for_console(self, timezone: str, now: datetime) -> dict[str, Any]:
        """Everything the editors' form needs, the times also in the shop's local time."""
        zone = ZoneInfo(timezone)
        return {
            "id": self.id,
            "text_fr": self.text_fr,
            "text_en": self.text_en,
            "topics": list(self.topics),
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "start": self.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "end": self.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "state": self.state(now),
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat(),
        }

    def for_shopper(self, language: str) -> dict[str, Any]:
        """What the widget shows: one text, in the shopper's language if written."""
        text, written_in = self.text(language)
        return {
            "id": self.id,
            "text": text,
            "language": written_in,
            "topics": list(self.topics),
            "ends_at": self.ends_at.isoformat(),
        }


def _view(row: ShopNotice) -> NoticeView:
    return NoticeView(
        id=row.id,
        text_fr=row.text_fr,
        text_en=row.text_en,
        topics=tuple(row.topics or ()),
        starts_at=as_utc(row.starts_at),
        ends_at=as_utc(row.ends_at),
        updated_by=row.updated_by,
        updated_at=as_utc(row.updated_at),
    )


def _words(value: object) -> set[str]:
    """The words of a text without accents, lower case (« Délai » → ``delai``)."""
    plain = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return set(re.findall(r"[a-z0-9]+", plain.lower()))


def answer_topics(custom: dict[str, Any]) -> frozenset[str]:
    """The topics of one bot message, from its ``custom``: an order's status is about
    delivery and orders, a return about returns, a knowledge answer about what its
    article's id, folder and tags say (``article_section``, ``article_tags``)."""
    kind = custom.get("kind")
    if kind in KIND_TOPICS:
        return KIND_TOPICS[kind]
    if kind != KNOWLEDGE_ANSWER:
        return frozenset()
    tags = custom.get("article_tags")
    words = _words(custom.get("article_id", "")) | _words(custom.get("article_section", ""))
    for tag in tags if isinstance(tags, list) else ():
        words |= _words(tag)
    return frozenset(topic for topic, known in TOPIC_WORDS.items() if words & known)


class NoticeStore:
    """Write, withdraw and read the shop's notices."""

    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    async def create(self, draft: NoticeDraft, author: str) -> NoticeView:
        """Save a new notice (shown from its start)."""
        now = utc_now()
        async with self._sessions.begin() as session:
            row = ShopNotice(
                **_fields(draft),
                created_by=author,
                updated_by=author,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            return _view(row)

    async def update(self, notice_id: int, draft: NoticeDraft, author: str) -> NoticeView | None:
        """Change a notice (``None`` if there is none, or it was withdrawn)."""
        async with self._sessions.begin() as session:
            row = await session.get(ShopNotice, notice_id)
            if row is None or row.withdrawn_at is not None:
                return None
            for name, value in _fields(draft).items():
                setattr(row, name, value)
            row.updated_by, row.updated_at = author, utc_now()
            await session.flush()
            return _view(row)

    async def withdraw(self, notice_id: int, author: str) -> bool:
        """Stop showing a notice at once; ``False`` if there is none (or not any more)."""
        async with self._sessions.begin() as session:
            row = await session.get(ShopNotice, notice_id)
            if row is None or row.withdrawn_at is not None:
                return False
            row.withdrawn_at = row.updated_at = utc_now()
            row.updated_by = author
            return True

    async def listing(self, now: datetime | None = None) -> list[NoticeView]:
        """The editors' list: upcoming and active notices, and those ended in the last
        30 days; the latest start first."""
        now = now or utc_now()
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ShopNotice)
                .where(ShopNotice.withdrawn_at.is_(None), ShopNotice.ends_at > now - ENDED_KEPT)
                .order_by(ShopNotice.starts_at.desc(), ShopNotice.id.desc())
                .limit(200)
            )
            return [_view(row) for row in rows]

    async def active(self, now: datetime | None = None) -> list[NoticeView]:
        """The notices shown now, oldest start first (the widget's order)."""
        now = now or utc_now()
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ShopNotice)
                .where(
                    ShopNotice.withdrawn_at.is_(None),
                    ShopNotice.starts_at <= now,
                    ShopNotice.ends_at > now,
                )
                .order_by(ShopNotice.starts_at, ShopNotice.id)
            )
            return [_view(row) for row in rows]

    async def after_answer(
        self,
        conversation_id: str,
        answers: list[dict[str, Any]],
        language: str,
        now: datetime | None = None,
    ) -> list[tuple[str, dict[str, Any]]]:
        """What the bot adds after ``answers`` (the messages of one turn): each active
        notice on one of their topics, as ``(text, custom)``.

        Once per conversation per notice: a shopper who asks three questions about
        delivery reads the notice after the first answer only (the conversation's
        stored ``shop_notice`` messages say which were given). Editing a notice does not
        show it again; withdrawing it stops it at once.
        """
        topics = set().union(*(answer_topics(a.get("custom") or {}) for a in answers))
        if not topics:
            return []
        notices = [n for n in await self.active(now) if n.matches(topics)]
        if not notices:
            return []
        given = await self._given(conversation_id)
        said = []
        for notice in notices:
            if notice.id in given:
                continue
            text, _ = notice.text(language)
            custom = {"kind": SHOP_NOTICE, "notice_id": notice.id, "language": language}
            said.append((IN_CHAT(language, text=text), custom))
        return said

    async def _given(self, conversation_id: str) -> set[int]:
        """The notices the bot already gave in this conversation."""
        async with self._sessions() as session:
            payloads = await session.scalars(
                select(Message.payload).where(
                    Message.conversation_id == conversation_id, Message.sender == "bot"
                )
            )
            customs = [(payload or {}).get("custom") or {} for payload in payloads]
        return {c.get("notice_id") for c in customs if c.get("kind") == SHOP_NOTICE}


def _fields(draft: NoticeDraft) -> dict[str, Any]:
    return {
        "text_fr": draft.text_fr,
        "text_en": draft.text_en,
        "topics": list(draft.topics),
        "starts_at": draft.starts_at,
        "ends_at": draft.ends_at,
    }
