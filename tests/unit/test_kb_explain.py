"""Why the bot would answer, ask or give up: the condition of the rule that decided."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from comptoir.kb.decision import Thresholds, decide
from comptoir.kb.explain import explain

# Round numbers, so each case reads as the rule: answer at 0.9, "did you mean" from 0.8,
# a clear lead is 0.05, and candidates within 0.1 of the best are offered beside it.
T = Thresholds(answer=0.9, clarify=0.8, margin=0.05, clarify_window=0.1)


@dataclass(frozen=True)
class Scored:
    score: float


def test_no_candidate_at_all():
    why = explain([], T)
    assert (why.decision, why.reason, why.offered) == ("none", "no_candidates", 0)
    assert why.best is None and why.second is None and why.lead is None


def test_nothing_plausible_below_the_clarify_threshold():
    why = explain([0.79, 0.5], T)
    assert (why.decision, why.reason, why.offered) == ("none", "below_clarify", 0)
    assert why.best == 0.79 and why.best < why.thresholds.clarify


def test_answer_with_a_clear_lead():
    why = explain([0.95, 0.85, 0.84], T)
    assert (why.decision, why.reason, why.offered) == ("answer", "answer_clear_lead", 1)
    assert why.best == 0.95 and why.second == 0.85
    assert why.lead == pytest.approx(0.10)
    assert why.best >= why.thresholds.answer and why.lead >= why.thresholds.margin


def test_answer_when_it_is_the_only_candidate():
    why = explain([0.91], T)
    assert (why.decision, why.reason, why.offered) == ("answer", "answer_only_candidate", 1)
    assert why.second is None and why.lead is None


def test_close_candidates_above_the_answer_threshold_make_a_did_you_mean():
    why = explain([0.95, 0.94, 0.93, 0.80], T)
    assert (why.decision, why.reason, why.offered) == ("clarify", "close_candidates", 3)
    assert why.lead == pytest.approx(0.01) and why.lead < why.thresholds.margin


def test_plausible_but_below_the_answer_threshold_offers_the_close_ones():
    why = explain([0.85, 0.83, 0.70], T)
    assert (why.decision, why.reason, why.offered) == ("clarify", "below_answer_candidates", 2)
    assert why.thresholds.clarify <= why.best < why.thresholds.answer


def test_a_single_plausible_article_below_the_answer_threshold_is_offered_alone():
    why = explain([0.85, 0.70], T)
    assert (why.decision, why.reason, why.offered) == (
        "clarify",
        "single_plausible_below_answer",
        1,
    )


def test_a_lead_below_the_margin_but_no_rival_in_the_window_still_answers():
    # A window narrower than the margin: the second is too far to offer, too close to
    # count as a clear lead; the best alone is sure enough.
    narrow = T.model_copy(update={"margin": 0.2, "clarify_window": 0.05})
    why = explain([0.95, 0.85], narrow)
    assert (why.decision, why.reason, why.offered) == ("answer", "answer_no_rival_in_window", 1)


def test_exactly_on_the_thresholds_counts_as_reached():
    assert explain([0.9, 0.85], T).reason == "answer_clear_lead"
    assert explain([0.8, 0.5], T).reason == "single_plausible_below_answer"


def test_scores_are_read_best_first_whatever_their_order():
    assert explain([0.85, 0.95], T) == explain([0.95, 0.85], T)


def test_the_json_keeps_codes_and_numbers_for_the_console():
    data = explain([0.951234567, 0.9], T).as_json()
    assert data == {
        "decision": "answer",
        "reason": "answer_clear_lead",
        "best": 0.951235,
        "second": 0.9,
        "lead": 0.051235,
        "offered": 1,
        "thresholds": {"answer": 0.9, "clarify": 0.8, "margin": 0.05, "clarify_window": 0.1},
    }


def test_the_explanation_always_agrees_with_the_decision():
    rng = random.Random(13)
    for _ in range(5000):
        scores = sorted((rng.uniform(0.7, 1.0) for _ in range(rng.randint(0, 5))), reverse=True)
        thresholds = Thresholds(
            answer=rng.uniform(0.8, 1.0),
            clarify=rng.uniform(0.7, 0.95),
            margin=rng.choice([0.0, rng.uniform(0.0, 0.1)]),
            clarify_window=rng.uniform(0.0, 0.15),
        )
        decision, chosen = decide([Scored(s) for s in scores], thresholds)
        why = explain(scores, thresholds)
        assert (why.decision, why.offered) == (decision, len(chosen)), (scores, thresholds)
