"""Measure search quality on the golden questions, and calibrate the thresholds.

Ranking metrics (top-1, recall@3, MRR) say whether the right article comes first;
decision metrics say what shoppers would see: right answers, wrong answers, "did you
mean", and unanswerable questions wrongly answered. Calibration picks the thresholds
that maximise right answers while keeping wrong answers rare.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from comptoir.kb.golden import GoldenQuestion
from comptoir.kb.index import KnowledgeIndex
from comptoir.kb.search import Candidate, Mode, Ranked, Searcher, Thresholds, reweight

_RATES = ("top1", "recall3", "mrr", "answered_right", "answered_wrong", "clarified", "no_answer")


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
    no_answer: float = 0.0

    def as_json(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}


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


def calibrate(
    searcher: Searcher,
    index: KnowledgeIndex,
    golden: list[GoldenQuestion],
    max_unanswerable_answered: float = 0.10,
) -> tuple[Thresholds, dict[str, Report]]:
    """Grid-search the thresholds: reward right answers, punish wrong ones three times."""
    raw = score_all(searcher, index, golden, "hybrid")
    original = searcher.thresholds
    best: tuple[float, Thresholds, dict[str, Report]] | None = None
    try:
        for weight in (0.0, 0.1, 0.2, 0.3, 0.5):
            ranked_all = [reweight(r, weight) for r in raw]
            tops = sorted(
                r[g.language][0].score
                for r, g in zip(ranked_all, golden, strict=True)
                if r.get(g.language)
            )
            grid = sorted({round(tops[int(len(tops) * q / 40)], 3) for q in range(40)})
            for answer, margin, gap in itertools.product(grid, (0.0, 0.01, 0.02), (0.0, 0.02)):
                searcher.thresholds = Thresholds(
                    lexical_weight=weight,
                    answer=answer,
                    margin=margin,
                    clarify=answer - gap,
                    clarify_window=0.02,
                )
                reports = evaluate_ranked(searcher, index, golden, ranked_all)
                unanswered = reports["unanswerable"].answered_wrong
                if unanswered > max_unanswerable_answered:
                    continue
                score = (
                    sum(
                        r.answered_right - 3 * r.answered_wrong + 0.3 * r.clarified
                        for r in (reports["fr"], reports["en"])
                    )
                    - unanswered
                    - 0.5 * reports["unanswerable"].clarified  # unrelated "did you mean"
                )
                if best is None or score > best[0]:
                    best = (score, searcher.thresholds, reports)
    finally:
        searcher.thresholds = original
    if best is None:
        raise RuntimeError("no thresholds keep unanswerable questions unanswered often enough")
    return best[1], best[2]
