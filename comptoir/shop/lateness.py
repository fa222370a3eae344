"""Whether an order is late, why, and a fingerprint of that late state.

The shop writes to a shopper first when their order is late (docs/email.md). Four
things make an order late, each checked on the order as the back office left it:

- ``revised``: the shop moved the delivery date after the one it promised;
- ``overdue``: the expected date (the revised one, else the promised one) has passed
  and the order is not delivered;
- ``no_scan``: a parcel on its way has had no carrier scan for N full working days
  (French working days and public holidays, ``comptoir.calendar``);
- ``exception``: the carrier reported a delivery problem (the order's status, or the
  last event of one of its parcels).

A late state carries a **fingerprint**, the reason and the date or the event that
defines it (``revised:2026-11-12``, ``no_scan:6A123:2026-11-02``). The notice check
writes once per fingerprint: the same state seen again sends nothing, a change (a new
revised date, a new stall after a fresh scan) sends a new notice. When several reasons
hold, the most informative one is chosen, always the same way (``REASONS`` order):
what the carrier reported, then a date that has passed, then a stalled parcel, then a
new date announced ahead of time.

Pure: no database, no clock. The caller gives ``today`` in the shop's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from comptoir.calendar import working_days_between
from comptoir.shop.models import Order, Shipment

if TYPE_CHECKING:
    from comptoir.settings import Settings

Reason = Literal["exception", "overdue", "no_scan", "revised"]
REASONS: tuple[Reason, ...] = ("exception", "overdue", "no_scan", "revised")
"""Most informative first: the first that holds is the one the shopper is told."""

NOT_WATCHED = frozenset({"delivered", "cancelled", "returned_to_sender", "pending_payment"})
"""Statuses never late: finished orders, and an unpaid order (the shop waits for the
shopper, not the other way round)."""
EXCEPTION = "delivery_exception"


@dataclass(frozen=True)
class LateRules:
    """The operator's knobs (``COMPTOIR_NOTIFY_*``) and the shop's timezone."""

    no_scan_working_days: int = 3
    max_age_days: int = 45
    timezone: str = "Europe/Paris"

    @classmethod
    def from_settings(cls, settings: Settings) -> LateRules:
        """The rules as configured."""
        return cls(
            no_scan_working_days=settings.notify_no_scan_working_days,
            max_age_days=settings.notify_late_max_age_days,
            timezone=settings.business_hours.timezone,
        )

    def today(self, now: datetime) -> date:
        """The shop's date at ``now`` (a delivery date is a day in the shop's timezone)."""
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def oldest_placed(self, today: date) -> datetime:
        """The earliest ``placed_at`` still watched: orders placed before are too old."""
        first_day = today - timedelta(days=self.max_age_days)
        return datetime.combine(first_day, time(0), tzinfo=ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Lateness:
    """One order's late state, as a notice describes it."""

    order_number: str
    reason: Reason
    fingerprint: str
    promised: date | None
    estimate: date | None
    """The date the shopper can now expect; None when nobody knows yet."""
    parcel: Shipment | None = None
    """The parcel concerned (``no_scan``, ``exception`` on a parcel's event)."""
    since: date | None = None
    """``no_scan``: the day of the last scan; ``exception``: the day it was reported."""
    detail: str = ""
    """``exception``: the carrier's own words, when it gave some."""
    reasons: tuple[Reason, ...] = ()
    """Every reason that holds, most informative first (``reason`` is the first)."""


def local_day(at: datetime, zone: ZoneInfo) -> date:
    """The shop's day of an instant (a naive value, as SQLite returns it, is UTC)."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(zone).date()


def _utc(at: datetime) -> datetime:
    """The instant in UTC, without its offset (the same text whichever database gave it)."""
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def too_old(order: Order, today: date, rules: LateRules) -> bool:
    """Placed more than ``max_age_days`` ago.

    Such orders are left alone on purpose: a back office often keeps old orders in a
    state nobody closed ("shipped" for ever), and the first check on an existing shop
    must not e-mail last year's customers about parcels they received long ago. A real
    problem that old is a matter for a person, not an automatic notice.
    """
    return local_day(order.placed_at, ZoneInfo(rules.timezone)) < today - timedelta(
        days=rules.max_age_days
    )


def expected_date(order: Order) -> date | None:
    """The date the shop last announced: the revised one, else the promised one."""
    return order.revised_delivery or order.promised_delivery


def new_estimate(order: Order, today: date) -> date | None:
    """The announced date if it is still ahead (or today); None once it has passed."""
    expected = expected_date(order)
    return expected if expected is not None and expected >= today else None


def _on_the_way(shipment: Shipment) -> bool:
    """A parcel the carrier has scanned at least once and not delivered (nor sent back)."""
    return bool(shipment.events) and shipment.events[-1].status not in (
        "delivered",
        "returned_to_sender",
    )


def _exception(order: Order, zone: ZoneInfo) -> tuple[str, Shipment | None, date | None, str]:
    """The delivery exception, if any: (fingerprint, parcel, day, carrier's words)."""
    reported = [s for s in order.shipments if s.events and s.events[-1].status == EXCEPTION]
    if reported:
        parcel = min(reported, key=lambda s: (_utc(s.events[-1].at), s.tracking_number))
        event = parcel.events[-1]
        stamp = _utc(event.at).isoformat(timespec="minutes")
        fingerprint = f"exception:{parcel.tracking_number}:{stamp}"
        return fingerprint, parcel, local_day(event.at, zone), event.description
    if order.status == EXCEPTION:
        return "exception:order", None, None, ""
    return "", None, None, ""


def _stalled(
    order: Order, today: date, rules: LateRules, zone: ZoneInfo
) -> tuple[Shipment, date] | None:
    """The parcel with the oldest last scan among those with none for N working days.

    Only full days count: a parcel scanned on Monday is stalled (N = 3) on Friday,
    after Tuesday, Wednesday and Thursday went by without a scan. A parcel never scanned
    has no date to count from and is left to the ``overdue`` rule.
    """
    yesterday = today - timedelta(days=1)
    stalled = []
    for shipment in order.shipments:
        if not _on_the_way(shipment):
            continue
        last = local_day(shipment.events[-1].at, zone)
        if working_days_between(last, yesterday) >= rules.no_scan_working_days:
            stalled.append((last, shipment.tracking_number, shipment))
    if not stalled:
        return None
    last, _number, shipment = min(stalled, key=lambda item: item[:2])
    return shipment, last


def all_delivered(order: Order) -> bool:
    """Every line shipped and every parcel's last scan "delivered": the carrier says the
    order arrived even if the back office has not updated its status yet (no apology
    for a parcel already on the shopper's table)."""
    if not order.shipments or not all(
        s.events and s.events[-1].status == "delivered" for s in order.shipments
    ):
        return False
    shipped = {sku for s in order.shipments for sku in s.skus}
    return all(line.sku in shipped for line in order.lines)


def lateness(order: Order, today: date, rules: LateRules | None = None) -> Lateness | None:
    """The order's late state, or None when it is on time, finished, unpaid or too old.

    ``order`` needs its lines, parcels and their scans loaded."""
    rules = rules or LateRules()
    if order.status in NOT_WATCHED or too_old(order, today, rules) or all_delivered(order):
        return None
    zone = ZoneInfo(rules.timezone)
    promised, expected = order.promised_delivery, expected_date(order)
    found: dict[Reason, str] = {}
    exception, parcel, since, detail = _exception(order, zone)
    if exception:
        found["exception"] = exception
    if expected is not None and expected < today:
        found["overdue"] = f"overdue:{expected.isoformat()}"
    stalled = _stalled(order, today, rules, zone)
    if stalled is not None:
        shipment, last = stalled
        found["no_scan"] = f"no_scan:{shipment.tracking_number}:{last.isoformat()}"
    revised = order.revised_delivery
    if revised is not None and promised is not None and revised > promised:
        found["revised"] = f"revised:{revised.isoformat()}"
    if not found:
        return None
    reasons = tuple(r for r in REASONS if r in found)
    reason = reasons[0]
    if reason == "no_scan":
        parcel, since, detail = stalled[0], stalled[1], ""
    elif reason != "exception":
        parcel, since, detail = None, None, ""
    return Lateness(
        order_number=order.number,
        reason=reason,
        fingerprint=found[reason],
        promised=promised,
        estimate=new_estimate(order, today),
        parcel=parcel,
        since=since,
        detail=detail,
        reasons=reasons,
    )
