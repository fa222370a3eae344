"""The quality suite: our articles, our articles as a new shop would write them, and
other shops' knowledge bases written by people who never saw the search code.

Figures on our own articles flatter us: their ``questions:`` lists were written by the
team that wrote the golden questions. The suite reports them next to the same articles
stripped of those lists, and next to each independent shop's plain articles and
questions (``tests/fixtures/kb_shops/<shop>/articles`` and ``questions.yml``), against
the targets a shop can hold us to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from comptoir.kb.articles import Article
from comptoir.kb.evaluation import Report, evaluate
from comptoir.kb.golden import load_golden
from comptoir.kb.search import Searcher
from comptoir.kb.service import build_index_with
from comptoir.settings import Settings

MIN_HELPED = 0.85  # answered right, or the right article offered in a "did you mean"
MAX_WRONG = 0.05  # answered with the wrong article
MAX_UNANSWERABLE_ANSWERED = 0.10


def without_questions(article: Article) -> Article:
    """The article as a shop's plain FAQ has it: no question list, no tags."""
    return dataclasses.replace(article, questions=(), tags=())


@dataclass(frozen=True)
class SuiteSet:
    """One knowledge base and the questions asked of it."""

    name: str
    knowledge_dir: Path
    questions: Path
    transform: Callable[[Article], Article] | None = None


@dataclass
class SuiteResult:
    """The figures of one set, and whether they meet the targets."""

    suite_set: SuiteSet
    reports: dict[str, Report]
    calibration: dict[str, dict[str, object]]

    @property
    def passed(self) -> bool:
        """Every language with questions meets the targets; unanswerables stay unanswered."""
        asked = [r for name, r in self.reports.items() if name != "unanswerable" and r.questions]
        unanswerable = self.reports["unanswerable"]
        return all(r.helped >= MIN_HELPED and r.answered_wrong <= MAX_WRONG for r in asked) and (
            not unanswerable.questions or unanswerable.answered_wrong <= MAX_UNANSWERABLE_ANSWERED
        )


def suite_sets(knowledge_dir: Path, shops_dir: Path | None) -> list[SuiteSet]:
    """Ours with and without question lists, then every shop folder under ``shops_dir``."""
    golden = knowledge_dir / "golden.yml"
    sets = [
        SuiteSet("ours, with question lists", knowledge_dir, golden),
        SuiteSet("ours, without question lists", knowledge_dir, golden, without_questions),
    ]
    if shops_dir is not None and shops_dir.is_dir():
        for shop in sorted(p for p in shops_dir.iterdir() if (p / "questions.yml").exists()):
            sets.append(SuiteSet(shop.name, shop / "articles", shop / "questions.yml"))
    return sets


def run_suite(settings: Settings, searcher: Searcher, sets: list[SuiteSet]) -> list[SuiteResult]:
    """Build, calibrate and evaluate every set (nothing is written to the index cache)."""
    results = []
    for suite_set in sets:
        index = build_index_with(
            settings,
            searcher,
            suite_set.knowledge_dir,
            persist=False,
            transform=suite_set.transform,
        )
        reports = evaluate(searcher, index, load_golden(suite_set.questions))
        calibration = {lang: c.as_json() for lang, c in index.calibration.items()}
        results.append(SuiteResult(suite_set, reports, calibration))
    return results
