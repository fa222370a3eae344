"""The editors' page of the console: what the bot would answer, and what it could not.

Editors change the knowledge markdown; before and after a save they want to know what
the bot will now say to a question, which questions it left unanswered, and which
answers shoppers found useless. The command line has all three (``comptoir kb search``,
``kb misses``); this page gives them to editors who never open a terminal.

The preview loads the same model and articles as the action server, on first use, and
reads the embedding cache without writing it (the action server owns it), so a preview
always reflects the files as they are now.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from sanic import Blueprint, HTTPResponse, Request
from sanic import json as json_response

from comptoir.desk.errors import error
from comptoir.desk.guards import EDIT_ROLES, require_account
from comptoir.desk.votes import VoteStore
from comptoir.kb.explain import explain
from comptoir.kb.index import KnowledgeIndex
from comptoir.kb.misses import MissLog
from comptoir.kb.search import Ranked, Searcher, SearchResult
from comptoir.kb.service import build_index_with, build_searcher_and_index, folder_fingerprint
from comptoir.settings import Settings

MAX_QUESTION_CHARS = 1000

editor = Blueprint("editor", url_prefix="/console/api/editor")


class KnowledgePreview:
    """The bot's knowledge base, loaded in the desk on first use, kept in step with the files."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._index: KnowledgeIndex | None = None
        self._fingerprint: tuple[tuple[str, int, int], ...] | None = None

    def snapshot(self) -> tuple[Searcher, KnowledgeIndex]:
        """The searcher (model loaded once) and an index of the files as they are now
        (also what the owner's reports compare missed questions with).

        The embedding cache is read, never written (``persist=False``): the action
        server owns it.
        """
        with self._lock:
            fingerprint = folder_fingerprint(self._settings.knowledge_dir)
            if self._searcher is None or self._index is None:
                self._searcher, self._index = build_searcher_and_index(
                    self._settings, persist=False
                )
            elif fingerprint != self._fingerprint:
                self._index = build_index_with(self._settings, self._searcher, persist=False)
            self._fingerprint = fingerprint
            return self._searcher, self._index

    def preview(self, question: str, language: str) -> dict[str, Any]:
        """What the bot would do with ``question``, in the shape the page shows."""
        searcher, index = self.snapshot()
        ranked = searcher.ranked(index, question)
        result = searcher.decide(index, question, language, ranked)
        answer = None
        if result.answer is not None:
            article = result.answer
            answer = {
                "id": article.id,
                "title": article.title,
                "text": article.short_answer,
                "file": _relative(article.path, self._settings),
            }
        return {
            "question": question,
            "language": language,
            "decision": result.decision,
            "fallback_language": result.fallback_language,
            "answer": answer,
            "candidates": [
                {
                    "id": c.article.id,
                    "title": c.article.title,
                    "score": round(c.score, 3),
                    "dense": round(c.dense, 3),
                    "lexical": round(c.lexical, 3),
                }
                for c in result.candidates
            ],
            "articles": len(index.by_id),
            "problems": [
                f"{_relative(e.path, self._settings)}:{e.line}: {e.problem}" for e in index.errors
            ],
            "explanation": _explanation(searcher, index, ranked, result),
            "calibration": _calibration(searcher, index, language),
        }


def _explanation(
    searcher: Searcher, index: KnowledgeIndex, ranked: Ranked, result: SearchResult
) -> dict[str, object]:
    """Why the decision: the rule's condition that decided, with the numbers it compared.

    Explained on the ranking the decision was made on: the other language's when the
    bot fell back to it (nothing plausible in the question's own).
    """
    language = result.language
    if result.fallback_language:
        language = "en" if language == "fr" else "fr"
    scores = [c.score for c in ranked.get(language, [])]
    explanation = explain(scores, searcher.thresholds_for(index, language)).as_json()
    return {**explanation, "language": language}


def _calibration(searcher: Searcher, index: KnowledgeIndex, language: str) -> dict[str, object]:
    """The thresholds the bot decides with in ``language``, where they come from, and
    the articles whose titles the search cannot tell apart (with both titles).

    ``automatic``: calibrated on this knowledge base when it was built. Otherwise fixed:
    by the settings (``setting`` is ``fixed``), or because the language has too few
    articles to measure a background (``pseudo_questions`` is 0).
    """
    calibration = index.calibration.get(language)
    used = searcher.thresholds_for(index, language)
    data: dict[str, object] = {
        "language": language,
        "pseudo_questions": 0,
        "background_mean": None,
        "background_spread": None,
        "close_pairs": [],
    }
    if calibration is not None:
        data |= calibration.as_json()
        data["close_pairs"] = [  # as in as_json(), with both titles
            {
                "first": pair.first,
                "second": pair.second,
                "gap": round(pair.gap, 4),
                "first_title": _title(index, pair.first),
                "second_title": _title(index, pair.second),
            }
            for pair in calibration.close_pairs
        ]
    return data | {
        "setting": "auto" if searcher.auto else "fixed",
        "automatic": searcher.auto and calibration is not None,
        "answer": round(used.answer, 4),
        "clarify": round(used.clarify, 4),
        "margin": round(used.margin, 4),
        "clarify_window": round(used.clarify_window, 4),
    }


def _title(index: KnowledgeIndex, article_id: str) -> str:
    article = index.by_id.get(article_id)
    return article.title if article is not None else article_id


def _relative(path: Any, settings: Settings) -> str:
    """Article paths as editors know them: inside the knowledge folder."""
    try:
        return str(path.relative_to(settings.knowledge_dir))
    except (AttributeError, ValueError):
        return str(path)


@editor.get("/preview")
async def preview(request: Request) -> HTTPResponse:
    """What the bot would answer to a question, with the candidates and their scores."""
    _, problem = await require_account(request, change=False, roles=EDIT_ROLES)
    if problem is not None:
        return problem
    question = (request.args.get("q") or "").strip()
    language = request.args.get("lang") or "fr"
    if not question:
        return error(400, "empty_question", "type the question a shopper would ask")
    if len(question) > MAX_QUESTION_CHARS:
        return error(400, "question_too_long", f"at most {MAX_QUESTION_CHARS} characters")
    if language not in ("fr", "en"):
        return error(400, "bad_language", "lang must be fr or en")
    knowledge: KnowledgePreview = request.app.ctx.knowledge_preview
    return json_response(await asyncio.to_thread(knowledge.preview, question, language))


@editor.get("/misses")
async def misses(request: Request) -> HTTPResponse:
    """The questions the bot could not answer, most frequent first: articles to write."""
    _, problem = await require_account(request, change=False, roles=EDIT_ROLES)
    if problem is not None:
        return problem
    log = MissLog(request.app.ctx.settings.kb_log_url)
    try:
        rows = await asyncio.to_thread(log.top, 50)
    finally:
        log.engine.dispose()
    return json_response(
        {"misses": [{"question": q, "language": lang, "count": n} for q, lang, n in rows]}
    )


@editor.get("/feedback")
async def feedback(request: Request) -> HTTPResponse:
    """Votes per article, most 👎 first: the answers shoppers found useless."""
    _, problem = await require_account(request, change=False, roles=EDIT_ROLES)
    if problem is not None:
        return problem
    store: VoteStore = request.app.ctx.votes
    votes = await store.feedback_summary()
    ranked = sorted(votes.items(), key=lambda item: (-item[1]["down"], item[0]))
    return json_response({"articles": [{"id": article, **counts} for article, counts in ranked]})
