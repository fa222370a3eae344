"""Decide, entry by entry, what will not become an article, and say why in plain English.

Every skipped entry is named with its location and a reason the person can act on
(fill the empty cell, merge the two rows), because a FAQ import is run again after
fixing the file, and silent losses would only be found by shoppers.
"""

from __future__ import annotations

from pathlib import Path

from comptoir.kb.importing.entries import (
    MAX_ANSWER_CHARS,
    MAX_QUESTION_CHARS,
    FaqEntry,
    Skipped,
)
from comptoir.kb.importing.html_markdown import strip_active_content
from comptoir.kb.importing.naming import fold_question


def _clean(entry: FaqEntry) -> FaqEntry:
    """Trimmed text, one-line question and category, no script left in any of them."""
    question = " ".join(strip_active_content(entry.question).split())
    answer = strip_active_content(entry.answer).replace("\r\n", "\n").strip()
    category = " ".join(strip_active_content(entry.category or "").split()) or None
    return FaqEntry(question, answer, entry.location, category)


def _problem(entry: FaqEntry) -> str | None:
    """What makes this entry unusable on its own, or None."""
    if not entry.question:
        return "the question is empty."
    if not fold_question(entry.question):
        return f"the question has no words ({entry.question!r})."
    if not entry.answer:
        if entry.location.startswith("HTML"):
            return (
                "the answer is empty once its HTML is cleaned up (only images, videos or scripts?)."
            )
        return "the answer is empty."
    if len(entry.question) > MAX_QUESTION_CHARS:
        return (
            f"the question is {len(entry.question):,} characters long; the limit is "
            f"{MAX_QUESTION_CHARS:,} (is the answer in the question's column?)."
        )
    if len(entry.answer) > MAX_ANSWER_CHARS:
        return (
            f"the answer is {len(entry.answer):,} characters long; the limit is "
            f"{MAX_ANSWER_CHARS:,} (a quote left open can swallow the rows after it)."
        )
    return None


def check_entries(
    entries: list[FaqEntry], existing_titles: dict[str, Path]
) -> tuple[list[FaqEntry], list[Skipped]]:
    """The entries to import (cleaned) and the skipped ones, each in the file's order.

    ``existing_titles`` maps the folded title of every article already in the knowledge
    folder (same language) to its file: asking the same question twice would make the
    bot hesitate between two articles. The first of two equal questions in the file is
    kept; an entry skipped for another reason does not block a later duplicate.
    """
    kept: list[FaqEntry] = []
    skipped: list[Skipped] = []
    seen: dict[str, FaqEntry] = {}
    for raw in entries:
        entry = _clean(raw)
        problem = _problem(entry)
        key = fold_question(entry.question)
        if problem is None and key in seen:
            first = seen[key]
            problem = f"the question repeats the one at {first.location} ({first.question!r})."
        elif problem is None and key in existing_titles:
            problem = f"an article with this title already exists ({existing_titles[key]})."
        if problem is not None:
            skipped.append(Skipped(entry.location, problem))
            continue
        seen[key] = entry
        kept.append(entry)
    return kept, skipped
