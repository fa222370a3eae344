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

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ComptoirAction, Dispatcher, Events
from actions.i18n import NO_THANKS, agent_button, language_of
from comptoir import message_kinds as kinds
from comptoir.settings import get_settings
from comptoir.shop import order_wording as say
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
TASK_RETURN, TASK_RETURN_STATUS = "return", "return_status"
PENDING_TASKS = {
    TASK_RETURN: kinds.ACTION_RETURN_FLOW,
    TASK_RETURN_STATUS: kinds.ACTION_RETURN_STATUS,
}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
POSTCODE = re.compile(r"\b(?=[A-Z0-9 ]*\d)[A-Z0-9]{2,4} ?[A-Z0-9]{0,4}\b", re.IGNORECASE)


def verify_order_first(
    dispatcher: CollectingDispatcher, language: str, task: str
) -> list[dict[str, Any]]:
    """Returns need the verified order: check it, then go on with ``task`` (PENDING_TASKS)."""
    dispatcher.utter_message(text=say.FIND_ORDER_FIRST(language))
    return [SlotSet("pending_task", task), FollowupAction(kinds.ACTION_ORDER_STATUS_START)]


def _say_locked(dispatcher: CollectingDispatcher, language: str) -> None:
    dispatcher.utter_message(
        text=say.LOCKED(language),
        buttons=[agent_button(language)],
        json_message={"kind": kinds.VERIFICATION_LOCKED},
    )


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
            dispatcher.utter_message(text=say.REJECTED(language))
            return [SlotSet("verified_order", None)]
        report = describe_order(order, language, date.today())
    for position, text in enumerate(report.messages, start=1):
        last = position == len(report.messages)
        buttons = []
        if last and report.offer_inquiry:
            buttons = [
                {"title": say.OPEN_INQUIRY(language), "payload": "/request_human"},
                {"title": NO_THANKS(language), "payload": "/deny"},
            ]
        dispatcher.utter_message(
            text=text,
            buttons=buttons,
            json_message={
                "kind": kinds.ORDER_STATUS,
                "order_number": number,
                "language": language,
                "late": report.late,
                "inquiry_offered": report.offer_inquiry,
            }
            if last
            else None,
        )
    return [SlotSet("verified_order", number), SlotSet("order_number", number)]


class ActionOrderStatusStart(ComptoirAction):
    """Begin an order-status request the shortest safe way."""

    action_name = kinds.ACTION_ORDER_STATUS_START

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
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
                    dispatcher.utter_message(text=say.PICK_ORDER(language), buttons=buttons)
                    return []
        with open_session(get_settings().shop_db_url) as session:
            if is_locked(session, tracker.sender_id, number):
                _say_locked(dispatcher, language)
                return []
        return [
            SlotSet("order_number", number),
            SlotSet("order_proof", None),
            FollowupAction(kinds.ORDER_STATUS_FORM),
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
        if not value or value == "__unrecognised__":
            dispatcher.utter_message(text=say.BAD_NUMBER(language_of(tracker)))
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
            _say_locked(dispatcher, language)
            return {"order_proof": "locked", "verified_order": None}
        dispatcher.utter_message(text=say.REJECTED(language))
        return {"order_number": None, "order_proof": None}


class ActionOrderStatusAnswer(ComptoirAction):
    """After the form: describe the verified order (nothing if verification failed)."""

    action_name = kinds.ACTION_ORDER_STATUS_ANSWER

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
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
            events = answer_order(dispatcher, verified, language) + events
        return events
