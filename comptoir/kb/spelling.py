"""Query-side spelling tolerance: a misspelt word meets the articles' spelling.

« rembourssement », « colie », « garentie »: the stemmer folds plurals and accents, not
typos, so BM25 finds nothing for them. A question word that no article contains and
that is not a common word of the language (wordfreq's frequency lists, shipped in its
wheel) is replaced by the closest term of the articles' vocabulary, if one is close
enough for its length (one edit up to 7 letters, two beyond). Without the word lists,
« cher » became « chez » and « vert » « vent »: a real word is never "corrected".
Short words and numbers are left alone: « cb » or « 24h » are not typos of anything.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from wordfreq import zipf_frequency

MIN_LENGTH = 4
COMMON_WORD_ZIPF = 2.5  # about once in 3 million words: "moitie" without its accent is 2.7


@lru_cache(maxsize=100_000)
def is_common_word(word: str, language: str) -> bool:
    """Whether ``word`` (folded) is a word of the language rather than a typo."""
    return zipf_frequency(word, language) >= COMMON_WORD_ZIPF


def allowed_edits(word: str) -> int:
    """How many edits a word of this length may be from the one it stands for."""
    return 1 if len(word) <= 7 else 2


class SpellingCorrector:
    """Corrects query terms against the vocabulary of one language's articles."""

    def __init__(self, vocabulary: Collection[str], language: str = "fr") -> None:
        self.language = language
        self._known = frozenset(vocabulary)
        self._choices = sorted(
            t for t in self._known if len(t) >= MIN_LENGTH - 1 and not t.isdigit()
        )
        self._memo: dict[str, str] = {}
        is_common_word("bonjour", language)  # loads the word list now, not on a question

    def correct(self, word: str, surface: str | None = None) -> str:
        """The vocabulary's spelling of the term ``word`` (itself if the articles have it,
        if ``surface``, the word as typed, is a real word, or if nothing is close)."""
        if word in self._known or len(word) < MIN_LENGTH or word.isdigit():
            return word
        if surface is not None and is_common_word(surface, self.language):
            return word
        if word not in self._memo:
            if len(self._memo) > 50_000:
                self._memo.clear()
            best = process.extractOne(
                word,
                self._choices,
                scorer=Levenshtein.distance,
                score_cutoff=allowed_edits(word),
            )
            self._memo[word] = best[0] if best else word
        return self._memo[word]

    def correct_all(self, words: list[str], surfaces: list[str] | None = None) -> list[str]:
        """Each term corrected (the order and repetitions are kept)."""
        if surfaces is None:
            return [self.correct(w) for w in words]
        return [self.correct(w, s) for w, s in zip(words, surfaces, strict=True)]
