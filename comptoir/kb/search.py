"""Hybrid search: rank a knowledge base's articles for a question.

The fused score is the best inner product between the question and any chunk of an
article (e5 and the Universal Sentence Encoder fused in one vector, see embedder.py),
plus a bounded lexical bonus: BM25 divided by its query-specific ceiling, in [0, 1],
after the question's misspellings are corrected against the articles' vocabulary and
the e-commerce lexicon has added the shoppers' synonyms. What to do with the ranking
(answer, clarify, none) is ``decision.py``'s job, on thresholds calibrated per
knowledge base (``calibration.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from comptoir.kb.articles import Article
from comptoir.kb.decision import THRESHOLDS_FILE, Decision, Thresholds, decide, load_thresholds
from comptoir.kb.embedder import Embedder
from comptoir.kb.index import KnowledgeIndex, LanguageIndex
from comptoir.kb.lexical import stem, words
from comptoir.kb.lexicon import lexicon_for

__all__ = ["THRESHOLDS_FILE", "Decision", "Thresholds", "load_thresholds"]

Mode = Literal["hybrid", "dense", "lexical"]
DENSE_CHUNKS = 64  # nearest chunks asked of FAISS per language
LEXICAL_CANDIDATES = 64  # best BM25 articles kept per language
SYNONYM_WEIGHT = 0.5  # a lexicon synonym counts half as much as the shopper's own word


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


@dataclass(frozen=True)
class QueryTerms:
    """A question's words as BM25 sees them: corrected spelling, plus lexicon synonyms."""

    own: list[str]
    synonyms: list[str]

    @classmethod
    def of(cls, question: str, part: LanguageIndex, language: str) -> QueryTerms:
        """Correct the question's terms against ``part``'s vocabulary, then expand."""
        typed = words(question, language)
        own = part.speller.correct_all([stem(w, language) for w in typed], typed)
        return cls(own, lexicon_for(language).expand(question, own))


def _lexical_scores(part: LanguageIndex, query: QueryTerms) -> np.ndarray:
    """BM25 in [0, 1]: synonyms add to the score, only the own words set the ceiling."""
    ceiling = part.bm25.max_score(query.own) or 1.0
    weights = dict.fromkeys(query.synonyms, SYNONYM_WEIGHT)
    return np.minimum(part.bm25.scores(query.own + query.synonyms, weights) / ceiling, 1.0)


def _rank(
    part: LanguageIndex, query_vector: np.ndarray, query: QueryTerms, weight: float, mode: Mode
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
        scores = _lexical_scores(part, query)
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

    def __init__(self, embedder: Embedder, thresholds: Thresholds, *, auto: bool = True) -> None:
        """``auto``: decide with the index's own calibration when it has one (the
        default); otherwise, and always when False, with the fixed ``thresholds``."""
        self.embedder = embedder
        self.thresholds = thresholds
        self.auto = auto
        self._remembered: dict[str, np.ndarray] = {}

    def query_vectors(self, texts: list[str]) -> np.ndarray:
        """Embed questions, remembering them: the calibration asks the same titles again
        on every rebuild, and an editor's save should not re-embed a thousand of them."""
        if len(self._remembered) > 50_000:
            self._remembered.clear()
        missing = [t for t in dict.fromkeys(texts) if t not in self._remembered]
        if missing:
            vectors = self.embedder.queries(missing)
            self._remembered.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([self._remembered[t] for t in texts])

    def thresholds_for(self, index: KnowledgeIndex, language: str) -> Thresholds:
        """The thresholds this searcher decides with, on this index, in this language."""
        calibration = index.calibration.get(language) if self.auto else None
        return calibration.thresholds if calibration is not None else self.thresholds

    def rank_part(
        self,
        part: LanguageIndex,
        vector: np.ndarray | None,
        question: str,
        language: str,
        mode: Mode = "hybrid",
    ) -> list[Candidate]:
        """Candidates of one language for an already-embedded question, best first."""
        query = QueryTerms.of(question, part, language)
        return _rank(part, vector, query, self.thresholds.lexical_weight, mode)

    def ranked(self, index: KnowledgeIndex, question: str, mode: Mode = "hybrid") -> Ranked:
        """Candidates of every language, best first (the question is embedded once)."""
        vector = self.embedder.queries([question])[0] if mode != "lexical" else None
        return {
            language: self.rank_part(part, vector, question, language, mode)
            for language, part in index.by_language.items()
        }

    def decide(
        self, index: KnowledgeIndex, question: str, language: str, ranked: Ranked
    ) -> SearchResult:
        """Decide in the conversation's language, falling back to the other one."""
        own = ranked.get(language, [])
        decision, chosen = decide(own, self.thresholds_for(index, language))
        fallback = False
        if decision == "none":
            other = "en" if language == "fr" else "fr"
            other_decision, other_chosen = decide(
                ranked.get(other, []), self.thresholds_for(index, other)
            )
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
