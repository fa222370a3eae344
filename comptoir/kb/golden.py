"""The golden questions: how editors and developers measure the knowledge base.

``knowledge/golden.yml`` maps each article id to questions written as shoppers write,
per language, plus questions the knowledge base must NOT answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class GoldenQuestion:
    """One question and the article that answers it (``None``: nothing should)."""

    question: str
    language: str
    expected: str | None


def load_golden(path: Path) -> list[GoldenQuestion]:
    """Read the golden file; unanswerable questions have ``expected=None``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions: list[GoldenQuestion] = []
    for language in ("fr", "en"):
        for article_id, items in (data.get(language) or {}).items():
            questions.extend(GoldenQuestion(q, language, article_id) for q in items or [])
        for q in (data.get("unanswerable") or {}).get(language) or []:
            questions.append(GoldenQuestion(q, language, None))
    return questions
