"""Prove that the person asking owns the order before saying anything about it.

The order number must come with the order's e-mail or delivery postcode. Whatever
fails (unknown number, wrong e-mail), the shopper hears the same neutral sentence, so
the bot never confirms that an order number exists. Failures are counted per
conversation and per order number (from any conversation, within an hour): past the
limits, checking stops and a person takes over.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.shop.models import Order, VerificationAttempt

MAX_FAILURES_PER_CONVERSATION = 3
MAX_FAILURES_PER_ORDER_PER_HOUR = 5


class Outcome(Enum):
    VERIFIED = "verified"
    REJECTED = "rejected"  # unknown number or wrong proof: the same answer for both
    LOCKED = "locked"  # too many failures: offer a person


@dataclass(frozen=True)
class Verification:
    outcome: Outcome
    order_number: str | None = None


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return "".join(text.split())


def proof_matches(order: Order, proof: str) -> bool:
    """The e-mail (case-insensitive) or the postcode (spaces ignored) of the order."""
    given = _clean(proof)
    if not given:
        return False
    return hmac.compare_digest(given, order.email.lower()) or hmac.compare_digest(
        given.upper(), order.postcode.upper()
    )


def _failures(session: Session, *conditions) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(VerificationAttempt)
            .where(VerificationAttempt.success.is_(False), *conditions)
        )
        or 0
    )


def is_locked(
    session: Session, conversation_id: str, order_number: str | None, now: datetime | None = None
) -> bool:
    """Whether checking must stop for this conversation or this order number."""
    now = now or datetime.now(UTC)
    if _failures(session, VerificationAttempt.conversation_id == conversation_id) >= (
        MAX_FAILURES_PER_CONVERSATION
    ):
        return True
    if order_number is None:
        return False
    recent = _failures(
        session,
        VerificationAttempt.order_number == order_number,
        VerificationAttempt.at >= now - timedelta(hours=1),
    )
    return recent >= MAX_FAILURES_PER_ORDER_PER_HOUR


def verify(
    session: Session,
    conversation_id: str,
    order_number: str,
    proof: str,
    now: datetime | None = None,
) -> Verification:
    """Check one (order number, e-mail or postcode) pair and record the attempt."""
    now = now or datetime.now(UTC)
    if is_locked(session, conversation_id, order_number, now):
        return Verification(Outcome.LOCKED, order_number)
    order = session.scalar(select(Order).where(Order.number == order_number))
    success = order is not None and proof_matches(order, proof)
    session.add(
        VerificationAttempt(
            order_number=order_number, conversation_id=conversation_id, at=now, success=success
        )
    )
    session.commit()
    if success:
        return Verification(Outcome.VERIFIED, order_number)
    if is_locked(session, conversation_id, order_number, now):
        return Verification(Outcome.LOCKED, order_number)
    return Verification(Outcome.REJECTED, order_number)


def sign_identity(email: str, secret: str) -> str:
    """What the shop's site puts in ``data-customer-signature``: HMAC-SHA256 of the e-mail."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def identity_is_valid(email: str, signature: str, secret: str) -> bool:
    """Whether a signed-in shopper's identity really comes from the shop."""
    if not email or not signature:
        return False
    return hmac.compare_digest(sign_identity(email, secret), signature.strip().lower())
