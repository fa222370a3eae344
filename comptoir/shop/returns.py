"""Return records: create them once, move them through their states, keep the history.

Used by the conversation (open a return, say where it stands), by the command line
(`comptoir returns …`) and, later, by the agent console: one service for all three.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from comptoir.shop.eligibility import Eligibility
from comptoir.shop.models import RETURN_FINAL, RETURN_STATUSES, Order, ReturnEvent, ReturnRequest
from comptoir.shop.policy import ReturnsPolicy

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "requested": ("label_sent", "in_transit", "rejected"),
    "label_sent": ("in_transit", "received", "rejected"),
    "in_transit": ("received",),
    "received": ("inspected", "rejected"),
    "inspected": ("refunded", "exchanged", "repaired", "rejected"),
}
# The states a return can be moved to (``comptoir returns set-status``), in their order;
# RETURN_STATUSES (comptoir.shop.models) is the one list of every state.
SETTABLE_STATUSES: tuple[str, ...] = tuple(
    status for status in RETURN_STATUSES if any(status in nxt for nxt in TRANSITIONS.values())
)


class TransitionError(ValueError):
    """A status change that the return's current state does not allow."""


def _now() -> datetime:
    return datetime.now(UTC)


def open_return_for(session: Session, order: Order, sku: str) -> ReturnRequest | None:
    """The item's return that is still open, if any (one open return per item)."""
    return session.scalar(
        select(ReturnRequest).where(
            ReturnRequest.order_id == order.id,
            ReturnRequest.sku == sku,
            ReturnRequest.status.not_in(RETURN_FINAL),
        )
    )


def _next_number(session: Session, year: int) -> str:
    prefix = f"R-{year}-"
    last = session.scalar(
        select(func.max(ReturnRequest.number)).where(ReturnRequest.number.like(f"{prefix}%"))
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def create_return(
    session: Session,
    order: Order,
    *,
    sku: str,
    reason: str,
    resolution: str,
    eligibility: Eligibility,
    conversation_id: str = "",
) -> tuple[ReturnRequest, bool]:
    """Create the return, or give back the open one for that item. (record, created)."""
    existing = open_return_for(session, order, sku)
    if existing is not None:
        return existing, False
    now = _now()
    record = ReturnRequest(
        number=_next_number(session, now.year),
        order=order,
        sku=sku,
        reason=reason,
        resolution=resolution,
        rule=eligibility.rule or "",
        payer=eligibility.payer or "shop",
        status="label_sent" if eligibility.payer == "shop" else "requested",
        created_at=now,
        conversation_id=conversation_id,
    )
    record.history.append(ReturnEvent(at=now, status="requested", note="opened in the chat"))
    if record.status == "label_sent":
        record.history.append(ReturnEvent(at=now, status="label_sent", note="prepaid label sent"))
    session.add(record)
    session.commit()
    return record, True


def set_status(
    session: Session, number: str, status: str, note: str = "", on: date | None = None
) -> ReturnRequest:
    """Move a return to its next state; refuses a jump its state does not allow."""
    record = find_return(session, number)
    if record is None:
        raise LookupError(f"no return {number}")
    if status not in TRANSITIONS.get(record.status, ()):
        allowed = ", ".join(TRANSITIONS.get(record.status, ())) or "none (final)"
        raise TransitionError(f"{number} is {record.status}; next can be: {allowed}")
    record.status = status
    if status == "received":
        record.received_on = on or date.today()
    record.history.append(ReturnEvent(at=_now(), status=status, note=note))
    session.commit()
    return record


def find_return(session: Session, number: str) -> ReturnRequest | None:
    """A return with its history."""
    return session.scalar(
        select(ReturnRequest)
        .where(ReturnRequest.number == number.strip().upper())
        .options(selectinload(ReturnRequest.history), selectinload(ReturnRequest.order))
    )


def returns_of(session: Session, order_number: str | None = None) -> list[ReturnRequest]:
    """Returns of one order, or all, newest first."""
    query = select(ReturnRequest).options(
        selectinload(ReturnRequest.history), selectinload(ReturnRequest.order)
    )
    if order_number:
        query = query.join(Order).where(Order.number == order_number)
    return list(session.scalars(query.order_by(ReturnRequest.created_at.desc())))


def refund_due(policy: ReturnsPolicy, record: ReturnRequest) -> date | None:
    """The promised refund date: refund_days after the return was received."""
    if record.received_on is None:
        return None
    return record.received_on + timedelta(days=policy.refund_days)


def refund_overdue(policy: ReturnsPolicy, record: ReturnRequest, today: date) -> bool:
    """A refund not made by the promised date."""
    due = refund_due(policy, record)
    return bool(due and today > due and record.status not in RETURN_FINAL)
