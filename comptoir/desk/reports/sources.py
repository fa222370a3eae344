"""What the reports read outside the desk's tables: the knowledge base and the shop.

The missed questions are in the knowledge misses log, the articles in the knowledge
folder (embedded by the model the bot uses, so "closest article" means what the bot
would have found), the returns and orders in the shop's database. Each is read
synchronously (their engines are synchronous), in a thread, by ``queries``.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session

from comptoir.desk.reports.definitions import (
    Question,
    cluster_questions,
    cluster_threshold,
    return_kind,
)
from comptoir.kb.misses import Miss
from comptoir.shop.db import engine_for
from comptoir.shop.models import RETURN_FINAL, Order, OrderLine, ReturnRequest
from comptoir.shop.policy import load_policy

DISTINCT_QUESTIONS = 200
"""The most asked distinct missed questions that are clustered (the rest are rare)."""
CLUSTERS = 10
EMBEDDING_CACHE = 5000


class Knowledge(Protocol):
    """What the reports need of the knowledge base (``PreviewKnowledge``; fakes in tests)."""

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def closest(self, vector: np.ndarray, language: str) -> tuple[str, str] | None: ...

    def title(self, article_id: str) -> str | None: ...


class PreviewKnowledge:
    """The knowledge base as the editors' preview loads it: the bot's model and articles.

    A question's vector is kept (up to 5000): the same misses come back on every page
    load, and embedding 200 of them takes a few seconds on two cores.
    """

    def __init__(self, preview: Any) -> None:
        self._preview = preview  # comptoir.desk.editor.KnowledgePreview
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        searcher, _ = self._preview.snapshot()
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
            if missing:
                for text, vector in zip(missing, searcher.embedder.queries(missing), strict=True):
                    self._vectors[text] = vector
            for text in texts:
                self._vectors.move_to_end(text)
            while len(self._vectors) > EMBEDDING_CACHE:
                self._vectors.popitem(last=False)
            return np.vstack([self._vectors[t] for t in texts]).astype(np.float32)

    def closest(self, vector: np.ndarray, language: str) -> tuple[str, str] | None:
        _, index = self._preview.snapshot()
        articles = index.by_language.get(language)
        if articles is None or articles.faiss_index.ntotal == 0:
            return None
        _, rows = articles.faiss_index.search(vector[None, :].astype(np.float32), 1)
        article = articles.articles[int(articles.chunk_owner[int(rows[0][0])])]
        return article.id, article.title

    def title(self, article_id: str) -> str | None:
        _, index = self._preview.snapshot()
        article = index.by_id.get(article_id)
        return article.title if article is not None else None


def missed_questions(url: str, start: datetime, end: datetime) -> list[Question]:
    """The distinct questions the bot had no answer to in [start, end), most asked first."""
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table(Miss.__tablename__):
            return []
        with Session(engine) as session:
            count = func.count()
            rows = session.execute(
                select(Miss.question, Miss.language, count)
                .where(Miss.decision == "none", Miss.at >= start, Miss.at < end)
                .group_by(Miss.question, Miss.language)
                .order_by(count.desc(), Miss.question)
                .limit(DISTINCT_QUESTIONS)
            )
            return [Question(q, language, int(n)) for q, language, n in rows if q.strip()]
    finally:
        engine.dispose()


def unanswered_clusters(knowledge: Knowledge, questions: list[Question]) -> list[dict[str, Any]]:
    """The missed questions grouped by meaning, each with the article nearest to it."""
    if not questions:
        return []
    vectors = knowledge.embed([q.text for q in questions])
    clusters = cluster_questions(questions, vectors, cluster_threshold(vectors))[:CLUSTERS]
    tables = []
    for cluster in clusters:
        found = knowledge.closest(cluster.centroid, cluster.language)
        closest = {"id": found[0], "title": found[1]} if found else None
        tables.append(
            {"count": cluster.count, "examples": cluster.examples, "closest_article": closest}
        )
    return tables


def _empty_returns() -> dict[str, Any]:
    return {"returns_by_reason": [], "returns_by_product": [], "refunds_overdue": 0}


def shop_returns(
    url: str, policy_path: Any, start: datetime, end: datetime, today: date
) -> dict[str, Any]:
    """Returns and warranty claims opened in [start, end) by reason and by product, the
    units of each product ordered in the same time (its return rate), and the refunds
    overdue today (as ``comptoir.shop.returns.refund_overdue`` says, counted in SQL)."""
    engine = engine_for(url)
    if not inspect(engine).has_table(ReturnRequest.__tablename__):
        return _empty_returns()
    opened = (ReturnRequest.created_at >= start, ReturnRequest.created_at < end)
    with Session(engine) as session:
        reasons: Counter[tuple[str, str]] = Counter()
        for reason, rule, n in session.execute(
            select(ReturnRequest.reason, ReturnRequest.rule, func.count())
            .where(*opened)
            .group_by(ReturnRequest.reason, ReturnRequest.rule)
        ):
            reasons[(reason, return_kind(rule))] += int(n)
        per_sku = dict(
            session.execute(
                select(ReturnRequest.sku, func.count()).where(*opened).group_by(ReturnRequest.sku)
            ).all()
        )
        products = _products(session, sorted(per_sku), start, end)
        # refund_overdue(policy, record, today), for all the returns at once: received
        # more than refund_days ago and not refunded (nor otherwise settled).
        due_before = today - timedelta(days=load_policy(policy_path).refund_days)
        overdue = session.scalar(
            select(func.count()).where(
                ReturnRequest.received_on < due_before, ReturnRequest.status.not_in(RETURN_FINAL)
            )
        )
    by_reason = [
        {"reason": reason, "kind": kind, "count": n}
        for (reason, kind), n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    ]
    by_product = []
    for sku, returns in sorted(per_sku.items(), key=lambda item: (-item[1], item[0])):
        name, category, ordered = products.get(sku, ("", "", 0))
        rate = returns / ordered if ordered else None
        by_product.append(
            {
                "sku": sku,
                "name": name,
                "category": category,
                "returns": int(returns),
                "ordered": ordered,
                "rate": rate,
            }
        )
    return {
        "returns_by_reason": by_reason,
        "returns_by_product": by_product,
        "refunds_overdue": int(overdue),
    }


def _products(
    session: Session, skus: list[str], start: datetime, end: datetime
) -> dict[str, tuple[str, str, int]]:
    """Name, category and units ordered in [start, end) of each SKU."""
    found: dict[str, tuple[str, str, int]] = {}
    for first in range(0, len(skus), 500):
        chunk = skus[first : first + 500]
        for sku, name, category in session.execute(
            select(OrderLine.sku, func.max(OrderLine.name), func.max(OrderLine.category))
            .where(OrderLine.sku.in_(chunk))
            .group_by(OrderLine.sku)
        ):
            found[sku] = (name or "", category or "", 0)
        for sku, units in session.execute(
            select(OrderLine.sku, func.sum(OrderLine.qty))
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.sku.in_(chunk), Order.placed_at >= start, Order.placed_at < end)
            .group_by(OrderLine.sku)
        ):
            name, category, _ = found.get(sku, ("", "", 0))
            found[sku] = (name, category, int(units or 0))
    return found
