"""Return eligibility: window edges, weekends and holidays, exclusions, warranty, costs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.calendar import is_working_day
from comptoir.shop.eligibility import decide, withdrawal_deadline
from comptoir.shop.policy import REASONS, ReturnsPolicy, load_policy

POLICY = load_policy()
TODAY = date(2026, 11, 24)


def lamp(reason: str, delivered_on: date | None, policy: ReturnsPolicy = POLICY):
    """The decision for the shop's table lamp (no exclusion applies), asked on TODAY."""
    return decide(
        policy,
        reason=reason,
        sku="LAMP",
        category="lighting",
        delivered_on=delivered_on,
        today=TODAY,
    )


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def test_shipped_policy_file_is_valid_and_matches_the_law():
    assert (POLICY.withdrawal_days, POLICY.refund_days, POLICY.legal_guarantee_years) == (14, 10, 2)


def test_policy_cannot_go_below_the_law():
    with pytest.raises(ValueError, match="withdrawal_days"):
        ReturnsPolicy.model_validate({"withdrawal_days": 7})
    with pytest.raises(ValueError, match="return_shipping"):
        ReturnsPolicy.model_validate({"return_shipping": {"defective": "shopper"}})


def test_a_typo_in_the_policy_file_names_the_field(tmp_path):
    broken = tmp_path / "returns.yml"
    broken.write_text("withdrawal_days: 14\nrefund_dayz: 10\n", encoding="utf-8")
    with pytest.raises(ValueError, match="refund_dayz"):
        load_policy(broken)


def test_the_operator_can_point_to_another_policy_file(tmp_path, monkeypatch):
    from comptoir.settings import get_settings

    own = tmp_path / "returns.yml"
    own.write_text("withdrawal_days: 30\n", encoding="utf-8")
    monkeypatch.setenv("COMPTOIR_RETURNS_POLICY", str(own))
    get_settings.cache_clear()
    try:
        assert load_policy().withdrawal_days == 30
    finally:
        get_settings.cache_clear()


@given(days)
def test_deadline_is_a_working_day_at_least_14_days_after_delivery(delivered):
    deadline = withdrawal_deadline(POLICY, delivered)
    assert deadline >= delivered + timedelta(days=14)
    assert is_working_day(deadline)
    # never extended past the first working day on or after day 14
    day = delivered + timedelta(days=14)
    while day < deadline:
        assert not is_working_day(day)
        day += timedelta(days=1)


@given(days, st.integers(min_value=0, max_value=40))
def test_change_of_mind_accepted_exactly_until_the_deadline(delivered, after):
    today = delivered + timedelta(days=after)
    result = decide(
        POLICY,
        reason="changed_mind",
        sku="LAMP",
        category="lighting",
        delivered_on=delivered,
        today=today,
    )
    assert result.eligible == (today <= withdrawal_deadline(POLICY, delivered))
    if not result.eligible:
        assert result.refusal == "window_closed"


def test_deadline_ending_on_a_sunday_runs_to_monday():
    delivered = date(2026, 11, 1)  # Sunday 1 Nov + 14 = Sunday 15 Nov
    assert withdrawal_deadline(POLICY, delivered) == date(2026, 11, 16)


def test_deadline_ending_on_a_public_holiday_runs_to_the_next_working_day():
    delivered = date(2026, 10, 28)  # + 14 = Wednesday 11 November (Armistice)
    assert withdrawal_deadline(POLICY, delivered) == date(2026, 11, 12)
    delivered = date(2026, 12, 11)  # + 14 = Friday 25 December
    assert withdrawal_deadline(POLICY, delivered) == date(2026, 12, 28)


def test_one_day_too_late_is_refused_with_the_reason():
    delivered = date(2026, 11, 3)
    deadline = withdrawal_deadline(POLICY, delivered)
    late = decide(
        POLICY,
        reason="changed_mind",
        sku="LAMP",
        category="lighting",
        delivered_on=delivered,
        today=deadline + timedelta(days=1),
    )
    assert not late.eligible and late.refusal == "window_closed"


def test_excluded_items_cannot_be_returned_for_a_change_of_mind_but_defects_can():
    common = dict(
        sku="EARBUDS-SOLO",
        category="audio-hygiene",
        delivered_on=date(2026, 11, 3),
        today=date(2026, 11, 5),
    )
    assert decide(POLICY, reason="changed_mind", **common).refusal == "excluded"
    assert decide(POLICY, reason="defective", **common).eligible


@pytest.mark.parametrize(
    ("delivered_on", "eligible", "rule_or_refusal"),
    [
        (date(2026, 1, 10), True, "legal_guarantee"),  # past the 14 days, within 2 years
        (date(2024, 11, 1), False, "guarantee_expired"),  # past the 2-year guarantee
    ],
)
def test_a_late_defect_falls_under_the_guarantee_until_it_expires(
    delivered_on, eligible, rule_or_refusal
):
    result = lamp("defective", delivered_on)
    assert result.eligible is eligible
    if eligible:
        assert result.rule == rule_or_refusal and result.payer == "shop"
        assert result.resolutions == ("repair", "exchange")
    else:
        assert result.refusal == rule_or_refusal


@pytest.mark.parametrize("reason", REASONS)
def test_who_pays_the_label(reason):
    result = lamp(reason, date(2026, 11, 20))
    expected = "shopper" if reason in ("changed_mind", "does_not_fit") else "shop"
    assert result.eligible and result.payer == expected


def test_shop_can_offer_free_returns_for_a_change_of_mind():
    generous = ReturnsPolicy.model_validate({"return_shipping": {"changed_mind": "shop"}})
    result = lamp("changed_mind", date(2026, 11, 20), policy=generous)
    assert result.payer == "shop"


def test_not_delivered_yet():
    result = lamp("changed_mind", None)
    assert not result.eligible and result.refusal == "not_delivered"
