"""What the bot says about returns, in French and English: labels, questions, decisions.

The conversation (``actions/returns.py``, ``actions/return_status.py``) only chooses
which of these to say; the sentences themselves, with their rules and dates, are here
beside ``describe.py`` (orders) and ``wording.py`` (dates and amounts).
"""

from __future__ import annotations

from datetime import date

from comptoir.i18n import Bilingual
from comptoir.shop import wording
from comptoir.shop.eligibility import Eligibility
from comptoir.shop.models import ReturnRequest
from comptoir.shop.policy import ReturnsPolicy

REASON_LABELS: dict[str, Bilingual] = {
    "changed_mind": Bilingual("J'ai changé d'avis", "I changed my mind"),
    "does_not_fit": Bilingual("Ne convient pas (taille, couleur)", "Doesn't fit (size, colour)"),
    "defective": Bilingual("Défectueux, en panne", "Faulty, broken down"),
    "damaged_in_transit": Bilingual("Abîmé à la livraison", "Damaged in transit"),
    "wrong_item": Bilingual("Mauvais article reçu", "Wrong item received"),
    "missing_part": Bilingual("Il manque une pièce", "A part is missing"),
}
RESOLUTION_LABELS: dict[str, Bilingual] = {
    "refund": Bilingual("Remboursement", "Refund"),
    "exchange": Bilingual("Échange", "Exchange"),
    "repair": Bilingual("Réparation", "Repair"),
}
# One label for each of comptoir.shop.models.RETURN_STATUSES (a unit test checks it).
STATUS_LABELS: dict[str, Bilingual] = {
    "requested": Bilingual("demandé", "requested"),
    "label_sent": Bilingual("étiquette envoyée", "label sent"),
    "in_transit": Bilingual("en route vers nous", "on its way to us"),
    "received": Bilingual("reçu", "received"),
    "inspected": Bilingual("vérifié", "inspected"),
    "refunded": Bilingual("remboursé", "refunded"),
    "exchanged": Bilingual("échangé", "exchanged"),
    "repaired": Bilingual("réparé", "repaired"),
    "rejected": Bilingual("refusé", "rejected"),
}

# --- the questions of the flow and their buttons -----------------------------------------
ASK_ITEM = Bilingual("Quel article voulez-vous retourner ?", "Which item would you like to return?")
ASK_REASON = Bilingual("Pour quelle raison ?", "What is the reason?")
ASK_RESOLUTION = Bilingual("Que souhaitez-vous ?", "What would you like?")
TIP = Bilingual(
    "Avant tout, un conseil qui règle souvent le problème :\n{tip}",
    "First, a tip that often solves it:\n{tip}",
)
TIP_WORKED = Bilingual("Est-ce que cela a résolu le problème ?", "Did that solve it?")
TIP_YES = Bilingual("Oui, c'est réglé", "Yes, it's fixed")
TIP_NO = Bilingual("Non, toujours en panne", "No, still faulty")
TIP_SOLVED = Bilingual(
    "Tant mieux ! Aucun retour n'est donc nécessaire. Je reste là si le problème revient.",
    "Great! No return is needed then. I'm here if the problem comes back.",
)
CONFIRM_YES = Bilingual("Oui, je confirme", "Yes, confirm")
CONFIRM_NO = Bilingual("Non", "No")
DECLINED = Bilingual("D'accord, je n'ouvre pas de retour.", "All right, I won't open a return.")
IT_IS_FAULTY = Bilingual("C'est un défaut", "It's faulty")
POLICY_UNAVAILABLE = Bilingual(
    "Je ne peux pas traiter les retours pour le moment. Un conseiller peut s'en charger.",
    "I can't handle returns right now. An agent can take care of it.",
)

# --- the summary before confirmation ----------------------------------------------------
RULES = {
    "withdrawal": Bilingual(
        "Droit de rétractation : livré le {delivered}, vous avez jusqu'au {deadline}.",
        "Right of withdrawal: delivered on {delivered}, you have until {deadline}.",
    ),
    "shop_fault": Bilingual(
        "L'erreur vient de nous ou du transport : le retour est à nos frais.",
        "The fault is ours or the carrier's: the return is at our cost.",
    ),
    "legal_guarantee": Bilingual(
        "Garantie légale de conformité, valable jusqu'au {guarantee}.",
        "Legal guarantee of conformity, valid until {guarantee}.",
    ),
}
FREE_LABEL = Bilingual(
    "Étiquette de retour prépayée offerte.", "Prepaid return label free of charge."
)
PAID_LABEL = Bilingual(
    "L'étiquette de retour coûte {cost}, déduits du remboursement.",
    "The return label costs {cost}, deducted from the refund.",
)
SUMMARY = Bilingual(
    "Récapitulatif : {item} (commande {order}), {resolution}.\n{rule}\n{cost}\n"
    "Je confirme la demande ?",
    "Summary: {item} (order {order}), {resolution}.\n{rule}\n{cost}\nShall I confirm the request?",
)

# --- refusals ---------------------------------------------------------------------------
REFUSALS = {
    "not_delivered": Bilingual(
        "Cette commande n'est pas encore livrée : vous pourrez la refuser à la livraison ou "
        "la retourner ensuite.",
        "This order is not delivered yet: you can refuse it on delivery or return it afterwards.",
    ),
    "window_closed": Bilingual(
        "Le délai de rétractation est dépassé : il se terminait le {deadline}.",
        "The withdrawal period is over: it ended on {deadline}.",
    ),
    "excluded": Bilingual(
        "Cet article ne peut pas être retourné pour un changement d'avis (article "
        "personnalisé ou d'hygiène).",
        "This item cannot be returned for a change of mind (personalised or hygiene item).",
    ),
    "guarantee_expired": Bilingual(
        "La garantie légale de {years} ans est terminée pour cet article.",
        "The {years}-year legal guarantee has ended for this item.",
    ),
}
OTHER_WAYS = Bilingual(
    " Si l'article présente un défaut, la garantie légale s'applique. Un conseiller peut "
    "aussi étudier une exception.",
    " If the item is faulty, the legal guarantee applies. An agent can also consider an exception.",
)

# --- the return is recorded -------------------------------------------------------------
ALREADY_OPEN = Bilingual(
    "Un retour est déjà ouvert pour cet article : {number}.",
    "A return is already open for this item: {number}.",
)
PREPAID_LABEL_LINK = Bilingual(
    "\nVotre étiquette prépayée : https://retours.example/{number}",
    "\nYour prepaid label: https://retours.example/{number}",
)
PRINT_LABEL = Bilingual(
    "\nImprimez l'étiquette depuis votre compte ({cost} déduits du remboursement).",
    "\nPrint the label from your account ({cost} deducted from the refund).",
)
CREATED = Bilingual(
    "C'est fait : votre demande {number} est enregistrée.{label}\nEmballez l'article avec "
    "ses accessoires et déposez-le en point relais. Nous vous remboursons ou vous "
    "renvoyons l'article au plus tard {refund_days} jours après réception du retour.",
    "Done: your request {number} is registered.{label}\nPack the item with its accessories "
    "and drop it at a pickup point. We refund or send the item back at the latest "
    "{refund_days} days after receiving the return.",
)

# --- where a return stands --------------------------------------------------------------
NO_RETURN = Bilingual(
    "Aucun retour n'est ouvert pour la commande {order}.", "There is no return for order {order}."
)
PROGRESS = Bilingual(
    "Retour {number} : {state}. Étapes : {steps}.", "Return {number}: {state}. Steps: {steps}."
)
REFUND_PROMISED = Bilingual(
    " Remboursement promis au plus tard le {day}.", " Refund promised by {day}."
)
REFUND_OVERDUE = Bilingual(
    "Votre remboursement est en retard sur notre promesse, toutes nos excuses. Je transmets "
    "votre dossier en priorité à un conseiller.",
    "Your refund is later than we promised, we are sorry. I'm passing your case to an agent "
    "with priority.",
)


def status_label(status: str, language: str) -> str:
    """A return status as a shopper reads it ("étiquette envoyée", not ``label_sent``)."""
    label = STATUS_LABELS.get(status)
    return label(language) if label else status


def _label_cost(policy: ReturnsPolicy, language: str) -> str:
    return wording.euros(policy.shopper_label_cost_eur, language)


def summary(
    *,
    order_number: str,
    item: str,
    resolution: str,
    eligibility: Eligibility,
    delivered_on: date | None,
    policy: ReturnsPolicy,
    language: str,
) -> str:
    """The request as it will be recorded, with its rule, dates and who pays the label."""
    dates = {
        "delivered": delivered_on,
        "deadline": eligibility.withdrawal_deadline,
        "guarantee": eligibility.guarantee_until,
    }
    rule = RULES[eligibility.rule](
        language, **{k: wording.day(v, language) for k, v in dates.items() if v}
    )
    cost = (
        FREE_LABEL(language)
        if eligibility.payer == "shop"
        else PAID_LABEL(language, cost=_label_cost(policy, language))
    )
    return SUMMARY(
        language,
        item=item,
        order=order_number,
        resolution=RESOLUTION_LABELS[resolution](language).lower(),
        rule=rule,
        cost=cost,
    )


def refusal(eligibility: Eligibility, policy: ReturnsPolicy, language: str) -> str:
    """Why the return is refused, and the two ways still open (guarantee, a person)."""
    deadline = eligibility.withdrawal_deadline
    why = REFUSALS[eligibility.refusal](
        language,
        deadline=wording.day(deadline, language) if deadline else "",
        years=policy.legal_guarantee_years,
    )
    return why + OTHER_WAYS(language)


def created(record: ReturnRequest, policy: ReturnsPolicy, language: str) -> str:
    """The new return's number, its label and the refund promise."""
    label = (
        PREPAID_LABEL_LINK(language, number=record.number)
        if record.payer == "shop"
        else PRINT_LABEL(language, cost=_label_cost(policy, language))
    )
    return CREATED(language, number=record.number, label=label, refund_days=policy.refund_days)


def progress(record: ReturnRequest, refund_due: date | None, language: str) -> str:
    """One return's state, its steps with their dates, and the promised refund date."""
    steps = ", ".join(
        f"{status_label(event.status, language)} ({wording.day(event.at.date(), language)})"
        for event in record.history
    )
    text = PROGRESS(
        language, number=record.number, state=status_label(record.status, language), steps=steps
    )
    if refund_due:
        text += REFUND_PROMISED(language, day=wording.day(refund_due, language))
    return text
