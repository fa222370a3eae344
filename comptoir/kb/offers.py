"""Which action an answer offers as a button: start a return, claim the warranty, track
an order, or nothing.

A shopper who reads « Comment retourner un article » usually wants to return one: the
answer then offers « Démarrer un retour ». The editor decides with the article's
``offer:`` field (``return``, ``warranty``, ``order_status`` or ``none``); without it,
the offer is inferred from the title, then the tags, then the ``##`` headings, with
French and English words (accents and case folded), so that a shop's imported FAQ gets
its buttons too. The inference is conservative, because no button is better than a
wrong one:

- the first of those three places that names a topic decides, and it must name only
  one: « Suivre mon retour » (tracking *and* a return) offers nothing;
- words of another topic (payment, prices, the account) in that place mean nothing
  is offered: « Garanties de paiement » is not the product warranty;
- an article about what *cannot* be returned (« Articles exclus », "Items that cannot
  be returned") offers nothing;
- refund delays, delivery costs, troubleshooting offer nothing: their readers are not
  asking to start anything.

Only the decision and the button's words live here; the action server turns it into
the button that starts the flow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

from comptoir.i18n import Bilingual
from comptoir.kb.articles import Article

Offer = Literal["return", "warranty", "order_status"]

LABELS: dict[Offer, Bilingual] = {
    "return": Bilingual("Démarrer un retour", "Start a return"),
    "warranty": Bilingual("Faire jouer la garantie", "Make a warranty claim"),
    "order_status": Bilingual("Suivre ma commande", "Track my order"),
}
"""The button's title, in the shopper's language."""


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s\-_/]+", " ", plain).strip()


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_MY = r"(ma |mon |mes |la |le |les |l'|votre |vos |une |un |sa |son )?"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "return": _any(
        r"\bretourn(er|e|es|ez)\b",
        r"\bretours?\b",
        r"\brenvo(yer|i)\b",
        r"\brendre " + _MY + r"(article|produit|commande|achat)",
        r"\bechang(er|e|es)\b",
        r"\bretractation\b",
        r"\bchanger d'avis\b",
        r"\bmauvais (article|produit|modele|colis)\b",
        r"\bpas le bon (article|produit|modele)\b",
        r"\breturn(s|ing)?\b",
        r"\bsend(ing)? (it |an item |items |something )?back\b",
        r"\bexchang(e|es|ing)\b",
        r"\bchange (of|your) mind\b",
        r"\bwrong (item|product|size)\b",
    ),
    "warranty": _any(
        r"\bgaranties?\b",
        r"\bsav\b",
        r"\bservice apres vente\b",
        r"\bwarrant(y|ies)\b",
        r"\bguarantees?\b",
        r"\bafter sales?\b",
    ),
    "order_status": _any(
        r"\bsuivi(s)? (de |du |des |d')?" + _MY + r"(commande|colis|livraison|envoi|paquet)",
        r"\bsuivre " + _MY + r"(commande|colis|livraison|envoi|paquet)",
        r"\bou (est|en est|sont) " + _MY + r"(commande|colis|livraison|paquet)",
        r"\b(commande|colis|paquet|livraison)s? (bloque|perdu|egare|en retard)",
        r"\bnumero de suivi\b",
        r"\b(statut|etat) (de |d')?" + _MY + r"commande",
        r"\btrack(ing)?\b",
        r"\bwhere('s| is| are) (my |the |your )?(order|parcel|package|delivery)",
        r"\blate (order|delivery|parcel|package)",
        r"\b(order|parcel|package|delivery) (is |has been )?(status|stuck|lost|late|delayed)",
    ),
    # Another topic named alongside: the button would be a guess. Following a return
    # or a refund is where it stands, not a new one.
    "other": _any(
        r"\b(suivre|suivi|statut|etat|ou en est) (de |du |d')?"
        + _MY
        + r"(retour|rembours|echange)",
        r"\b(track|tracking|status of|where is) (my |a |your |the )?(return|refund|exchange)",
        r"\b(return|refund|exchange) (status|tracking)",
        r"\b(paiement|payer|prix|compte|mot de passe|facture|cadeau|promo)\b",
        r"\b(payment|pay|price|prices|account|password|invoice|gift|promo)\b",
        r"garanti(e|s|es)? (de |du |d')?(paiement|remboursement|livraison|prix|securite)",
        r"(paiement|livraison|prix|remboursement|satisfait) \w* ?garanti",
        r"\b(payment|delivery|price|money back|refund) guarantee",
    ),
}
# An article about what cannot be returned: never a button.
_EXCLUSIONS = _any(
    r"\bne (peuvent|peut) (pas|ni) (etre )?(retourn|rendu|repris|echang)",
    r"\bnon (retournable|repris|echangeable)s?\b",
    r"\bexclu(s|e|es|sion|sions)?\b",
    r"\b(cannot|can't|can not) be (returned|exchanged|sent back)",
    r"\bnon ?returnable\b",
    r"\b(exclusions?|excluded)\b",
)
# A tag that is just the topic's name.
_TAG_WORDS: dict[str, Offer] = {
    "retour": "return",
    "retours": "return",
    "return": "return",
    "returns": "return",
    "echange": "return",
    "exchange": "return",
    "retractation": "return",
    "garantie": "warranty",
    "warranty": "warranty",
    "sav": "warranty",
    "suivi": "order_status",
    "tracking": "order_status",
    "suivi de commande": "order_status",
    "order tracking": "order_status",
}


class _Undecided(Exception):
    """The place names several topics, or an exclusion: no button at all."""


def _kinds(text: str) -> set[str]:
    folded = _fold(text)
    if _EXCLUSIONS.search(folded):
        raise _Undecided
    found = {kind for kind, pattern in _PATTERNS.items() if pattern.search(folded)}
    if tag := _TAG_WORDS.get(folded):
        found.add(tag)
    return found


def _decide(texts: Iterable[str]) -> Offer | None:
    """The one topic ``texts`` name together; None when none; _Undecided when several."""
    found: set[str] = set()
    for text in texts:
        found |= _kinds(text)
    if not found:
        return None
    if len(found) > 1:
        raise _Undecided
    (kind,) = found
    if kind == "other":
        raise _Undecided
    return kind  # type: ignore[return-value]


def infer_offer(title: str, tags: Iterable[str] = (), headings: Iterable[str] = ()) -> Offer | None:
    """The action an article about ``title`` (with its tags and headings) should offer."""
    try:
        for place in ([title], list(tags), list(headings)):
            decided = _decide(place)
            if decided is not None:
                return decided
    except _Undecided:
        return None
    return None


def offer_for(article: Article) -> Offer | None:
    """The editor's ``offer:``, else the inferred one; None: no button."""
    if article.offer is not None:
        return None if article.offer == "none" else article.offer  # type: ignore[return-value]
    headings = [s.heading for s in article.sections if s.heading]
    return infer_offer(article.title, article.tags, headings)
