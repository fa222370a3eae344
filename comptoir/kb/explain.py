"""Why the bot would answer, ask which article, or admit it does not know.

``decision.decide`` applies the rule; this module spells out, for the editors' preview,
which condition of that rule decided, with the numbers it compared: the best score, its
lead over the second, and the thresholds in use. It gives codes and numbers, never
sentences: the console turns them into words in the editor's language.

The branches below follow ``decide`` one for one (``tests/unit/test_kb_explain.py``
checks on random rankings that both always agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from comptoir.kb.decision import MAX_CHOICES, Decision, Thresholds

Reason = Literal[
    # none
    "no_candidates",  # no article shares anything with the question
    "below_clarify",  # best < clarify: nothing plausible
    # answer
    "answer_clear_lead",  # best >= answer and best - second >= margin
    "answer_only_candidate",  # best >= answer and no second candidate at all
    "answer_no_rival_in_window",  # best >= answer, lead < margin, but the second is
    # further than clarify_window: nothing to offer beside it
    # clarify
    "close_candidates",  # best >= answer but lead < margin: several too close to choose
    "below_answer_candidates",  # clarify <= best < answer, several within the window
    "single_plausible_below_answer",  # clarify <= best < answer, alone within the window
]

# What the decision would have been without a second candidate (``decide`` compares the
# best with -1 then): the lead is reported as None, not as best + 1.
_NO_SECOND = -1.0
PLACES = 6


class ThresholdsUsed(BaseModel):
    """The four numbers the decision compares scores with."""

    answer: float
    clarify: float
    margin: float
    clarify_window: float


class Explanation(BaseModel):
    """The decision on one ranking and the condition that made it."""

    decision: Decision
    reason: Reason
    best: float | None
    second: float | None
    lead: float | None  # best - second
    offered: int  # articles the decision keeps: 1 for an answer, 1-3 for a clarify
    thresholds: ThresholdsUsed

    def as_json(self) -> dict[str, object]:
        """For the editors' preview. Rounded to 6 places, not 3 or 4: a best score just
        under a threshold must not print as equal to it (the console shows 3 places,
        more only when two compared numbers would otherwise look the same)."""
        data = self.model_dump()
        for key in ("best", "second", "lead"):
            if data[key] is not None:
                data[key] = round(data[key], PLACES)
        data["thresholds"] = {k: round(v, PLACES) for k, v in data["thresholds"].items()}
        return data


def explain(scores: Sequence[float], thresholds: Thresholds) -> Explanation:
    """Explain ``decide`` on candidates with these fused ``scores``, best first."""
    t = thresholds
    used = ThresholdsUsed(
        answer=t.answer, clarify=t.clarify, margin=t.margin, clarify_window=t.clarify_window
    )
    ordered = sorted(scores, reverse=True)
    best = ordered[0] if ordered else None
    second = ordered[1] if len(ordered) > 1 else None
    lead = best - second if best is not None and second is not None else None

    def result(decision: Decision, reason: Reason, offered: int) -> Explanation:
        return Explanation(
            decision=decision,
            reason=reason,
            best=best,
            second=second,
            lead=lead,
            offered=offered,
            thresholds=used,
        )

    if best is None:
        return result("none", "no_candidates", 0)
    if best < t.clarify:
        return result("none", "below_clarify", 0)
    rival = second if second is not None else _NO_SECOND
    if best >= t.answer and best - rival >= t.margin:
        return result(
            "answer", "answer_clear_lead" if second is not None else "answer_only_candidate", 1
        )
    close = [s for s in ordered[:MAX_CHOICES] if best - s <= t.clarify_window]
    if len(close) == 1:
        if best >= t.answer:
            return result("answer", "answer_no_rival_in_window", 1)
        return result("clarify", "single_plausible_below_answer", 1)
    if best >= t.answer:
        return result("clarify", "close_candidates", len(close))
    return result("clarify", "below_answer_candidates", len(close))
