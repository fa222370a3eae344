"""Hybrid search and the bot's decision: answer, ask which one, or admit it does not know.

The fused score is the best cosine between the question and any chunk of an article,
plus a bounded lexical bonus (BM25 divided by its query-specific ceiling, in [0, 1]).
Both parts are absolute, not rank-based, so one set of thresholds, calibrated on the
golden questions (``comptoir kb calibrate``), holds on any folder of articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel

from comptoir.kb.articles import Article
from comptoir.kb.embedder import Embedder
from comptoir.kb.index import KnowledgeIndex, LanguageIndex
from comptoir.kb.lexical import terms

Decision = Literal["answer", "clarify", "none"]
Mode = Literal["hybrid", "dense", "lexical"]
THRESHOLDS_FILE = Path(__file__).resolve().parents[2] / "kb_thresholds.yml"
DENSE_CHUNKS = 64  # nearest chunks asked of FAISS per language
LEXICAL_CANDIDATES = 64  # best BM25 articles kept per language


class Thresholds(BaseModel):
    """Decision thresholds for one embedding model (see kb_thresholds.yml)."""

    lexical_weight: float = 0.3
    answer: float = 0.9
    margin: float = 0.02
    clarify: float = 0.85
    clarify_window: float = 0.04


def load_thresholds(model_name: str, path: Path = THRESHOLDS_FILE) -> Thresholds:
    """The calibrated thresholds of ``model_name`` (defaults if it was never calibrated)."""
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entry = (data.get("models") or {}).get(model_name)
        if entry:
            return Thresholds.model_validate(entry)
    return Thresholds()


@dataclass(frozen=True)
class Candidate:
    """One ranked article with the parts of its score."""

    article: Article
    score: float
    dense: float
    lexical: float


@dataclass
class SearchResult:
    """What the bot would do with a question, and why."""

    question: str
    language: str
    decision: Decision
    answer: Article | None
    candidates: list[Candidate] = field(default_factory=list)
    fallback_language: bool = False

    def as_json(self) -> dict[str, object]:
        """The shape printed by ``comptoir kb search --json`` / ``--batch``."""
        return {
            "question": self.question,
            "decision": self.decision,
            "answer_id": self.answer.id if self.answer else None,
            "candidates": [
                {"id": c.article.id, "score": round(c.score, 4)} for c in self.candidates
            ],
        }


def _rank(
    part: LanguageIndex, query_vector: np.ndarray, query_terms: list[str], weight: float, mode: Mode
) -> list[Candidate]:
    if not part.articles:
        return []
    dense: dict[int, float] = {}
    if mode != "lexical":
        k = min(part.faiss_index.ntotal, DENSE_CHUNKS)
        sims, rows = part.faiss_index.search(query_vector.reshape(1, -1), k)
        for sim, row in zip(sims[0], rows[0], strict=True):
            if row < 0:
                continue
            owner = int(part.chunk_owner[row])
            dense[owner] = max(dense.get(owner, -1.0), float(sim))
    lexical: dict[int, float] = {}
    if mode != "dense":
        ceiling = part.bm25.max_score(query_terms) or 1.0
        scores = part.bm25.scores(query_terms) / ceiling
        # Scored: the dense candidates, and the best lexical matches. Any other article
        # has no dense part and a lexical part below the weakest of those 64, so it could
        # not rank above them: the top of the fused ranking is exactly as if all counted.
        best = np.flatnonzero(scores)
        if len(best) > LEXICAL_CANDIDATES:
            best = best[np.argpartition(scores[best], -LEXICAL_CANDIDATES)[-LEXICAL_CANDIDATES:]]
        kept = set(best.tolist()) | set(dense)
        lexical = {i: float(scores[i]) for i in kept if scores[i] > 0}
    candidates = []
    for position in set(dense) | set(lexical):
        d, lx = dense.get(position, 0.0), lexical.get(position, 0.0)
        if mode == "dense":
            score = d
        elif mode == "lexical":
            score = lx
        else:
            score = d + weight * lx
        candidates.append(Candidate(part.articles[position], score, d, lx))
    candidates.sort(key=lambda c: c.score, reverse=True)
    return candidates


Ranked = dict[str, list[Candidate]]


def reweight(ranked: Ranked, weight: float, mode: Mode = "hybrid") -> Ranked:
    """Re-score candidates with another lexical weight, without re-embedding anything."""
    result: Ranked = {}
    for language, candidates in ranked.items():
        rescored = []
        for c in candidates:
            score = (
                c.dense
                if mode == "dense"
                else c.lexical
                if mode == "lexical"
                else (c.dense + weight * c.lexical)
            )
            rescored.append(Candidate(c.article, score, c.dense, c.lexical))
        rescored.sort(key=lambda c: c.score, reverse=True)
        result[language] = rescored
    return result


class Searcher:
    """Answers questions from a knowledge index snapshot."""

    def __init__(self, embedder: Embedder, thresholds: Thresholds) -> None:
        self.embedder = embedder
        self.thresholds = thresholds

    def ranked(self, index: KnowledgeIndex, question: str, mode: Mode = "hybrid") -> Ranked:
        """Candidates of every language, best first (the question is embedded once)."""
        vector = self.embedder.queries([question])[0] if mode != "lexical" else None
        weight = self.thresholds.lexical_weight
        return {
            language: _rank(part, vector, terms(question, language), weight, mode)
            for language, part in index.by_language.items()
        }

    def _decide(self, candidates: list[Candidate]) -> tuple[Decision, list[Candidate]]:
        t = self.thresholds
        if not candidates or candidates[0].score < t.clarify:
            return "none", []
        best = candidates[0].score
        second = candidates[1].score if len(candidates) > 1 else -1.0
        if best >= t.answer and best - second >= t.margin:
            return "answer", [candidates[0]]
        close = [c for c in candidates[:3] if best - c.score <= t.clarify_window]
        if len(close) == 1:
            return ("answer", close) if best >= t.answer else ("clarify", close)
        return "clarify", close

    def decide(
        self, index: KnowledgeIndex, question: str, language: str, ranked: Ranked
    ) -> SearchResult:
        """Decide in the conversation's language, falling back to the other one."""
        own = ranked.get(language, [])
        decision, chosen = self._decide(own)
        fallback = False
        if decision == "none":
            other = "en" if language == "fr" else "fr"
            other_decision, other_chosen = self._decide(ranked.get(other, []))
            if other_decision != "none":
                decision, fallback = other_decision, True
                chosen = [
                    Candidate(
                        index.translation(c.article, language) or c.article,
                        c.score,
                        c.dense,
                        c.lexical,
                    )
                    for c in other_chosen
                ]
        answer = chosen[0].article if decision == "answer" else None
        shown = chosen if decision == "clarify" else (chosen or own)[:5]
        if decision == "answer":
            shown = chosen + [c for c in own if c.article.id != chosen[0].article.id][:4]
        return SearchResult(question, language, decision, answer, shown, fallback)

    def search(
        self, index: KnowledgeIndex, question: str, language: str, mode: Mode = "hybrid"
    ) -> SearchResult:
        """Rank and decide for one question."""
        return self.decide(index, question, language, self.ranked(index, question, mode))
