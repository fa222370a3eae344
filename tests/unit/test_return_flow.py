"""The return conversation's decisions, without a database or Rasa: data in, next step out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from comptoir.shop import return_flow, return_wording
from comptoir.shop.models import (
    ORDER_STATUSES,
    RETURN_STATUSES,
    Order,
    OrderLine,
    Shipment,
    TrackingEvent,
)
from comptoir.shop.policy import REASONS, ReturnsPolicy
from comptoir.shop.return_flow import ReturnChoices, next_step
from comptoir.shop.returns import SETTABLE_STATUSES, TRANSITIONS
from comptoir.shop.wording import ORDER_STATUS_PHRASES

TODAY = date(2026, 11, 24)
POLICY = ReturnsPolicy(excluded_from_withdrawal={"categories": ["audio-hygiene"]})


def order(*items: tuple[str, str], delivered_days_ago: int | None = 3) -> Order:
    """An order of (sku, category) items, delivered that many days ago (None: not yet)."""
    events = []
    if delivered_days_ago is not None:
        at = datetime.combine(TODAY - timedelta(days=delivered_days_ago), datetime.min.time())
        events = [TrackingEvent(at=at.replace(tzinfo=UTC), status="delivered")]
    return Order(
        number="CMD-1",
        status="delivered" if delivered_days_ago is not None else "in_transit",
        lines=[
            OrderLine(sku=sku, name=sku.title(), qty=1, unit_price=10, category=category)
            for sku, category in items
        ],
        shipments=[Shipment(carrier="colissimo", tracking_number="1", skus=[], events=events)],
    )


def step(the_order: Order, answer=None, **choices):
    return next_step(
        the_order,
        ReturnChoices(**choices),
        answer=answer,
        policy=POLICY,
        today=TODAY,
        find_tip={"depannage-lampe": "Check the bulb."}.get,
    )


LAMP = ("LAMP", "lighting")
CANDLE = ("CANDLE", "home")


def test_the_item_is_asked_only_when_there_are_several():
    assert step(order(LAMP, CANDLE)).kind == "ask_item"
    single = step(order(CANDLE))
    assert single.kind == "ask_reason" and single.choices.sku == "CANDLE"


def test_a_faulty_lamp_gets_the_tip_once():
    tip = step(order(LAMP), reason="defective")
    assert tip.kind == "tip" and tip.tip == "Check the bulb." and tip.waits_at == "troubleshooting"
    solved = step(order(LAMP), "yes", reason="defective", step="troubleshooting")
    assert solved.kind == "tip_solved" and solved.ends_the_request
    failed = step(order(LAMP), "no", reason="defective", step="troubleshooting")
    assert failed.kind == "ask_resolution"
    assert failed.eligibility.resolutions == ("repair", "exchange", "refund")


def test_no_tip_without_its_article():
    speaker = step(order(("SPEAKER", "audio")), reason="defective")
    assert speaker.kind == "ask_resolution"


def test_the_summary_and_the_creation_share_one_decision(monkeypatch):
    calls = []
    decide = return_flow.decide
    monkeypatch.setattr(return_flow, "decide", lambda *a, **k: calls.append(1) or decide(*a, **k))
    choices = {"reason": "changed_mind", "resolution": "refund"}
    summary = step(order(CANDLE), **choices)
    assert summary.kind == "summary" and summary.waits_at == "confirm"
    create = step(order(CANDLE), "yes", step="confirm", **choices)
    assert create.kind == "create" and create.eligibility == summary.eligibility
    assert len(calls) == 2  # once per step
    declined = step(order(CANDLE), "no", step="confirm", **choices)
    assert declined.kind == "declined" and declined.ends_the_request


def test_refusals():
    late = step(order(CANDLE, delivered_days_ago=40), reason="changed_mind")
    assert late.kind == "refuse" and late.eligibility.refusal == "window_closed"
    hygiene = step(order(("EARBUDS", "audio-hygiene")), reason="changed_mind")
    assert hygiene.eligibility.refusal == "excluded"
    not_yet = step(order(CANDLE, delivered_days_ago=None), reason="damaged_in_transit")
    assert not_yet.eligibility.refusal == "not_delivered"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_refusal_can_be_said(language):
    for refusal in ("window_closed", "excluded", "guarantee_expired"):
        old = step(order(CANDLE, delivered_days_ago=800), reason="changed_mind")
        text = return_wording.refusal(replace(old.eligibility, refusal=refusal), POLICY, language)
        assert text and "{" not in text
    not_yet = step(order(CANDLE, delivered_days_ago=None), reason="changed_mind")
    assert return_wording.refusal(not_yet.eligibility, POLICY, language)


def test_one_list_of_statuses_with_a_label_for_each():
    assert set(return_wording.STATUS_LABELS) == set(RETURN_STATUSES)
    assert set(return_wording.REASON_LABELS) == set(REASONS)
    assert set(ORDER_STATUS_PHRASES) == set(ORDER_STATUSES)
    targets = {status for following in TRANSITIONS.values() for status in following}
    assert set(SETTABLE_STATUSES) == targets and set(TRANSITIONS) <= set(RETURN_STATUSES)
