"""Order status in the conversation: prove ownership, then tell the whole truth.

``action_order_status_start`` decides how to begin (a signed-in shopper's orders, an
order already verified in this conversation, or the verification form);
``validate_order_status_form`` extracts the order number and the e-mail or postcode and
checks them; ``action_order_status_answer`` describes the verified order.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.i18n import language_of
from comptoir.settings import get_settings
from comptoir.shop.describe import describe_order
from comptoir.shop.numbers import normalise_order_number
from comptoir.shop.service import load_order, open_session, recent_orders
from comptoir.shop.verification import Outcome, identity_is_valid, is_locked, verify

log = logging.getLogger(__name__)

# Intents that, without any order number or proof in the message, are a digression.
DIGRESSIONS = {
    "faq",
    "request_human",
    "deny",
    "out_of_scope",
    "goodbye",
    "bot_challenge",
    "start_return",
    "return_status",
    "thank",
    "greet",
}
# What the shopper asked for before their order had to be verified.
PENDING_TASKS = {"return": "action_return_flow", "return_status": "action_return_status"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
POSTCODE = re.compile(r"\b(?=[A-Z0-9 ]*\d)[A-Z0-9]{2,4} ?[A-Z0-9]{0,4}\b", re.IGNORECASE)

TEXT = {
    "bad_number": (
        "Je n'ai pas reconnu de numéro de commande. Il ressemble à CMD-10001 et figure dans "
        "l'e-mail de confirmation.",
        "I couldn't find an order number there. It looks like CMD-10001 and is in your "
        "confirmation email.",
    ),
    "rejected": (
        "Je ne retrouve pas de commande correspondant à ces informations. Vérifions "
        "ensemble : quel est le numéro de commande ?",
        "I can't find an order matching these details. Let's check again: what is the "
        "order number?",
    ),
    "locked": (
        "Pour protéger vos données, je ne peux plus vérifier de commande dans cette "
        "conversation. Un conseiller peut vous aider.",
        "To protect your data, I can no longer check orders in this conversation. An "
        "agent can help you.",
    ),
    "pick_order": (
        "Voici vos dernières commandes : laquelle voulez-vous suivre ?",
        "Here are your latest orders: which one would you like to follow?",
    ),
    "no_recent": (
        "Je ne trouve pas de commande récente à votre nom. Quel est le numéro de commande ?",
        "I can't find a recent order in your name. What is the order number?",
    ),
    "inquiry_yes": ("Oui, ouvrir une enquête", "Yes, open an inquiry"),
    "inquiry_no": ("Non merci", "No thanks"),
    "agent": ("Parler à un conseiller", "Talk to an agent"),
}


def say(key: str, language: str) -> str:
    french, english = TEXT[key]
    return french if language == "fr" else english


def signed_in_email(tracker: Tracker) -> str | None:
    """The shop's signed-in shopper, only when the shop's signature is valid."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    email, signature = metadata.get("customer_email"), metadata.get("customer_signature")
    if not email and not signature:
        return None
    if identity_is_valid(str(email or ""), str(signature or ""), get_settings().identity_secret):
        return str(email).strip().lower()
    log.warning("invalid customer signature ignored (conversation %s)", tracker.sender_id)
    return None


def answer_order(dispatcher: CollectingDispatcher, number: str, language: str) -> list[dict]:
    """Describe a verified order; remember it for follow-ups, returns and handoff."""
    with open_session(get_settings().shop_db_url) as session:
        order = load_order(session, number)
        if order is None:  # deleted since verification
            dispatcher.utter_message(text=say("rejected", language))
            return [SlotSet("verified_order", None)]
        report = describe_order(order, language, date.today())
    for position, text in enumerate(report.messages, start=1):
        last = position == len(report.messages)
        buttons = []
        if last and report.offer_inquiry:
            buttons = [
                {"title": say("inquiry_yes", language), "payload": "/request_human"},
                {"title": say("inquiry_no", language), "payload": "/deny"},
            ]
        dispatcher.utter_message(
            text=text,
            buttons=buttons,
            json_message={
                "kind": "order_status",
                "order_number": number,
                "language": language,
                "late": report.late,
                "inquiry_offered": report.offer_inquiry,
            }
            if last
            else None,
        )
    return [SlotSet("verified_order", number), SlotSet("order_number", number)]


class ActionOrderStatusStart(Action):
    """Begin an order-status request the shortest safe way."""

    def name(self) -> str:
        return "action_order_status_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        number = next(tracker.get_latest_entity_values("order_number"), None)
        number = normalise_order_number(number or text)
        verified = tracker.get_slot("verified_order")
        if verified and number in (None, verified):
            return answer_order(dispatcher, verified, language)
        email = signed_in_email(tracker)
        if email:
            with open_session(get_settings().shop_db_url) as session:
                orders = recent_orders(session, email)
                owned = {o.number for o in orders}
                if number and number in owned:
                    pending = tracker.get_slot("pending_task")
                    if pending in PENDING_TASKS:
                        return [
                            SlotSet("verified_order", number),
                            SlotSet("pending_task", None),
                            FollowupAction(PENDING_TASKS[pending]),
                        ]
                    return answer_order(dispatcher, number, language)
                if number is None and orders:
                    buttons = [
                        {
                            "title": f"{o.number} — {', '.join(line.name for line in o.lines)[:40]}",
                            "payload": f'/order_status{{"order_number":"{o.number}"}}',
                        }
                        for o in orders
                    ]
                    dispatcher.utter_message(text=say("pick_order", language), buttons=buttons)
                    return []
        with open_session(get_settings().shop_db_url) as session:
            if is_locked(session, tracker.sender_id, number):
                dispatcher.utter_message(
                    text=say("locked", language),
                    buttons=[{"title": say("agent", language), "payload": "/request_human"}],
                    json_message={"kind": "verification_locked"},
                )
                return []
        return [
            SlotSet("order_number", number),
            SlotSet("order_proof", None),
            FollowupAction("order_status_form"),
        ]


class ValidateOrderStatusForm(FormValidationAction):
    """Extract and check the order number and the e-mail or postcode."""

    def name(self) -> str:
        return "validate_order_status_form"

    @staticmethod
    def _is_digression(tracker: Tracker) -> bool:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        return intent in DIGRESSIONS

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "order_number":
            return {}
        text = (tracker.latest_message or {}).get("text") or ""
        number = normalise_order_number(text)
        if number is None and self._is_digression(tracker):
            return {}  # let the digression rules answer, then the form resumes
        return {"order_number": number or "__unrecognised__"}

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        language = language_of(tracker)
        if not value or value == "__unrecognised__":
            dispatcher.utter_message(text=say("bad_number", language))
            return {"order_number": None}
        return {"order_number": value}

    async def extract_order_proof(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "order_proof":
            return {}
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        email = EMAIL.search(text)
        if email:
            return {"order_proof": email.group(0)}
        postcode = POSTCODE.search(text)
        if postcode and len(text) <= 40:
            return {"order_proof": postcode.group(0)}
        if self._is_digression(tracker):
            return {}
        return {"order_proof": text[:120] or "__empty__"}

    def validate_order_proof(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        language = language_of(tracker)
        number = tracker.get_slot("order_number")
        with open_session(get_settings().shop_db_url) as session:
            result = verify(session, tracker.sender_id, number or "", str(value or ""))
        if result.outcome is Outcome.VERIFIED:
            return {"order_proof": "verified", "verified_order": number}
        if result.outcome is Outcome.LOCKED:
            dispatcher.utter_message(
                text=say("locked", language),
                buttons=[{"title": say("agent", language), "payload": "/request_human"}],
                json_message={"kind": "verification_locked"},
            )
            return {"order_proof": "locked", "verified_order": None}
        dispatcher.utter_message(text=say("rejected", language))
        return {"order_number": None, "order_proof": None}


class ActionOrderStatusAnswer(Action):
    """After the form: describe the verified order (nothing if verification failed)."""

    def name(self) -> str:
        return "action_order_status_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SlotSet("order_proof", None)]
        verified = tracker.get_slot("verified_order")
        if tracker.get_slot("order_proof") == "verified" and verified:
            pending = tracker.get_slot("pending_task")
            if pending in PENDING_TASKS:  # the shopper came to return something
                return [
                    *events,
                    SlotSet("pending_task", None),
                    FollowupAction(PENDING_TASKS[pending]),
                ]
            events = answer_order(dispatcher, verified, language_of(tracker)) + events
        return events
