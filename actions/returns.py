"""Return and warranty requests in the conversation, step by step, with buttons.

The steps live in slots (item, reason, troubleshooting, resolution, confirmation), so
one action resumes wherever the shopper is; every click is a ``start_return`` message
carrying the chosen value as an entity. The decision comes from the shop's policy file
and is explained with its rule and dates.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.i18n import language_of
from comptoir.settings import get_settings
from comptoir.shop import wording
from comptoir.shop.eligibility import decide
from comptoir.shop.models import Order
from comptoir.shop.policy import REASONS, ReturnsPolicy, load_policy
from comptoir.shop.returns import create_return, refund_due, refund_overdue, returns_of
from comptoir.shop.service import load_order, open_session

REASON_LABELS = {
    "changed_mind": ("J'ai changé d'avis", "I changed my mind"),
    "does_not_fit": ("Ne convient pas (taille, couleur)", "Doesn't fit (size, colour)"),
    "defective": ("Défectueux, en panne", "Faulty, broken down"),
    "damaged_in_transit": ("Abîmé à la livraison", "Damaged in transit"),
    "wrong_item": ("Mauvais article reçu", "Wrong item received"),
    "missing_part": ("Il manque une pièce", "A part is missing"),
}
RESOLUTION_LABELS = {
    "refund": ("Remboursement", "Refund"),
    "exchange": ("Échange", "Exchange"),
    "repair": ("Réparation", "Repair"),
}
STATUS_LABELS = {
    "requested": ("demandé", "requested"),
    "label_sent": ("étiquette envoyée", "label sent"),
    "in_transit": ("en route vers nous", "on its way to us"),
    "received": ("reçu", "received"),
    "inspected": ("vérifié", "inspected"),
    "refunded": ("remboursé", "refunded"),
    "exchanged": ("échangé", "exchanged"),
    "repaired": ("réparé", "repaired"),
    "rejected": ("refusé", "rejected"),
}
TIPS = {"lighting": "depannage-lampe", "audio": "depannage-enceinte"}
logger = logging.getLogger(__name__)
RESET = ["return_sku", "return_reason", "return_resolution", "return_step"]


def t(language: str, french: str, english: str) -> str:
    return french if language == "fr" else english


def delivered_on(order: Order) -> date | None:
    """The delivery date: the parcels' delivered scan, else the promise of a delivered order."""
    days = [e.at.date() for s in order.shipments for e in s.events if e.status == "delivered"]
    if days:
        return max(days)
    return order.promised_delivery if order.status == "delivered" else None


def _reset() -> list[dict[str, Any]]:
    return [SlotSet(name, None) for name in RESET]


def status_label(status: str, language: str) -> str:
    """A return status as a shopper reads it ("étiquette envoyée", not ``label_sent``)."""
    return t(language, *STATUS_LABELS.get(status, (status, status)))


def policy_or_apology(dispatcher: CollectingDispatcher, language: str) -> ReturnsPolicy | None:
    """The shop's policy, or a polite apology when the operator's file is broken.

    A typo in ``policy/returns.yml`` must never become a stack trace in the chat, nor a
    decision taken on a half-read rule: no decision at all, and a person to turn to.
    """
    try:
        return load_policy()
    except (OSError, ValueError, yaml.YAMLError):
        logger.exception("the returns policy cannot be read: no return decision is taken")
        dispatcher.utter_message(
            text=t(
                language,
                "Je ne peux pas traiter les retours pour le moment. Un conseiller peut s'en charger.",
                "I can't handle returns right now. An agent can take care of it.",
            ),
            buttons=[
                {
                    "title": t(language, "Parler à un conseiller", "Talk to an agent"),
                    "payload": "/request_human",
                }
            ],
        )
        return None


class ActionReturnFlow(Action):
    """Walk the shopper through one return, resuming at the current step."""

    def name(self) -> str:
        return "action_return_flow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """One step, then wait for the shopper.

        The step resets or moves ``return_step``, which the rules that led here were
        conditioned on; without an explicit wait, no rule matches the new state and
        Rasa's fallback would revert the shopper's message, undoing the step.
        """
        events = await self._step(dispatcher, tracker)
        if not any(event.get("event") == "followup" for event in events):
            events.append(FollowupAction("action_listen"))
        return events

    async def _step(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        number = tracker.get_slot("verified_order")
        if not number:  # verify the order first, then come back here
            dispatcher.utter_message(
                text=t(
                    language,
                    "Je dois d'abord retrouver votre commande.",
                    "First I need to find your order.",
                )
            )
            return [SlotSet("pending_task", "return"), FollowupAction("action_order_status_start")]
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        slots = {name: tracker.get_slot(name) for name in RESET}
        for name in ("return_sku", "return_reason", "return_resolution"):
            value = next(tracker.get_latest_entity_values(name), None)
            if value:
                slots[name] = value
        policy = policy_or_apology(dispatcher, language)
        if policy is None:
            return _reset()
        with open_session(get_settings().shop_db_url) as session:
            order = load_order(session, number)
            if order is None:
                return _reset()
            events = [SlotSet(k, v) for k, v in slots.items() if k != "return_step"]
            step = slots["return_step"]
            if step == "troubleshooting":
                if intent == "affirm":
                    dispatcher.utter_message(
                        text=t(
                            language,
                            "Tant mieux ! Aucun retour n'est donc nécessaire. Je reste là si le problème revient.",
                            "Great! No return is needed then. I'm here if the problem comes back.",
                        )
                    )
                    return _reset()
                slots["return_step"] = step = "tip_failed"
            if step == "confirm":
                if intent == "deny":
                    dispatcher.utter_message(
                        text=t(
                            language,
                            "D'accord, je n'ouvre pas de retour.",
                            "All right, I won't open a return.",
                        )
                    )
                    return _reset()
                if intent == "affirm":
                    return self._create(
                        dispatcher, session, order, slots, policy, language, tracker.sender_id
                    )
            line_skus = [line.sku for line in order.lines]
            if slots["return_sku"] not in line_skus:
                if len(line_skus) == 1:
                    slots["return_sku"] = line_skus[0]
                    events.append(SlotSet("return_sku", line_skus[0]))
                else:
                    dispatcher.utter_message(
                        text=t(
                            language,
                            "Quel article voulez-vous retourner ?",
                            "Which item would you like to return?",
                        ),
                        buttons=[
                            {
                                "title": line.name,
                                "payload": f'/start_return{{"return_sku":"{line.sku}"}}',
                            }
                            for line in order.lines
                        ],
                    )
                    return events
            if slots["return_reason"] not in REASONS:
                dispatcher.utter_message(
                    text=t(language, "Pour quelle raison ?", "What is the reason?"),
                    buttons=[
                        {
                            "title": t(language, *REASON_LABELS[r]),
                            "payload": f'/start_return{{"return_reason":"{r}"}}',
                        }
                        for r in REASONS
                    ],
                )
                return events
            line = next(line for line in order.lines if line.sku == slots["return_sku"])
            tip = TIPS.get(line.category)
            if (
                slots["return_reason"] == "defective"
                and tip
                and step not in ("tip_failed", "resolution", "confirm")
            ):
                from actions.knowledge import knowledge_service

                index = knowledge_service().index
                article = index.by_id.get(tip)
                article = index.translation(article, language) if article else None
                if article is not None:
                    dispatcher.utter_message(
                        text=t(
                            language,
                            f"Avant tout, un conseil qui règle souvent le problème :\n{article.short_answer}",
                            f"First, a tip that often solves it:\n{article.short_answer}",
                        )
                    )
                    dispatcher.utter_message(
                        text=t(
                            language, "Est-ce que cela a résolu le problème ?", "Did that solve it?"
                        ),
                        buttons=[
                            {
                                "title": t(language, "Oui, c'est réglé", "Yes, it's fixed"),
                                "payload": "/affirm",
                            },
                            {
                                "title": t(language, "Non, toujours en panne", "No, still faulty"),
                                "payload": "/deny",
                            },
                        ],
                    )
                    return [*events, SlotSet("return_step", "troubleshooting")]
            eligibility = decide(
                policy,
                reason=slots["return_reason"],
                sku=line.sku,
                category=line.category,
                delivered_on=delivered_on(order),
                today=date.today(),
            )
            if not eligibility.eligible:
                self._refuse(dispatcher, eligibility, language)
                return _reset()
            if slots["return_resolution"] not in eligibility.resolutions:
                dispatcher.utter_message(
                    text=t(language, "Que souhaitez-vous ?", "What would you like?"),
                    buttons=[
                        {
                            "title": t(language, *RESOLUTION_LABELS[r]),
                            "payload": f'/start_return{{"return_resolution":"{r}"}}',
                        }
                        for r in eligibility.resolutions
                    ],
                )
                return [*events, SlotSet("return_step", "resolution")]
            dispatcher.utter_message(
                text=self._summary(order, line.name, slots, eligibility, policy, language),
                buttons=[
                    {
                        "title": t(language, "Oui, je confirme", "Yes, confirm"),
                        "payload": "/affirm",
                    },
                    {"title": t(language, "Non", "No"), "payload": "/deny"},
                ],
            )
            return [*events, SlotSet("return_step", "confirm")]

    @staticmethod
    def _summary(order, item, slots, eligibility, policy, language) -> str:
        rule = {
            "withdrawal": t(
                language,
                f"Droit de rétractation : livré le {wording.day(delivered_on(order), 'fr')}, vous avez jusqu'au {wording.day(eligibility.withdrawal_deadline, 'fr')}.",
                f"Right of withdrawal: delivered on {wording.day(delivered_on(order), 'en')}, you have until {wording.day(eligibility.withdrawal_deadline, 'en')}.",
            ),
            "shop_fault": t(
                language,
                "L'erreur vient de nous ou du transport : le retour est à nos frais.",
                "The fault is ours or the carrier's: the return is at our cost.",
            ),
            "legal_guarantee": t(
                language,
                f"Garantie légale de conformité, valable jusqu'au {wording.day(eligibility.guarantee_until, 'fr')}.",
                f"Legal guarantee of conformity, valid until {wording.day(eligibility.guarantee_until, 'en')}.",
            ),
        }[eligibility.rule]
        cost = (
            t(
                language,
                "Étiquette de retour prépayée offerte.",
                "Prepaid return label free of charge.",
            )
            if eligibility.payer == "shop"
            else t(
                language,
                f"L'étiquette de retour coûte {wording.euros(policy.shopper_label_cost_eur, 'fr')}, déduits du remboursement.",
                f"The return label costs {wording.euros(policy.shopper_label_cost_eur, 'en')}, deducted from the refund.",
            )
        )
        resolution = t(language, *RESOLUTION_LABELS[slots["return_resolution"]])
        return t(
            language,
            f"Récapitulatif : {item} (commande {order.number}), {resolution.lower()}.\n{rule}\n{cost}\nJe confirme la demande ?",
            f"Summary: {item} (order {order.number}), {resolution.lower()}.\n{rule}\n{cost}\nShall I confirm the request?",
        )

    @staticmethod
    def _refuse(dispatcher, eligibility, language) -> None:
        why = {
            "not_delivered": t(
                language,
                "Cette commande n'est pas encore livrée : vous pourrez la refuser à la livraison ou la retourner ensuite.",
                "This order is not delivered yet: you can refuse it on delivery or return it afterwards.",
            ),
            "window_closed": t(
                language,
                f"Le délai de rétractation est dépassé : il se terminait le {wording.day(eligibility.withdrawal_deadline, 'fr')}.",
                f"The withdrawal period is over: it ended on {wording.day(eligibility.withdrawal_deadline, 'en')}.",
            ),
            "excluded": t(
                language,
                "Cet article ne peut pas être retourné pour un changement d'avis (article personnalisé ou d'hygiène).",
                "This item cannot be returned for a change of mind (personalised or hygiene item).",
            ),
            "guarantee_expired": t(
                language,
                "La garantie légale de 2 ans est terminée pour cet article.",
                "The 2-year legal guarantee has ended for this item.",
            ),
        }[eligibility.refusal]
        dispatcher.utter_message(
            text=why
            + t(
                language,
                " Si l'article présente un défaut, la garantie légale s'applique. Un conseiller peut aussi étudier une exception.",
                " If the item is faulty, the legal guarantee applies. An agent can also consider an exception.",
            ),
            buttons=[
                {
                    "title": t(language, "C'est un défaut", "It's faulty"),
                    "payload": '/start_return{"return_reason":"defective"}',
                },
                {
                    "title": t(language, "Parler à un conseiller", "Talk to an agent"),
                    "payload": "/request_human",
                },
            ],
            json_message={"kind": "return_refused", "refusal": eligibility.refusal},
        )

    def _create(self, dispatcher, session, order, slots, policy, language, conversation_id):
        line = next(line for line in order.lines if line.sku == slots["return_sku"])
        eligibility = decide(
            policy,
            reason=slots["return_reason"],
            sku=line.sku,
            category=line.category,
            delivered_on=delivered_on(order),
            today=date.today(),
        )
        if not eligibility.eligible:
            self._refuse(dispatcher, eligibility, language)
            return _reset()
        record, created = create_return(
            session,
            order,
            sku=line.sku,
            reason=slots["return_reason"],
            resolution=slots["return_resolution"],
            eligibility=eligibility,
            conversation_id=conversation_id,
        )
        if not created:
            dispatcher.utter_message(
                text=t(
                    language,
                    f"Un retour est déjà ouvert pour cet article : {record.number}.",
                    f"A return is already open for this item: {record.number}.",
                ),
                json_message={
                    "kind": "return_created",
                    "return_number": record.number,
                    "created": False,
                },
            )
            return _reset()
        label = (
            t(
                language,
                f"\nVotre étiquette prépayée : https://retours.example/{record.number}",
                f"\nYour prepaid label: https://retours.example/{record.number}",
            )
            if eligibility.payer == "shop"
            else t(
                language,
                f"\nImprimez l'étiquette depuis votre compte ({wording.euros(policy.shopper_label_cost_eur, 'fr')} déduits du remboursement).",
                f"\nPrint the label from your account ({wording.euros(policy.shopper_label_cost_eur, 'en')} deducted from the refund).",
            )
        )
        dispatcher.utter_message(
            text=t(
                language,
                f"C'est fait : votre demande {record.number} est enregistrée.{label}\nEmballez l'article avec ses accessoires et déposez-le en point relais. Nous vous remboursons ou vous renvoyons l'article au plus tard {policy.refund_days} jours après réception du retour.",
                f"Done: your request {record.number} is registered.{label}\nPack the item with its accessories and drop it at a pickup point. We refund or send the item back at the latest {policy.refund_days} days after receiving the return.",
            ),
            json_message={
                "kind": "return_created",
                "return_number": record.number,
                "created": True,
            },
        )
        return _reset()


class ActionReturnStatus(Action):
    """Where each return of the verified order stands; an overdue refund goes to a person."""

    def name(self) -> str:
        return "action_return_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        number = tracker.get_slot("verified_order")
        if not number:
            dispatcher.utter_message(
                text=t(
                    language,
                    "Je dois d'abord retrouver votre commande.",
                    "First I need to find your order.",
                )
            )
            return [
                SlotSet("pending_task", "return_status"),
                FollowupAction("action_order_status_start"),
            ]
        policy = policy_or_apology(dispatcher, language)
        if policy is None:
            return []
        with open_session(get_settings().shop_db_url) as session:
            records = returns_of(session, number)
            if not records:
                dispatcher.utter_message(
                    text=t(
                        language,
                        f"Aucun retour n'est ouvert pour la commande {number}.",
                        f"There is no return for order {number}.",
                    )
                )
                return []
            overdue = False
            for record in records:
                steps = ", ".join(
                    f"{status_label(e.status, language)} ({wording.day(e.at.date(), language)})"
                    for e in record.history
                )
                state = status_label(record.status, language)
                text = t(
                    language,
                    f"Retour {record.number} : {state}. Étapes : {steps}.",
                    f"Return {record.number}: {state}. Steps: {steps}.",
                )
                due = refund_due(policy, record)
                if due:
                    text += t(
                        language,
                        f" Remboursement promis au plus tard le {wording.day(due, 'fr')}.",
                        f" Refund promised by {wording.day(due, 'en')}.",
                    )
                if refund_overdue(policy, record, date.today()):
                    overdue = True
                dispatcher.utter_message(text=text)
        if overdue:
            dispatcher.utter_message(
                text=t(
                    language,
                    "Votre remboursement est en retard sur notre promesse, toutes nos excuses. Je transmets votre dossier en priorité à un conseiller.",
                    "Your refund is later than we promised, we are sorry. I'm passing your case to an agent with priority.",
                ),
                buttons=[
                    {
                        "title": t(language, "Parler à un conseiller", "Talk to an agent"),
                        "payload": "/request_human",
                    }
                ],
                json_message={"kind": "refund_overdue", "priority": True},
            )
        return []
