"""Proactive delay notices: find the orders that became late, e-mail each shopper once.

The desk runs ``check_late_orders`` every ``notify_late_check_s`` (``comptoir notify
late`` runs it by hand, ``--dry-run`` to only look). It reads the shop's unfinished
orders of the last ``notify_late_max_age_days`` in batches, with their parcels and
scans, decides with ``comptoir.shop.lateness`` which are late and why, and queues one
e-mail per late state (the fingerprint) in the outbox. ``desk_delay_notices`` records
each decision, so the same state is never written about twice, and a new one (a new
revised date) is.

Two desks may run the check at the same moment: the outbox's dedupe key
(``late:{order}:{fingerprint}``) lets one e-mail in, and the unique (order,
fingerprint) of this table keeps one record; the loser of either race counts the
notice as already sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import DateTime, Integer, String, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column, selectinload

from comptoir.desk.db import Base, utc_now
from comptoir.desk.delay_mail import notice_mail, quiet_until
from comptoir.desk.mail.message import bare_address
from comptoir.desk.mail.outbox import Outbox, OutboxMail, stored_key
from comptoir.settings import Settings
from comptoir.shop.db import sessions as shop_sessions
from comptoir.shop.lateness import NOT_WATCHED, Lateness, LateRules, lateness
from comptoir.shop.models import Order, Shipment

log = logging.getLogger("comptoir.late_notices")
PURPOSE = "delay_notice"
BATCH = 1000
Outcome = Literal["queued", "would_queue", "opted_out", "already"]


class DelayNotice(Base):
    """One late state of one order that was dealt with: e-mailed, or not (opted out)."""

    __tablename__ = "desk_delay_notices"
    # Also the index of "which of these orders' states are already known?".
    __table_args__ = (
        UniqueConstraint("order_number", "fingerprint", name="uq_desk_delay_notices_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(160))
    reason: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(12))  # queued | opted_out
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class NoticeLine:
    """One new late state found by a check, and what became of it."""

    order_number: str
    email: str
    language: str
    reason: str
    fingerprint: str
    promised: date | None
    estimate: date | None
    outcome: Outcome
    not_before: datetime | None = None
    outbox_id: int | None = None


@dataclass
class LateReport:
    """What one check saw and did (``dry_run``: what it would have done)."""

    dry_run: bool = False
    checked: int = 0
    too_old: int = 0
    late: int = 0
    queued: int = 0
    would_queue: int = 0
    already_notified: int = 0
    opted_out: int = 0
    notices: list[NoticeLine] = field(default_factory=list)

    def count(self, line: NoticeLine) -> None:
        """Add one new state's outcome to the totals and the list."""
        if line.outcome == "already":
            self.already_notified += 1
            return
        self.notices.append(line)
        if line.outcome == "queued":
            self.queued += 1
        elif line.outcome == "would_queue":
            self.would_queue += 1
        else:
            self.opted_out += 1

    def as_json(self) -> dict[str, Any]:
        """The report as JSON (dates as ISO strings)."""
        data = asdict(self)
        for notice in data["notices"]:
            for key in ("promised", "estimate", "not_before"):
                notice[key] = notice[key].isoformat() if notice[key] else None
        return data


def watched_orders(oldest: datetime) -> Any:
    """The SQL condition of an order the check looks at: unfinished, placed since
    ``oldest`` (what ``lateness`` would not rule out at once)."""
    return Order.status.not_in(NOT_WATCHED) & (Order.placed_at >= oldest.astimezone(UTC))


def _late_batches(
    shop_url: str, rules: LateRules, today: date
) -> Iterator[tuple[int, list[tuple[Lateness, Order]]]]:
    """(orders read, late ones) per batch of ``BATCH`` orders, keyed on the id so that
    each query is an index range, whatever the shop's size. Blocking (the shop's
    driver is synchronous): the caller runs it in a thread."""
    oldest = rules.oldest_placed(today)
    after = 0
    while True:
        with shop_sessions(shop_url)() as session:
            orders = list(
                session.scalars(
                    select(Order)
                    .where(Order.id > after, watched_orders(oldest))
                    .order_by(Order.id)
                    .limit(BATCH)
                    .options(
                        selectinload(Order.customer),
                        selectinload(Order.lines),
                        selectinload(Order.shipments).selectinload(Shipment.events),
                    )
                )
            )
        if not orders:
            return
        after = orders[-1].id
        late = [(state, order) for order in orders if (state := lateness(order, today, rules))]
        yield len(orders), late


def _too_old(shop_url: str, rules: LateRules, today: date) -> int:
    """Unfinished orders left out because they are older than the window."""
    oldest = rules.oldest_placed(today).astimezone(UTC)
    with shop_sessions(shop_url)() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Order)
                .where(Order.status.not_in(NOT_WATCHED), Order.placed_at < oldest)
            )
            or 0
        )


class LateNoticeCheck:
    """One check over the shop's orders; the desk keeps one per process."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker, outbox: Outbox) -> None:
        self.settings = settings
        self.sessions = sessions
        self.outbox = outbox
        self.rules = LateRules.from_settings(settings)

    async def run(self, *, dry_run: bool = False, now: datetime | None = None) -> LateReport:
        """Look at every watched order; queue (or, dry, list) the new late states."""
        now = now or datetime.now(UTC)
        today = self.rules.today(now)
        url = self.settings.shop_db_url
        report = LateReport(dry_run=dry_run)
        report.too_old = await asyncio.to_thread(_too_old, url, self.rules, today)
        batches = _late_batches(url, self.rules, today)
        while (batch := await asyncio.to_thread(next, batches, None)) is not None:
            read, late = batch
            report.checked += read
            report.late += len(late)
            known = await self._known([order.number for _state, order in late])
            new = [(s, o) for s, o in late if (o.number, s.fingerprint) not in known]
            report.already_notified += len(late) - len(new)
            opted_out = await self._opted_out_among([order.email for _state, order in new])
            records = []
            for state, order in new:
                refused = bare_address(order.email) in opted_out
                line, record = await self._new_state(state, order, now, dry_run, refused)
                report.count(line)
                records += [record] if record is not None and not dry_run else []
            await self._record_all(records)
        return report

    async def _known(self, numbers: list[str]) -> set[tuple[str, str]]:
        """The (order, fingerprint) pairs already dealt with, for these orders."""
        if not numbers:
            return set()
        async with self.sessions() as session:
            rows = await session.execute(
                select(DelayNotice.order_number, DelayNotice.fingerprint).where(
                    DelayNotice.order_number.in_(numbers)
                )
            )
            return {(number, fingerprint) for number, fingerprint in rows}

    async def _opted_out_among(self, addresses: list[str]) -> set[str]:
        """Which of these addresses asked for no more notices (one query per batch; the
        outbox reads its hashed list)."""
        return await self.outbox.opted_out_among(addresses)

    async def _new_state(
        self, state: Lateness, order: Order, now: datetime, dry_run: bool, opted_out: bool
    ) -> tuple[NoticeLine, DelayNotice | None]:
        """Queue the notice of a state no record knows; its line and the record to keep."""
        line = NoticeLine(
            order_number=order.number,
            email=order.email,
            language=order.language,
            reason=state.reason,
            fingerprint=state.fingerprint,
            promised=state.promised,
            estimate=state.estimate,
            outcome="would_queue",
            not_before=quiet_until(now, self.settings),
        )
        if opted_out:
            line = replace(line, outcome="opted_out", not_before=None)
            return line, _record(state, "opted_out", None)
        if dry_run:
            return line, None
        key = f"late:{order.number}:{state.fingerprint}"
        mail_id = await self.outbox.enqueue(
            notice_mail(self.settings, state, order),
            dedupe_key=key,
            purpose=PURPOSE,
            reference=order.number,
            not_before=line.not_before,
        )
        if mail_id is not None:
            return replace(line, outcome="queued", outbox_id=mail_id), _record(
                state, "queued", mail_id
            )
        # Queued already: by another desk this very moment, or by a run that stopped
        # before its record. Record it with that e-mail; none in the outbox means the
        # address opted out in between.
        mail_id = await self._queued_id(key)
        outcome: Outcome = "already" if mail_id else "opted_out"
        line = replace(line, outcome=outcome, outbox_id=mail_id)
        return line, _record(state, "queued" if mail_id else "opted_out", mail_id)

    async def _queued_id(self, dedupe_key: str) -> int | None:
        """The outbox row of this dedupe key, if there is one."""
        async with self.sessions() as session:
            return await session.scalar(
                select(OutboxMail.id).where(OutboxMail.dedupe_key == stored_key(dedupe_key))
            )

    async def _record_all(self, records: list[DelayNotice]) -> None:
        """Keep a batch's decisions in one transaction; when another desk recorded one of
        them meanwhile, each is kept on its own and the duplicate refused, harmlessly."""
        if not records:
            return
        try:
            async with self.sessions.begin() as session:
                session.add_all(records)
            return
        except IntegrityError:
            pass
        for record in records:
            try:
                async with self.sessions.begin() as session:
                    session.add(_copy(record))
            except IntegrityError:
                continue


def _record(state: Lateness, outcome: str, outbox_id: int | None) -> DelayNotice:
    """The row that says this state was dealt with, and how."""
    return DelayNotice(
        order_number=state.order_number,
        fingerprint=state.fingerprint,
        reason=state.reason,
        outcome=outcome,
        outbox_id=outbox_id,
        created_at=utc_now(),
    )


def _copy(record: DelayNotice) -> DelayNotice:
    """A fresh, unsaved copy (the failed transaction left the original unusable)."""
    return DelayNotice(
        order_number=record.order_number,
        fingerprint=record.fingerprint,
        reason=record.reason,
        outcome=record.outcome,
        outbox_id=record.outbox_id,
        created_at=record.created_at,
    )


async def check_periodically(settings: Settings, check: LateNoticeCheck) -> None:
    """The desk's background task: a check every ``notify_late_check_s``.

    Every desk process runs it; running it twice at once is safe (see the module's
    docstring). A failed check (the shop's database unreachable) is logged and tried
    again at the next period: it must not stop the desk.
    """
    await asyncio.sleep(min(settings.notify_late_check_s, 30.0))  # let the desk start first
    while True:
        try:
            report = await check.run()
            if report.queued:
                log.info(
                    "delay notices: %d queued (%d orders checked, %d late)",
                    report.queued,
                    report.checked,
                    report.late,
                )
        except Exception:
            log.exception("the late-order check failed; trying again at the next period")
        await asyncio.sleep(settings.notify_late_check_s)
