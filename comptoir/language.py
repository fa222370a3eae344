"""Tell French from English in a shopper's message.

Shoppers write short, unaccented, sometimes misspelt messages, where general-purpose
detectors hesitate. Only two languages matter here, so a transparent score on the
words each language cannot do without is both faster and easier to reason about.
A message with no clear signal ("ok", "CMD-10001") returns ``None``: the caller keeps
the conversation's current language.
"""

from __future__ import annotations

import re
import unicodedata

from comptoir.i18n import LANGUAGES as SUPPORTED
from comptoir.i18n import Language

__all__ = ["SUPPORTED", "Language", "choose_language", "detect_language"]

_FRENCH_WORDS = frozenset(
    """
    le la les un une des du de au aux et est sont je j tu il elle nous vous ils mon ma mes
    ton ta tes son sa ses notre votre vos leur ce cette ces qui que qu quoi ou où quand
    comment combien pourquoi pas ne n plus avec pour sur dans chez sans avoir etre être ai
    suis fait faire peux pouvez voudrais veux souhaite bonjour bonsoir salut merci oui non
    svp stp commande colis livraison livré livre remboursement retour retourner rembourser
    garantie article produit facture compte mot passe paiement envoyé reçu recu toujours
    encore aussi déjà deja bien très tres beaucoup quel quelle quels quelles c d l m s t
    y parler conseiller jour jours délai delai frais gratuit moi
    """.split()  # noqa: SIM905 - a word list reads better as prose
)
_ENGLISH_WORDS = frozenset(
    """
    the a an is are was were i i'm my you your it its we our they their this that these
    what where when how why who which do does did can could would should will please
    thanks thank hello hi hey yes no not and or of to for with from in on at be been have
    has had am order parcel package delivery shipping refund return returns warranty item
    product invoice account password payment sent received still yet already much many
    any some there here get got want need talk speak agent human person help me tell give
    show know like about joke just anyone
    """.split()  # noqa: SIM905
)
# Words that settle the question on their own, even in a one-word message.
_STRONG = {
    "hi": "en",
    "thanks": "en",
    "thank": "en",
    "yes": "en",
    "please": "en",
    "goodbye": "en",
    "bye": "en",
    "where": "en",
    "what": "en",
    "how": "en",
    "the": "en",
    "bonjour": "fr",
    "merci": "fr",
    "oui": "fr",
    "salut": "fr",
    "bonsoir": "fr",
    "où": "fr",
    "svp": "fr",
    "est-ce": "fr",
    "combien": "fr",
    "pourquoi": "fr",
}
_TOKEN = re.compile(r"[a-zà-ÿœæ'-]+", re.IGNORECASE)
_FRENCH_LETTERS = re.compile(r"[àâçéèêëîïôûùüÿœæ]", re.IGNORECASE)


def _tokens(text: str) -> list[str]:
    """Lower-case word tokens; French elisions ("j'ai") are split on the apostrophe."""
    text = unicodedata.normalize("NFC", text.lower()).replace("’", "'")
    words: list[str] = []
    for raw in _TOKEN.findall(text):
        head, sep, tail = raw.partition("'")
        if sep and len(head) <= 2 and tail:  # French elision: j'ai, l'article, qu'il
            words.extend((head, tail))
        else:
            words.extend(raw.strip("'-").split("-"))  # raconte-moi, est-ce
    return [w for w in words if w]


def detect_language(text: str) -> Language | None:
    """Return ``"fr"`` or ``"en"`` when the message clearly uses one, else ``None``.

    A button payload (``/start_return{"return_reason":"changed_mind"}``) is written by
    us, not by the shopper: its English identifiers say nothing about their language.
    """
    if text.lstrip().startswith("/"):
        return None
    tokens = _tokens(text)
    if not tokens:
        return None
    score = {"fr": 0.0, "en": 0.0}
    for token in tokens:
        if token in _STRONG:
            score[_STRONG[token]] += 2
        if token in _FRENCH_WORDS:
            score["fr"] += 1
        if token in _ENGLISH_WORDS:
            score["en"] += 1
    score["fr"] += 1.5 * min(len(_FRENCH_LETTERS.findall(text)), 2)
    best, other = ("fr", "en") if score["fr"] >= score["en"] else ("en", "fr")
    if score[best] >= 2 and score[best] >= 1.5 * score[other] + 0.5:
        return best  # type: ignore[return-value]
    return None


def choose_language(
    text: str,
    requested: str | None,
    current: str | None,
    default: Language = "fr",
    *,
    chosen: bool = False,
) -> Language:
    """Pick the reply language for one message.

    What the shopper writes wins (they switched to English mid-chat); then a language
    the shopper picked in the widget (``chosen``); otherwise the conversation keeps its
    language; a new conversation starts in the language the widget asked for.
    """
    detected = detect_language(text)
    if detected:
        return detected
    order = (requested, current) if chosen else (current, requested)
    for candidate in order:
        if candidate in SUPPORTED:
            return candidate  # type: ignore[return-value]
    return default
