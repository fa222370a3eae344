"""Measure search quality on a set of questions, and fit the relative thresholds.

Ranking metrics (top-1, recall@3, MRR) say whether the right article comes first;
decision metrics say what shoppers would see: right answers, wrong answers, a "did you
mean" that offers the right article, and unanswerable questions wrongly answered.
Fitting (``fit_relative``) picks the model's relative thresholds on development sets,
each knowledge base being scaled by its own calibration, so the constants that come out
are about the model, not about any one shop's articles.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from comptoir.kb.decision import RelativeThresholds
from comptoir.kb.golden import GoldenQuestion
from comptoir.kb.index import KnowledgeIndex
from comptoir.kb.search import Candidate, Mode, Ranked, Searcher, reweight

_RATES = (
    "top1",
    "recall3",
    "mrr",
    "answered_right",
    "answered_wrong",
    "clarified",
    "clarified_right",
    "no_answer",
)


@dataclass
class Report:
    """Quality figures for one language (or the unanswerable set)."""

    questions: int = 0
    top1: float = 0.0
    recall3: float = 0.0
    mrr: float = 0.0
    answered_right: float = 0.0
    answered_wrong: float = 0.0
    clarified: float = 0.0
    clarified_right: float = 0.0
    no_answer: float = 0.0

    @property
    def helped(self) -> float:
        """Answered right, or offered the right article in a "did you mean"."""
        return self.answered_right + self.clarified_right

    def as_json(self) -> dict[str, float | int]:
        figures = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}
        return figures | {"helped": round(self.helped, 4)}


def _rank_of(candidates: list[Candidate], index: KnowledgeIndex, expected: str) -> int:
    """1-based rank of the expected article (its translation counts too), 0 if absent."""
    wanted = {expected}
    target = index.by_id.get(expected)
    if target is not None:
        other = index.translation(target, "en" if target.lang == "fr" else "fr")
        if other is not None:
            wanted.add(other.id)
    for position, candidate in enumerate(candidates, start=1):
        if candidate.article.id in wanted:
            return position
    return 0


def score_all(
    searcher: Searcher, index: KnowledgeIndex, golden: list[GoldenQuestion], mode: Mode
) -> list[Ranked]:
    """Rank every golden question once (the expensive, embedding part)."""
    return [searcher.ranked(index, item.question, mode) for item in golden]


def evaluate_ranked(
    searcher: Searcher,
    index: KnowledgeIndex,
    golden: list[GoldenQuestion],
    ranked_all: list[Ranked],
) -> dict[str, Report]:
    """Reports for 'fr', 'en' and 'unanswerable' from precomputed rankings."""
    reports = {"fr": Report(), "en": Report(), "unanswerable": Report()}
    for item, ranked in zip(golden, ranked_all, strict=True):
        result = searcher.decide(index, item.question, item.language, ranked)
        report = reports["unanswerable" if item.expected is None else item.language]
        report.questions += 1
        if item.expected is not None:
            rank = _rank_of(ranked.get(item.language, []), index, item.expected)
            report.top1 += rank == 1
            report.recall3 += 0 < rank <= 3
            report.mrr += 1 / rank if rank else 0.0
        if result.decision == "answer":
            right = (
                item.expected is not None
                and _rank_of(result.candidates[:1], index, item.expected) == 1
            )
            report.answered_right += right
            report.answered_wrong += not right
        elif result.decision == "clarify":
            report.clarified += 1
            if item.expected is not None:
                report.clarified_right += _rank_of(result.candidates, index, item.expected) > 0
        else:
            report.no_answer += 1
    for report in reports.values():
        if report.questions:
            for name in _RATES:
                setattr(report, name, getattr(report, name) / report.questions)
    return reports


def evaluate(
    searcher: Searcher, index: KnowledgeIndex, golden: list[GoldenQuestion], mode: Mode = "hybrid"
) -> dict[str, Report]:
    """Rank and decide every golden question with the searcher's thresholds."""
    ranked_all = score_all(searcher, index, golden, mode)
    if mode != "hybrid":
        ranked_all = [reweight(r, searcher.thresholds.lexical_weight, mode) for r in ranked_all]
    return evaluate_ranked(searcher, index, golden, ranked_all)


Dataset = tuple[KnowledgeIndex, list[GoldenQuestion]]
_ANSWER = (-1.2, -1.0, -0.8, -0.6, -0.4, -0.2, 0.0, 0.2, 0.4)
_CLARIFY = (-2.0, -1.8, -1.6, -1.4, -1.2, -1.0, -0.8, -0.6, -0.4)
# Bars on the development sets, stricter than the targets (wrong ≤ 5%, unanswerable
# answered ≤ 10%), to leave room for knowledge bases nobody tuned.
_MAX_WRONG = 0.03
_MAX_UNANSWERABLE_ANSWERED = 0.05
_MARGIN = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2)
_WINDOW = (0.5, 0.7, 1.0)


def _objective(reports: dict[str, Report]) -> float | None:
    """Higher is better; None when wrong answers or answered unanswerables pass the bar."""
    total = 0.0
    for name in ("fr", "en"):
        r = reports[name]
        if r.questions:
            if r.answered_wrong > _MAX_WRONG:
                return None
            total += r.helped + 0.7 * r.answered_right - 3 * r.answered_wrong
    unanswerable = reports["unanswerable"]
    if unanswerable.answered_wrong > _MAX_UNANSWERABLE_ANSWERED:
        return None
    # A "did you mean" on a question with no article costs the shopper a click, not a
    # wrong answer: it weighs little, which keeps the bot asking rather than giving up.
    return total - unanswerable.answered_wrong - 0.15 * unanswerable.clarified


def fit_relative(searcher: Searcher, datasets: list[Dataset]) -> RelativeThresholds:
    """Grid-search the relative thresholds that do best on every development set at once.

    Each index carries its own calibration (background mean and spread); the candidate
    constants are scaled by it, exactly as they will be on a shop's knowledge base.
    """
    ranked = [score_all(searcher, index, golden, "hybrid") for index, golden in datasets]
    original = searcher.thresholds
    base_calibrations = [dict(index.calibration) for index, _ in datasets]
    best: tuple[float, RelativeThresholds] | None = None
    try:
        for answer, clarify, margin, window in itertools.product(
            _ANSWER, _CLARIFY, _MARGIN, _WINDOW
        ):
            relative = RelativeThresholds(
                answer=answer, clarify=clarify, margin=margin, clarify_window=window
            )
            searcher.thresholds = original.model_copy(update={"relative": relative})
            total = 0.0
            for (index, golden), ranked_all, calibrations in zip(
                datasets, ranked, base_calibrations, strict=True
            ):
                index.calibration = {
                    language: replace(
                        c,
                        thresholds=searcher.thresholds.scaled(
                            c.background_mean, c.background_spread
                        ),
                    )
                    for language, c in calibrations.items()
                }
                score = _objective(evaluate_ranked(searcher, index, golden, ranked_all))
                if score is None:
                    break
                total += score
            else:
                if best is None or total > best[0]:
                    best = (total, relative)
    finally:
        searcher.thresholds = original
        for (index, _), calibrations in zip(datasets, base_calibrations, strict=True):
            index.calibration = calibrations
    if best is None:
        raise RuntimeError("no thresholds keep wrong and unanswerable answers rare enough")
    return best[1]
