"""Calibrate the decision on each knowledge base, automatically, when it is built.

Absolute cosine thresholds fitted on our articles do not hold on a shop's plain FAQ:
its right answers and its unanswerable questions' best matches sit on another scale.
So every build measures the knowledge base's own background: each article's title and
headings, asked as if a shopper typed them, ranked against every *other* article. The
best of those scores is what an on-topic question with no article of its own looks
like. Their mean and spread turn the model's relative thresholds (``decision.py``)
into absolute ones for this knowledge base, per language. The same pass notes the
articles whose titles the search cannot tell apart, for the editors.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

import numpy as np

from comptoir.kb.articles import Article
from comptoir.kb.decision import Calibration, ClosePair
from comptoir.kb.index import KnowledgeIndex, LanguageIndex

if TYPE_CHECKING:
    from comptoir.kb.search import Searcher

MIN_ARTICLES = 4  # below this, a background cannot be measured: fixed thresholds apply
MAX_PSEUDO_QUESTIONS = 400  # per language; a 10,000-article base is sampled evenly
MIN_SPREAD = 0.01


def pseudo_questions(articles: list[Article]) -> list[tuple[Article, str, bool]]:
    """(article, text, is_title) for every title and heading, sampled evenly if many."""
    items = [(a, a.title, True) for a in articles]
    items += [(a, s.heading, False) for a in articles for s in a.sections if s.heading]
    if len(items) > MAX_PSEUDO_QUESTIONS:
        step = len(items) / MAX_PSEUDO_QUESTIONS
        items = [items[int(i * step)] for i in range(MAX_PSEUDO_QUESTIONS)]
    return items


def _calibrate_part(searcher: Searcher, part: LanguageIndex, language: str) -> Calibration | None:
    """Background and close pairs of one language's articles (None if too few)."""
    if len(part.articles) < MIN_ARTICLES:
        return None
    items = pseudo_questions(part.articles)
    vectors = searcher.query_vectors([text for _, text, _ in items])
    background: list[float] = []
    pairs: dict[tuple[str, str], float] = {}
    base = searcher.thresholds
    for (article, text, is_title), vector in zip(items, vectors, strict=True):
        ranked = searcher.rank_part(part, vector, text, language)
        own = next((c.score for c in ranked if c.article.id == article.id), None)
        other = next((c for c in ranked if c.article.id != article.id), None)
        if other is None:
            continue
        background.append(other.score)
        if is_title and own is not None:
            pairs[(article.id, other.article.id)] = own - other.score
    mean = statistics.fmean(background)
    spread = max(float(np.std(background)), MIN_SPREAD)
    thresholds = base.scaled(mean, spread)
    close = sorted(
        (ClosePair(a, b, gap) for (a, b), gap in pairs.items() if gap < thresholds.margin),
        key=lambda p: p.gap,
    )
    return Calibration(language, len(background), mean, spread, thresholds, tuple(close))


def calibrate(searcher: Searcher, index: KnowledgeIndex) -> dict[str, Calibration]:
    """Calibrate every language of ``index`` (stored on it by the caller)."""
    result = {}
    for language, part in index.by_language.items():
        calibration = _calibrate_part(searcher, part, language)
        if calibration is not None:
            result[language] = calibration
    return result
