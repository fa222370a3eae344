"""The outbox: every e-mail the desk writes, kept until an SMTP server has taken it.

A purpose (a delay notice, an agent's answer, a transcript) never talks to SMTP: it
queues the finished e-mail here, in the desk's database, under a ``dedupe_key`` that
names the event it is about (``delay:A1042:2024-05-03``). The key is unique in the
table, so the same event queued twice, by a restarted desk or by a second desk process
at the same moment, is stored once and sent once. The row holds exactly what will be
sent (Message-ID included), so a retry repeats the same e-mail rather than writing a
new one. The worker (``worker.py``) claims due rows with a lease and records each
try's fate; the status of every row ends ``sent``, ``rejected``, ``failed`` or
``cancelled`` (a notice whose shopper opted out before it left), and the console shows
which.

Opt-outs live here too: ``NOTICE_PURPOSES`` are the e-mails a shopper did not ask for
and may refuse (by the link, or staff for them); an answer to the shopper's own request
is always sent. An opt-out must outlive everything else the desk knows about a shopper
(an erased shopper must not start getting notices again), so it is kept as a keyed hash,
never the address: "did this address opt out?" has an answer, the list has no addresses.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.desk.db import Base, as_utc, utc_now
from comptoir.desk.mail.addresses import for_log, unsendable
from comptoir.desk.mail.message import OutgoingMail, bare_address
from comptoir.settings import Settings

log = logging.getLogger("comptoir.mail")

NOTICE_PURPOSES: frozenset[str] = frozenset({"delay_notice"})
"""E-mails the shopper did not ask for: an opted-out address no longer gets them."""

STATUSES = ("pending", "sending", "sent", "rejected", "failed", "cancelled")
"""``pending`` waits for its time, ``sending`` is leased by a worker; the rest are final."""
SERVER_TROUBLE = frozenset(
    {"refused", "timeout", "disconnected", "unavailable", "auth", "tls", "sender"}
)
"""Failures of the server or of our settings, not of one e-mail: when sending works
again, the e-mails that waited for these go at once instead of at their next try."""

DEDUPE_KEY_CHARS = 255
_OPTOUT_KEY_PURPOSE = b"comptoir:mail-optout:v1"


def ticket_reference(ticket_id: int) -> str:
    """The ``reference`` of a ticket's e-mails (its erasure finds them by it)."""
    return f"ticket-{ticket_id}"


def transcript_reference(conversation_id: str) -> str:
    """The ``reference`` of a conversation's transcripts (likewise)."""
    return f"transcript-{conversation_id}"


def _optout_key(settings: Settings) -> bytes:
    """A key for this one use, derived from ``conversation_secret`` like the unsubscribe
    links' (no secret to add; a hash here can never pass for a signature elsewhere)."""
    return hmac.new(
        settings.conversation_secret.encode(), _OPTOUT_KEY_PURPOSE, hashlib.sha256
    ).digest()


def address_digest(settings: Settings, address: str) -> str:
    """The keyed hash an opt-out is stored as (any case, with or without a name)."""
    bare = bare_address(address).encode()
    return hmac.new(_optout_key(settings), bare, hashlib.sha256).hexdigest()


def optout_key_id(settings: Settings) -> str:
    """Names the key without revealing it: rows written under another secret (the
    conversation secret was changed) no longer match any address, and this shows it."""
    return hmac.new(_optout_key(settings), b"key-id", hashlib.sha256).hexdigest()[:16]


class OutboxMail(Base):
    """One e-mail: what is sent (exactly), why, to whom, and what became of it."""

    __tablename__ = "mail_outbox"
    # The worker's question, "what is due now?", is answered from this index.
    __table_args__ = (Index("ix_mail_outbox_status_not_before", "status", "not_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(DEDUPE_KEY_CHARS), unique=True)
    purpose: Mapped[str] = mapped_column(String(40))
    # Indexed: a ticket or an order finds its e-mails (order number, ticket id...).
    reference: Mapped[str] = mapped_column(String(80), default="", index=True)
    language: Mapped[str] = mapped_column(String(5), default="fr")
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255))
    in_reply_to: Mapped[str | None] = mapped_column(String(255), nullable=True)
    references: Mapped[str] = mapped_column(Text, default="")  # space-separated Message-IDs
    unsubscribe_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    extra_headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # What went wrong last, as a kind the console words (``refused``, ``timeout``...)
    # and the server's own short answer; never a password.
    error_kind: Mapped[str] = mapped_column(String(20), default="")
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    def to_mail(self) -> OutgoingMail:
        """The e-mail as it was queued (same Message-ID on every try)."""
        return OutgoingMail(
            to=self.to_address,
            language=self.language,
            subject=self.subject,
            text=self.body_text,
            html=self.body_html,
            message_id=self.message_id,
            in_reply_to=self.in_reply_to,
            references=tuple(self.references.split()),
            unsubscribe_url=self.unsubscribe_url,
            extra_headers=dict(self.extra_headers or {}),
        )


class MailOptOut(Base):
    """An address that asked for no more notices, as ``address_digest`` (one row each)."""

    __tablename__ = "mail_optouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(16))  # optout_key_id when it was written
    source: Mapped[str] = mapped_column(String(40))  # unsubscribe-link | one-click | console…
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class MailState:
    """What ``Outbox.state`` tells about one e-mail (for the purposes and the tests)."""

    id: int
    status: str
    attempts: int
    not_before: datetime
    error_kind: str
    last_error: str
    sent_at: datetime | None
    erased: bool = False
    """Its content was erased (retention period, erasure request): never sent again."""


def stored_key(dedupe_key: str) -> str:
    """The key as stored: a very long key is replaced by its hash (still unique)."""
    if len(dedupe_key) <= DEDUPE_KEY_CHARS:
        return dedupe_key
    return "sha256:" + hashlib.sha256(dedupe_key.encode()).hexdigest()


class Outbox:
    """Queues e-mails once per event, records opt-outs, and wakes the sending worker."""

    def __init__(self, sessions: async_sessionmaker, settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.woken = asyncio.Event()
        """Set on every enqueue: the worker sends at once instead of after ``mail_poll_s``."""

    async def enqueue(
        self,
        mail: OutgoingMail,
        *,
        dedupe_key: str,
        purpose: str,
        reference: str = "",
        not_before: datetime | None = None,
    ) -> int | None:
        """The outbox row id; None when an e-mail with this dedupe_key was already queued
        (by any process, at any time), when the purpose is a notice and the address
        opted out, or when it can never be sent (``unsendable``: not one well-formed
        address, a line break in a header; logged, address hidden). None, not an error:
        one platform's bad order must not stop the late-order check for everyone else.

        Uniqueness is the database's: two processes racing on one key both try the
        insert, one gets the unique-constraint error and answers None. The opt-out is
        read before, apart from the insert (a read-then-write transaction can fail on
        SQLite when another process writes in between); one recorded in that instant
        is still honoured, by the worker, just before sending.
        """
        if problem := unsendable(mail):
            which = (for_log(dedupe_key), for_log(mail.to))
            log.warning("e-mail %s to %s not queued: %s", *which, problem)
            return None
        if purpose in NOTICE_PURPOSES and await self.opted_out(mail.to):
            return None
        now = utc_now()
        row = OutboxMail(
            dedupe_key=stored_key(dedupe_key),
            purpose=purpose,
            reference=reference[:80],
            language=mail.language,
            to_address=mail.to,
            subject=mail.subject,
            body_text=mail.text,
            body_html=mail.html,
            message_id=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=" ".join(mail.references),
            unsubscribe_url=mail.unsubscribe_url,
            extra_headers=dict(mail.extra_headers),
            status="pending",
            attempts=0,
            # In UTC like every desk time: SQLite keeps no offset, so a notice held for
            # the quiet hours in Paris time would otherwise be read back hours off.
            not_before=as_utc(not_before).astimezone(UTC) if not_before else now,
            error_kind="",
            last_error="",
            created_at=now,
        )
        try:
            async with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            return None
        self.woken.set()
        return row.id

    async def _opted_out(self, session: Any, address: str) -> bool:
        digest = address_digest(self.settings, address)
        found = await session.scalar(select(MailOptOut.id).where(MailOptOut.address_hash == digest))
        return found is not None

    async def opted_out(self, address: str) -> bool:
        """True when ``address`` (any case, with or without a display name) opted out."""
        async with self.sessions() as session:
            return await self._opted_out(session, address)

    async def opted_out_among(self, addresses: list[str]) -> set[str]:
        """Which of these addresses opted out (bare, lower-cased): one query per batch."""
        wanted = {bare_address(address) for address in addresses} - {""}
        if not wanted:
            return set()
        digests = {address_digest(self.settings, address): address for address in wanted}
        async with self.sessions() as session:
            found = await session.scalars(
                select(MailOptOut.address_hash).where(MailOptOut.address_hash.in_(digests))
            )
            return {digests[digest] for digest in found}

    async def opt_out(self, address: str, source: str) -> bool:
        """Record the opt-out; False when it was there already (the first one is kept)."""
        address = bare_address(address)
        if not address:
            return False
        try:
            async with self.sessions.begin() as session:
                if await self._opted_out(session, address):
                    return False
                session.add(
                    MailOptOut(
                        address_hash=address_digest(self.settings, address),
                        key_id=optout_key_id(self.settings),
                        source=source[:40],
                        created_at=utc_now(),
                    )
                )
        except IntegrityError:
            return False  # another process recorded it at the same moment
        return True

    async def opt_in(self, address: str) -> bool:
        """Notices again for ``address`` (staff, when the shopper asks); False when it had
        not opted out. Notices already cancelled stay so: only later ones go."""
        gone = delete(MailOptOut).where(
            MailOptOut.address_hash == address_digest(self.settings, address)
        )
        async with self.sessions.begin() as session:
            return bool((await session.execute(gone)).rowcount)

    async def optout_counts(self) -> dict[str, int]:
        """How many addresses opted out, per ``source``; ``other-key`` counts those
        written under a former conversation secret (they match no address any more)."""
        current = optout_key_id(self.settings)
        async with self.sessions() as session:
            found = select(MailOptOut.source, MailOptOut.key_id == current, func.count())
            rows = await session.execute(found.group_by(MailOptOut.source, MailOptOut.key_id))
        counts: dict[str, int] = {}
        for source, valid, count in rows:
            name = source if valid else "other-key"
            counts[name] = counts.get(name, 0) + int(count)
        return counts

    async def status(self, mail_id: int) -> str | None:
        """pending | sending | sent | rejected | failed | cancelled; None if unknown."""
        async with self.sessions() as session:
            return await session.scalar(select(OutboxMail.status).where(OutboxMail.id == mail_id))

    async def state(self, mail_id: int) -> MailState | None:
        """The status with its attempts, next try and last error (None if unknown)."""
        async with self.sessions() as session:
            row = await session.get(OutboxMail, mail_id)
            if row is None:
                return None
            return MailState(
                id=row.id,
                status=row.status,
                attempts=row.attempts,
                not_before=as_utc(row.not_before),
                error_kind=row.error_kind,
                last_error=row.last_error,
                sent_at=as_utc(row.sent_at) if row.sent_at else None,
                erased=row.to_address == "",
            )

    async def of_reference(self, reference: str) -> list[OutboxMail]:
        """Every e-mail queued about ``reference`` (an order, a ticket), oldest first."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(OutboxMail).where(OutboxMail.reference == reference).order_by(OutboxMail.id)
            )
            return list(rows)

    async def retry_failed(self, mail_id: int) -> bool:
        """Give a ``failed`` e-mail a fresh round of tries (an admin, once the server is
        fixed); False when it is not failed (sent, rejected, still trying, unknown) or
        its content was erased (there is nothing left to send)."""
        async with self.sessions.begin() as session:
            done = await session.execute(
                update(OutboxMail)
                .where(
                    OutboxMail.id == mail_id,
                    OutboxMail.status == "failed",
                    OutboxMail.to_address != "",
                )
                .values(status="pending", attempts=0, not_before=utc_now())
            )
        if done.rowcount:
            self.woken.set()
        return bool(done.rowcount)

    async def overview(self, latest: int = 50) -> Overview:
        """What the console and ``comptoir mail status`` show: counts, the trouble if
        sending is failing, and the latest e-mails."""
        async with self.sessions() as session:
            counted = await session.execute(
                select(OutboxMail.status, func.count()).group_by(OutboxMail.status)
            )
            counts = {status: 0 for status in STATUSES} | {s: int(n) for s, n in counted}
            oldest = await session.scalar(
                select(func.min(OutboxMail.created_at)).where(OutboxMail.status == "pending")
            )
            waiting = (
                select(OutboxMail)
                .where(OutboxMail.status == "pending", OutboxMail.attempts > 0)
                .order_by(OutboxMail.tried_at.desc())
                .limit(1)
            )
            trouble = await session.scalar(waiting)
            next_try = await session.scalar(
                select(func.min(OutboxMail.not_before)).where(
                    OutboxMail.status == "pending", OutboxMail.attempts > 0
                )
            )
            rows = await session.scalars(
                select(OutboxMail).order_by(OutboxMail.id.desc()).limit(latest)
            )
            return Overview(
                configured=bool(self.settings.smtp_host),
                counts=counts,
                oldest_pending=as_utc(oldest) if oldest else None,
                next_try=as_utc(next_try) if next_try else None,
                trouble=trouble,
                latest=list(rows),
            )


@dataclass(frozen=True)
class Overview:
    """The outbox at a glance. ``trouble`` is the most recently tried e-mail still
    waiting after a failure (its ``error_kind`` says what goes wrong), None if none."""

    configured: bool
    counts: dict[str, int]
    oldest_pending: datetime | None
    next_try: datetime | None
    trouble: OutboxMail | None
    latest: list[OutboxMail]
