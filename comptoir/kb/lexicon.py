"""The shoppers' words for the articles' words: a French and English e-commerce lexicon.

A shopper writes « je veux récupérer mon argent », the article says « remboursement »;
« carton » for colis, « rapetisser » for rétrécir. The meaning side often bridges those,
the word side (BM25) never does. The lexicon (``data/lexicon-<lang>.yml``, shipped with
the product, the same for every shop) lists groups of equivalent words and phrases;
a question that uses one member of a group also looks, at a lower weight, for the
others. Synonyms only add terms: the question's own words keep their full weight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from comptoir.kb.lexical import fold, terms

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class _Group:
    """One group: the stems of its single words, its folded phrases, and all its terms."""

    words: frozenset[str]
    phrases: tuple[re.Pattern[str], ...]
    expansion: tuple[str, ...]


class Lexicon:
    """Synonym groups of one language, matched on a question's folded text and stems."""

    def __init__(self, groups: list[list[str]], language: str) -> None:
        self.language = language
        self._groups: list[_Group] = []
        for members in groups:
            words: set[str] = set()
            phrases: list[re.Pattern[str]] = []
            expansion: list[str] = []
            for member in members:
                member_terms = terms(str(member), language)
                expansion.extend(t for t in member_terms if t not in expansion)
                folded = " ".join(re.findall(r"[a-z0-9&]+", fold(str(member))))
                if " " in folded:
                    phrases.append(re.compile(rf"\b{re.escape(folded)}\b"))
                elif member_terms:
                    words.add(member_terms[0])
            self._groups.append(_Group(frozenset(words), tuple(phrases), tuple(expansion)))

    def expand(self, text: str, query_terms: list[str]) -> list[str]:
        """Terms of every group the question touches, minus those it already has."""
        folded = " ".join(re.findall(r"[a-z0-9&]+", fold(text)))
        present = set(query_terms)
        extra: list[str] = []
        for group in self._groups:
            if present & group.words or any(p.search(folded) for p in group.phrases):
                extra.extend(t for t in group.expansion if t not in present and t not in extra)
        return extra


@cache
def lexicon_for(language: str, folder: Path = DATA_DIR) -> Lexicon:
    """The shipped lexicon of ``language`` (empty if the product has none for it)."""
    path = folder / f"lexicon-{language}.yml"
    groups = []
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        groups = [list(map(str, g)) for g in data.get("groups") or [] if g]
    return Lexicon(groups, language)
