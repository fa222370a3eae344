"""The next step of a return request, decided from the order and the shopper's choices.

A return is a short conversation: the item, the reason, a troubleshooting tip for a
faulty lamp or speaker, the resolution, a summary to confirm. ``next_step`` takes what
is known so far (the order, the choices, the shopper's yes or no, the policy, today)
and says what comes next: which question to ask, the tip, a refusal, the summary, or
the go-ahead to record the return. Eligibility is decided here, once per step, so the
summary the shopper confirms and the return that gets recorded come from the same
decision; ``recheck`` takes it once more, from the order as the database has it, just
before anything is written. Pure: no database, no dialogue framework, only data in and
a decision out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from comptoir.shop.eligibility import Eligibility, decide
from comptoir.shop.models import Order, OrderLine
from comptoir.shop.policy import REASONS, ReturnsPolicy

# Categories whose faults a knowledge-base article often solves: the tip comes first.
TIPS = {"lighting": "depannage-lampe", "audio": "depannage-enceinte"}

StepKind = Literal[
    "ask_item",  # several items: which one?
    "ask_reason",  # why?
    "tip",  # a faulty lamp or speaker: try this first; did it help?
    "tip_solved",  # the tip worked: no return
    "refuse",  # the policy says no (with the reason and the other ways)
    "ask_resolution",  # refund, exchange or repair, as the rule allows
    "summary",  # everything known: confirm?
    "declined",  # the shopper said no to the summary
    "create",  # the shopper confirmed: record the return
]
Answer = Literal["yes", "no"] | None
# Where the conversation waits after a step (the ``return_step`` slot); None: unchanged.
WAITS_AT: dict[str, str] = {
    "tip": "troubleshooting",
    "ask_resolution": "resolution",
    "summary": "confirm",
}
ENDS: frozenset[str] = frozenset({"tip_solved", "refuse", "declined", "create"})


@dataclass(frozen=True)
class ReturnChoices:
    """What the shopper chose so far, and the question they are answering (``step``)."""

    sku: str | None = None
    reason: str | None = None
    resolution: str | None = None
    step: str | None = None  # troubleshooting, tip_failed, resolution or confirm


@dataclass(frozen=True)
class NextStep:
    """The decision, with what the conversation needs to say it."""

    kind: StepKind
    choices: ReturnChoices  # the choices after this step (the only item filled in)
    line: OrderLine | None = None
    eligibility: Eligibility | None = None
    tip: str | None = None  # the troubleshooting text, for ``tip``

    @property
    def ends_the_request(self) -> bool:
        """Whether the request is over (recorded, refused, solved or dropped)."""
        return self.kind in ENDS

    @property
    def waits_at(self) -> str | None:
        """The question the shopper answers next, when it changes."""
        return WAITS_AT.get(self.kind)


def delivered_on(order: Order) -> date | None:
    """The delivery date: the parcels' delivered scan, else the promise of a delivered order."""
    days = [e.at.date() for s in order.shipments for e in s.events if e.status == "delivered"]
    if days:
        return max(days)
    return order.promised_delivery if order.status == "delivered" else None


def _decide(
    policy: ReturnsPolicy, order: Order, line: OrderLine, reason: str, today: date
) -> Eligibility:
    """The policy's decision on returning ``line`` of ``order`` for ``reason`` today."""
    return decide(
        policy,
        reason=reason,
        sku=line.sku,
        category=line.category,
        delivered_on=delivered_on(order),
        today=today,
    )


def next_step(
    order: Order,
    choices: ReturnChoices,
    *,
    answer: Answer,
    policy: ReturnsPolicy,
    today: date,
    find_tip: Callable[[str], str | None] = lambda article_id: None,
) -> NextStep:
    """What to do next in a return request.

    ``answer`` is the shopper's yes or no to the pending question (the tip, the summary),
    None for anything else (a click on an item, a reason, a resolution). ``find_tip``
    gives the troubleshooting text of a knowledge-base article, or None without it.
    """
    step = choices.step
    if step == "troubleshooting":
        if answer == "yes":
            return NextStep("tip_solved", choices)
        step = "tip_failed"
    if step == "confirm" and answer == "no":
        return NextStep("declined", choices)
    skus = [line.sku for line in order.lines]
    if choices.sku not in skus:
        if len(skus) != 1:
            return NextStep("ask_item", choices)
        choices = replace(choices, sku=skus[0])
    if choices.reason not in REASONS:
        return NextStep("ask_reason", choices)
    line = next(line for line in order.lines if line.sku == choices.sku)
    article = TIPS.get(line.category)
    tip_pending = step not in ("tip_failed", "resolution", "confirm")
    if choices.reason == "defective" and article and tip_pending:
        tip = find_tip(article)
        if tip:
            return NextStep("tip", choices, line=line, tip=tip)
    eligibility = _decide(policy, order, line, choices.reason, today)
    if not eligibility.eligible:
        return NextStep("refuse", choices, line=line, eligibility=eligibility)
    if choices.resolution not in eligibility.resolutions:
        return NextStep("ask_resolution", choices, line=line, eligibility=eligibility)
    kind: StepKind = "create" if step == "confirm" and answer == "yes" else "summary"
    return NextStep(kind, choices, line=line, eligibility=eligibility)


def recheck(
    order: Order, choices: ReturnChoices, *, policy: ReturnsPolicy, today: date
) -> Eligibility | None:
    """The decision to record, taken again from ``order`` as it is now, whatever the
    conversation claims; None when the request does not hold: an unknown reason, an item
    that is not on the order, an item not eligible today, or a resolution the policy
    does not offer for it. Nothing is written then."""
    if choices.reason not in REASONS:
        return None
    line = next((line for line in order.lines if line.sku == choices.sku), None)
    if line is None:
        return None
    eligibility = _decide(policy, order, line, choices.reason, today)
    if not eligibility.eligible or choices.resolution not in eligibility.resolutions:
        return None
    return eligibility
