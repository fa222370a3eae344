"""Article ids from questions, and the folding that decides two questions are the same.

Ids must be stable, readable in a file listing and unique in the whole knowledge base
(votes and statistics hang on them), so they are derived from the question once, at
import, and never from anything that changes later.
"""

from __future__ import annotations

import re
import unicodedata

MAX_ID_LENGTH = 80
# ``load_folder`` treats README.md as documentation: an article in it would be ignored.
RESERVED_IDS = frozenset({"readme"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_WORD = re.compile(r"[\W_]+")
# Letters that NFKD does not split into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o"})


def _strip_accents(text: str) -> str:
    """ "Réponse" and "reponse" are the same word to a shopper typing on a phone."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_question(question: str) -> str:
    """A key equal for questions that differ only in case, accents or punctuation.

    "Quels sont les délais ?" and "quels sont les delais" are one question asked twice,
    and importing both would make the bot hesitate between two identical articles.
    """
    folded = _strip_accents(question).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def slugify(question: str) -> str:
    """ASCII lower-case words joined by ``-``, cut on a word boundary at 80 characters."""
    # Letters without an ASCII form (°, ’, 配) separate words like punctuation does.
    slug = _NOT_ALNUM.sub("-", _strip_accents(question).lower()).strip("-")
    if len(slug) > MAX_ID_LENGTH:
        cut = slug[: MAX_ID_LENGTH + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:MAX_ID_LENGTH]
    return slug.strip("-") or "question"


def unique_id(question: str, taken: set[str]) -> str:
    """The question's slug, with ``-2``, ``-3``… when it is taken; adds it to ``taken``.

    The suffix replaces the end of a long slug rather than pushing it past 80 characters.
    """
    base = slugify(question)
    candidate, number = base, 1
    while candidate in taken or candidate in RESERVED_IDS:
        number += 1
        suffix = f"-{number}"
        candidate = base[: MAX_ID_LENGTH - len(suffix)].rstrip("-") + suffix
    taken.add(candidate)
    return candidate
