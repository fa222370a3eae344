"""Prove that the person asking owns the order before saying anything about it.

What proves it is the shop's choice (``order_proof``): the order's e-mail (the
default); or the e-mail, or the delivery postcode *together with* the order's last name
or its total; or only the shop's signed identity of a signed-in shopper. Whatever fails
(unknown number, wrong proof), the shopper hears the same neutral sentence, so the bot
never confirms that an order number exists.

Failed proofs are counted per conversation, per client address and hour, per (order
number, client address) and hour, and for everyone per hour. Past a limit it is the
*requester* who is stopped (that conversation, that address), never the order's owner:
wrong tries from someone else's address do not keep the owner from proving their own
order. Past the global limit checks pause for everyone (a person is offered): the
price of bounding an attacker spread over many addresses. Each lockout is recorded
for agents, with the order number partly hidden.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from comptoir.settings import Settings, get_settings
from comptoir.shop.models import Order, VerificationAttempt, VerificationLockout

EMAIL_ONLY, EMAIL_OR_POSTCODE, SIGNED_ONLY = (
    "email",
    "email_or_postcode_and_detail",
    "signed_identity",
)
# The limits, broadest first (a lockout names the broadest one just reached).
GLOBAL, ADDRESS, ORDER_AND_ADDRESS, CONVERSATION = (
    "global",
    "address",
    "order_address",
    "conversation",
)
LIMITS = (GLOBAL, ADDRESS, ORDER_AND_ADDRESS, CONVERSATION)
KEEP = timedelta(days=30)  # attempts and lockouts older than this are forgotten

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
# Postcodes, most specific first: French (5 digits), British, then 4 digits (Belgium…).
POSTCODES = (
    re.compile(r"(?<![\d.,])\d{2} ?\d{3}(?!\d|[.,]\d)"),
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE),
    re.compile(r"(?<![\d.,])\d{4}(?!\d|[.,]\d)"),
)
AMOUNT = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")
CURRENCY = re.compile(r"^(€|eur|euros?)|(€|eur|euros?)$")


class Outcome(Enum):
    VERIFIED = "verified"
    REJECTED = "rejected"  # unknown number or wrong proof: the same answer for both
    LOCKED = "locked"  # this requester is past a limit: offer a person
    PAUSED = "paused"  # past the global limit: checks pause for everyone
    SIGN_IN = "sign_in"  # the shop only accepts its signed identity


@dataclass(frozen=True)
class Verification:
    outcome: Outcome
    order_number: str | None = None
    limit: str | None = None  # which limit stopped the requester


@dataclass(frozen=True)
class Requester:
    """Who is asking: their conversation and client address ("" when unknown)."""

    conversation_id: str
    address: str = ""


@dataclass(frozen=True)
class Limits:
    """How many failed proofs are allowed, and what proves ownership."""

    proof: str = EMAIL_ONLY
    per_conversation: int = 3
    per_address_per_hour: int = 10
    per_order_and_address_per_hour: int = 5
    global_per_hour: int = 500

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Limits:
        s = settings or get_settings()
        return cls(
            proof=s.order_proof,
            per_conversation=s.verify_failures_per_conversation,
            per_address_per_hour=s.verify_failures_per_address_per_hour,
            per_order_and_address_per_hour=s.verify_failures_per_order_and_address_per_hour,
            global_per_hour=s.verify_failures_global_per_hour,
        )


@dataclass(frozen=True)
class Proof:
    """What the shopper gave: an e-mail, or a postcode with a last name or an amount."""

    email: str = ""
    postcode: str = ""
    detail: str = ""

    @property
    def postcode_only(self) -> bool:
        """A postcode still waiting for its last name or amount."""
        return bool(self.postcode) and not self.detail and not self.email


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return "".join(text.split())


def _fold(text: str) -> str:
    """Lower-cased, accents, spaces, hyphens and apostrophes removed: « Le Goff-Hélias »."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def read_proof(text: str, mode: str = EMAIL_ONLY, earlier: str = "") -> Proof:
    """The proof in a shopper's message. ``earlier``: their previous answer, when it was
    a postcode alone (its last name or amount may follow in this message)."""
    text = text.strip()[:120]
    email = EMAIL.search(text)
    if email:
        return Proof(email=email.group(0))
    if mode != EMAIL_OR_POSTCODE:
        return Proof(email=text)  # anything else is a (wrong) e-mail
    postcode = next((found for p in POSTCODES if (found := p.search(text))), None)
    if postcode:
        rest = (text[: postcode.start()] + " " + text[postcode.end() :]).strip(" ,;:-.!?")
        if rest or not earlier:
            return Proof(postcode=postcode.group(0), detail=rest)
    if earlier:
        return Proof(postcode=earlier, detail=text)
    return Proof(detail=text)


def order_total(order: Order) -> Decimal:
    """What the shopper paid: the imported total, else the sum of the lines."""
    if order.total is not None:
        return Decimal(order.total)
    return sum((Decimal(line.unit_price) * line.qty for line in order.lines), Decimal(0))


def _amount(text: str) -> Decimal | None:
    found = AMOUNT.match(CURRENCY.sub("", _clean(text)))
    if not found:
        return None
    try:
        return Decimal(f"{found.group(1)}.{found.group(2) or '0'}")
    except InvalidOperation:
        return None


def _same(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given, expected)


def proof_matches(order: Order, proof: Proof, mode: str = EMAIL_ONLY) -> bool:
    """Whether ``proof`` proves ``order`` under the shop's ``mode``."""
    if mode == SIGNED_ONLY:
        return False
    if proof.email:
        return _same(_clean(proof.email), order.email.lower())
    if mode != EMAIL_OR_POSTCODE or not proof.detail:
        return False
    if not _same(_clean(proof.postcode).upper(), order.postcode.upper()):
        return False
    amount = _amount(proof.detail)
    if amount is not None:
        return abs(amount - order_total(order)) < Decimal("0.01")
    return _same(_fold(proof.detail), _fold(order.last_name or ""))


def _failures(session: Session, *conditions) -> int:
    query = select(func.count()).select_from(VerificationAttempt)
    return session.scalar(query.where(VerificationAttempt.success.is_(False), *conditions)) or 0


def lock_of(
    session: Session,
    requester: Requester,
    order_number: str | None,
    limits: Limits,
    now: datetime | None = None,
) -> str | None:
    """The broadest limit that stops this requester (on this order), or None.

    An unknown client address ("") has no address limits: the conversation and global
    limits still apply.
    """
    now = now or datetime.now(UTC)
    hour = VerificationAttempt.at >= now - timedelta(hours=1)
    address = VerificationAttempt.client_address == requester.address
    if _failures(session, hour) >= limits.global_per_hour:
        return GLOBAL
    if requester.address and _failures(session, address, hour) >= limits.per_address_per_hour:
        return ADDRESS
    if requester.address and order_number:
        on_order = VerificationAttempt.order_number == order_number
        if _failures(session, on_order, address, hour) >= limits.per_order_and_address_per_hour:
            return ORDER_AND_ADDRESS
    mine = VerificationAttempt.conversation_id == requester.conversation_id
    if _failures(session, mine) >= limits.per_conversation:
        return CONVERSATION
    return None


def _stopped(limit: str | None, number: str | None) -> Verification:
    outcome = Outcome.PAUSED if limit == GLOBAL else Outcome.LOCKED
    return Verification(outcome, number, limit)


def verify(
    session: Session,
    requester: Requester,
    order_number: str,
    proof: Proof,
    limits: Limits | None = None,
    now: datetime | None = None,
) -> Verification:
    """Check one (order number, proof) pair for ``requester`` and record the attempt."""
    limits = limits or Limits.from_settings()
    now = now or datetime.now(UTC)
    if limits.proof == SIGNED_ONLY:
        return Verification(Outcome.SIGN_IN, order_number)
    limit = lock_of(session, requester, order_number, limits, now)
    if limit:
        return _stopped(limit, order_number)
    order = session.scalar(select(Order).where(Order.number == order_number))
    success = order is not None and proof_matches(order, proof, limits.proof)
    _record(session, requester, order_number, success, "proof", now)
    if success:
        return Verification(Outcome.VERIFIED, order_number)
    limit = lock_of(session, requester, order_number, limits, now)
    if limit:
        session.add(
            VerificationLockout(
                at=now,
                conversation_id=requester.conversation_id,
                client_address=requester.address,
                order_number=mask_order_number(order_number),
                limit_reached=limit,
            )
        )
        session.commit()
        return _stopped(limit, order_number)
    return Verification(Outcome.REJECTED, order_number)


def _record(
    session: Session, requester: Requester, number: str, success: bool, method: str, now: datetime
) -> None:
    session.execute(delete(VerificationAttempt).where(VerificationAttempt.at < now - KEEP))
    session.execute(delete(VerificationLockout).where(VerificationLockout.at < now - KEEP))
    session.add(
        VerificationAttempt(
            order_number=number,
            conversation_id=requester.conversation_id,
            client_address=requester.address,
            at=now,
            success=success,
            method=method,
        )
    )
    session.commit()


def record_signed_in(session: Session, requester: Requester, order_number: str) -> None:
    """A signed-in shopper's own order: remembered as proved in this conversation."""
    _record(session, requester, order_number, True, "identity", datetime.now(UTC))


def was_verified(session: Session, conversation_id: str, order_number: str) -> bool:
    """Whether this conversation proved this order (the database, not the slots, says)."""
    found = session.scalar(
        select(VerificationAttempt.id)
        .where(
            VerificationAttempt.conversation_id == conversation_id,
            VerificationAttempt.order_number == order_number,
            VerificationAttempt.success.is_(True),
        )
        .limit(1)
    )
    return found is not None


def mask_order_number(number: str) -> str:
    """« CMD-10004 » → « CMD-•••04 »: enough for an agent to recognise, not to use."""
    prefix, dash, digits = (number or "").rpartition("-")
    shown = digits[-2:] if len(digits) > 2 else ""
    return f"{prefix}{dash}{'•' * (len(digits) - len(shown))}{shown}"


def recent_lockouts(
    session: Session, hours: int = 24, limit: int = 50
) -> list[VerificationLockout]:
    """The lockouts of the last ``hours``, newest first (for the agents' console)."""
    since = datetime.now(UTC) - timedelta(hours=hours)
    return list(
        session.scalars(
            select(VerificationLockout)
            .where(VerificationLockout.at >= since)
            .order_by(VerificationLockout.at.desc(), VerificationLockout.id.desc())
            .limit(limit)
        )
    )


# --------------------------------------------------------------- signed identities
def sign_identity(email: str, secret: str, expires: int | None = None) -> str:
    """What the shop's site puts in ``data-customer-signature``:
    HMAC-SHA256(secret, "<lower-cased e-mail>|<expires>"), in hex. ``expires`` is a
    unix time (default: an hour from now)."""
    expires = int(time.time()) + 3600 if expires is None else int(expires)
    message = f"{email.strip().lower()}|{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def identity_is_valid(
    email: str,
    signature: str,
    expires: int | str | None,
    secret: str,
    max_age_s: int = 3600,
    now: float | None = None,
) -> bool:
    """Whether a signed-in shopper's identity comes from the shop and is still valid:
    not expired, and not claiming to last longer than ``max_age_s`` from now."""
    if not (email and signature and secret) or expires in (None, ""):
        return False
    try:
        expires = int(str(expires).strip())
    except ValueError:
        return False
    now = time.time() if now is None else now
    if not now <= expires <= now + max_age_s:
        return False
    expected = sign_identity(email, secret, expires)
    return hmac.compare_digest(expected, str(signature).strip().lower())
