"""Is a shopper's message a new return or warranty request? Words, not a model.

The intent classifier sometimes reads « je voudrais retourner un article de ma commande
CMD-10001 » as an order-status question: the order number weighs more than the verb.
This is the backstop: a short list of French and English words and phrasings (accents,
case and apostrophes folded) that make a message clearly a request to send something
back, get it exchanged, refunded or repaired. It is deliberately conservative: a
message that asks where a return or a refund stands, says the item was already sent
back, or says the shopper does *not* want a return, is no new request, and words that
also describe a website or a tracking link (« le lien ne marche plus ») do not make a
faulty product. When in doubt the answer is None, and the classifier's choice stands.

``warranty``: the shopper names the guarantee itself (« garantie », SAV, "warranty"),
which covers defects: the return flow takes the reason "defective" and does not ask it.
``return``: any other request, a fault described in the shopper's own words included
(« ne marche plus », "faulty", « arrivé cassé »): the flow asks the reason, since a
parcel damaged on the way, a wrong item and a defect are not handled alike.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

RequestKind = Literal["return", "warranty"]


def fold(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("’", "'").replace("`", "'")
    return re.sub(r"\s+", " ", plain).strip()


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# Where a return or a refund stands, one already sent back, or no return wanted:
# never a new request (return status, or an order-status question after all).
_NOT_A_NEW_REQUEST = _any(
    r"\bou en (est|sont)\b",
    r"\bou est (passe )?(mon|ma|mes) (retour|remboursement|echange|avoir|reparation)",
    r"\b(suivi|statut|etat|avancement) (de |du |des )?(mon |ma |mes )?"
    r"(retour|remboursement|echange|reparation|demande)",
    r"\bquand (vais|serai|serais|est-ce que|recevrai|aurai)",
    r"\b(toujours|pas encore|jamais) (pas )?(ete )?rembours",
    r"\bdeja (retourne|renvoye|rendu|rembourse)",
    r"\bj'ai (bien )?(deja )?(retourne|renvoye|rendu|expedie)",
    r"\b(avez|as)[- ](vous|tu) (bien )?recu",
    r"\b(bien )?(arrive|arrivee|parvenu|parvenue|recu|recue) chez vous\b",
    r"\bretour(ne)? (a l'|a |en )?expediteur",
    r"\bne (veux|voudrais|souhaite|compte|vais) pas\b",
    r"\bpas (de |d')(retour|remboursement|echange)",
    r"\bwhere (is|are)\b",
    r"\bstatus\b",
    r"\bwhen (will|do|can|shall)\b",
    r"\b(still|yet to)\b.{0,20}\brefund",
    r"\b(have|has|was|were) (not |n't )?(been )?(refunded|received)",
    r"\balready (returned|sent|refunded)",
    r"\bi (returned|sent back|sent it back|sent them back)",
    r"\b(did|have) you (get|got|receive|received)\b",
    r"\breturn(ed)? to sender",
    r"\b(don't|do not|dont|didn't|did not) (want|need|wish)\b",
    # a question about the rules, not a request
    r"\best[- ](il|elle|ce) (encore |toujours |bien )?(sous )?garanti",
    r"\bcombien de (temps|jours)\b",
    r"\bhow (long|many days)\b",
    r"\b(is|are) (it|this|they|my \w+) (still )?(under|covered)",
)
# The guarantee itself, named: a warranty request (a defect, for the return flow).
_WARRANTY = _any(
    r"\bgaranties?\b",
    r"\bsav\b",
    r"\bservice apres[- ]vente",
    r"\bwarrant(y|ies)\b",
    r"\bguarantees?\b",
)
# A fault described in the shopper's words: a request, whose reason the flow asks.
_FAULT = _any(
    r"\bdefectueu(x|se|ses)\b",
    r"(?<!par )\bdefauts?\b",
    r"\ben panne\b",
    r"\b(faulty|defective|defect)\b",
)
# Stopped working: a fault of the product, unless the message is about something else.
_STOPPED_WORKING = _any(
    r"\b(ne |n')?(marche|marchent|fonctionne|fonctionnent|s'allume|s'allument|charge"
    r"|chargent) plus\b",
    r"\b(stopped|stops) working\b",
    r"\b(no longer|doesn't|does not|don't|do not|won't) (work|turn on|charge)s?"
    r"( any ?more)?\b",
    r"\bnot working( any ?more)?\b",
    r"\bbroke down\b",
)
_NOT_A_PRODUCT = _any(
    r"\b(lien|site|code|suivi|paiement|appli|application|compte|mot de passe)\b",
    r"\b(link|website|site|code|tracking|payment|app|account|password)\b",
)
# Sending back, exchanging, getting one's money back; damage and mistakes on arrival.
_RETURN = _any(
    r"\bretourn(er|e|es|ez|ons)\b",
    r"\bretours?\b",
    r"\brendre (le|la|les|l'|un|une|ce|cet|cette|mon|ma|mes)\b",
    r"\b(le|la|les|l') ?rends\b",
    r"\brembours(er|ez|ement|ements)\b",
    r"\betre rembourse",
    r"\bechang(er|e|es|ez|eons)\b",
    r"\bretractation\b",
    r"\bchange d'avis\b",
    r"\b(cass|abim|endommag)(e|ee|es|ees)\b",
    r"\b(mauvais|mauvaise) (article|produit|modele|taille|couleur|colis)",
    r"\bpas (le|la) (bon|bonne) (article|produit|modele|taille|couleur)",
    r"\breturn(s|ing)?\b",
    r"\bsend(ing)? (it |them |this |that |the \w+ |my \w+ )?back\b",
    r"\b(refund|refunds|money back)\b",
    r"\b(exchange|swap)\b",
    r"\b(broken|damaged|cracked|smashed)\b",
    r"\bwrong (item|size|colou?r|product|model|parcel)",
    r"\bchanged my mind\b",
)
# « renvoyer » is also what shoppers ask of an e-mail, a link or an invoice.
_SEND_BACK = re.compile(r"\brenvo(yer|ie|ies|yez|yons)\b")
_SENT_AGAIN = re.compile(r"\b(e-?mail|mail|lien|facture|code|confirmation|numero|sms|message)\b")


def request_kind(text: str) -> RequestKind | None:
    """``warranty``, ``return``, or None when ``text`` is not clearly a new request."""
    folded = fold(text)
    if not folded or _NOT_A_NEW_REQUEST.search(folded):
        return None
    if _WARRANTY.search(folded):
        return "warranty"
    stopped = _STOPPED_WORKING.search(folded) and not _NOT_A_PRODUCT.search(folded)
    sent_back = _SEND_BACK.search(folded) and not _SENT_AGAIN.search(folded)
    if stopped or sent_back or _FAULT.search(folded) or _RETURN.search(folded):
        return "return"
    return None
