"""Checks beyond validity that an editor wants to see before publishing.

Two kinds of findings: an article with no translation (the other language's shoppers
get a fallback), and the same topic given different numbers (say "14 jours" for returns
in one article and "30 jours" in another), which shoppers notice before editors do.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from comptoir.kb.articles import Article
from comptoir.kb.lexical import fold

_TOPICS = {
    "retour": "returns",
    "retourner": "returns",
    "return": "returns",
    "returns": "returns",
    "rembourse": "refunds",
    "remboursement": "refunds",
    "refund": "refunds",
    "refunded": "refunds",
    "garantie": "warranty",
    "warranty": "warranty",
    "guarantee": "warranty",
    "livraison": "delivery",
    "delivery": "delivery",
    "livre": "delivery",
    "delivered": "delivery",
    "retractation": "withdrawal",
    "withdrawal": "withdrawal",
    "reponse": "response",
    "reply": "response",
    "repondons": "response",
    "carte": "gift card",
    "gift": "gift card",
}
_QUANTITY = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(jours?|days?|heures?|hours?|ans?|years?|mois|months?)\b"
)
_UNIT = {
    "jour": "days",
    "jours": "days",
    "day": "days",
    "days": "days",
    "heure": "hours",
    "heures": "hours",
    "hour": "hours",
    "hours": "hours",
    "an": "years",
    "ans": "years",
    "year": "years",
    "years": "years",
    "mois": "months",
    "month": "months",
    "months": "months",
}


@dataclass(frozen=True)
class Finding:
    """One thing worth an editor's look."""

    article_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.article_id}: {self.message}"


def missing_translations(articles: list[Article]) -> list[Finding]:
    """Articles that no article of the other language translates (or is translated by)."""
    ids = {a.id for a in articles}
    linked: set[str] = set()
    for article in articles:
        if article.translation_of and article.translation_of in ids:
            linked.update({article.id, article.translation_of})
    return [
        Finding(a.id, f"no {'English' if a.lang == 'fr' else 'French'} translation")
        for a in articles
        if a.id not in linked
    ]


def number_contradictions(articles: list[Article]) -> list[Finding]:
    """The same topic and unit stated with different numbers within one language."""
    seen: dict[tuple[str, str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for article in articles:
        text = fold(article.body)
        for match in _QUANTITY.finditer(text):
            window = re.findall(r"[a-z]+", text[max(0, match.start() - 60) : match.start()])
            topic = next((_TOPICS[w] for w in reversed(window) if w in _TOPICS), None)
            if topic is None:
                continue
            unit = _UNIT[match.group(2)]
            seen[(article.lang, topic, unit)][match.group(1)].add(article.id)
    findings = []
    for (lang, topic, unit), numbers in sorted(seen.items()):
        if len(numbers) > 1:
            stated = ", ".join(
                f"{n} {unit} in {', '.join(sorted(ids))}" for n, ids in sorted(numbers.items())
            )
            first = sorted(next(iter(numbers.values())))[0]
            findings.append(Finding(first, f"[{lang}] {topic}: different figures: {stated}"))
    return findings
