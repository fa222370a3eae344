"""Can this item be returned, under which rule, by when, and who pays the label?

Three rules, in the order that favours the shopper:
- the right of withdrawal (change of mind): 14 days from delivery, carried to the next
  working day when the last day is a Saturday, Sunday or French public holiday;
- the shop's own fault (damaged in transit, wrong or missing item): always accepted,
  at the shop's cost;
- the legal guarantee of conformity (defect): 2 years from delivery; the shopper chooses
  repair or replacement, refund when neither is possible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from comptoir.calendar import next_working_day
from comptoir.shop.policy import Payer, Reason, ReturnsPolicy

Rule = Literal["withdrawal", "shop_fault", "legal_guarantee"]
Refusal = Literal["not_delivered", "window_closed", "excluded", "guarantee_expired"]
SHOP_FAULT: frozenset[str] = frozenset({"damaged_in_transit", "wrong_item", "missing_part"})


@dataclass(frozen=True)
class Eligibility:
    """The decision and everything needed to explain it."""

    eligible: bool
    rule: Rule | None
    payer: Payer | None
    withdrawal_deadline: date | None
    guarantee_until: date | None
    refusal: Refusal | None = None
    resolutions: tuple[str, ...] = field(default=())


def withdrawal_deadline(policy: ReturnsPolicy, delivered_on: date) -> date:
    """The last day to change one's mind (L221-18 and L221-19)."""
    return next_working_day(delivered_on + timedelta(days=policy.withdrawal_days))


def guarantee_until(policy: ReturnsPolicy, delivered_on: date) -> date:
    """The last day of the legal guarantee of conformity."""
    try:
        return delivered_on.replace(year=delivered_on.year + policy.legal_guarantee_years)
    except ValueError:  # 29 February
        return delivered_on.replace(year=delivered_on.year + policy.legal_guarantee_years, day=28)


def decide(
    policy: ReturnsPolicy,
    *,
    reason: Reason,
    sku: str,
    category: str,
    delivered_on: date | None,
    today: date,
) -> Eligibility:
    """Apply the policy to one item."""
    if delivered_on is None:
        return Eligibility(False, None, None, None, None, refusal="not_delivered")
    deadline = withdrawal_deadline(policy, delivered_on)
    guarantee = guarantee_until(policy, delivered_on)
    if reason in SHOP_FAULT:
        return Eligibility(
            True, "shop_fault", "shop", deadline, guarantee, resolutions=("refund", "exchange")
        )
    if reason == "defective":
        if today > guarantee:
            return Eligibility(False, None, None, deadline, guarantee, refusal="guarantee_expired")
        resolutions = (
            ("repair", "exchange", "refund") if today <= deadline else ("repair", "exchange")
        )
        return Eligibility(
            True, "legal_guarantee", "shop", deadline, guarantee, resolutions=resolutions
        )
    # changed_mind / does_not_fit: the right of withdrawal only
    if policy.excluded(sku, category):
        return Eligibility(False, None, None, deadline, guarantee, refusal="excluded")
    if today > deadline:
        return Eligibility(False, None, None, deadline, guarantee, refusal="window_closed")
    return Eligibility(
        True,
        "withdrawal",
        policy.payer(reason),
        deadline,
        guarantee,
        resolutions=("refund", "exchange"),
    )
