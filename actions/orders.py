"""Order status in the conversation: prove ownership, then tell the whole truth.

``action_order_status_start`` decides how to begin (a signed-in shopper's orders, an
order already verified in this conversation, the verification form, or, when the shop
accepts only signed-in shoppers, the way to sign in); ``action_ask_order_proof`` asks
for the proof the shop accepts (``order_proof``); ``validate_order_status_form``
extracts the order number and the proof and checks them for this conversation and
client address (the desk's ``client_address`` metadata); ``action_order_status_answer``
describes the verified order, once the database confirms this conversation proved it.
When the shopper came for a return (asked for it, or typed it in words the classifier
took for an order question), the verified order goes to that task instead of a status
(``actions/tasks.py``).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ComptoirAction, Dispatcher, Events
from actions.i18n import NO_THANKS, agent_button, language_of
from actions.live import refreshed
from actions.tasks import PENDING_TASKS, TASK_SLOT, handed_over, requested_task, resume
from comptoir import message_kinds as kinds
from comptoir.settings import get_settings
from comptoir.shop import order_wording as say
from comptoir.shop.describe import describe_order
from comptoir.shop.numbers import EXAMPLES, normalise_order_number, number_style
from comptoir.shop.service import load_order, open_session, recent_orders
from comptoir.shop.verification import (
    EMAIL,
    EMAIL_OR_POSTCODE,
    GLOBAL,
    POSTCODES,
    SIGNED_ONLY,
    Limits,
    Outcome,
    Requester,
    identity_is_valid,
    lock_of,
    read_proof,
    record_signed_in,
    verify,
    was_verified,
)

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
PROOF_SLOT = "order_proof"


def metadata_of(tracker: Tracker) -> dict[str, Any]:
    """What the desk sent with the shopper's latest message."""
    return (tracker.latest_message or {}).get("metadata") or {}


def requester_of(tracker: Tracker) -> Requester:
    """This conversation and the client address the desk saw ("" when not given)."""
    address = str(metadata_of(tracker).get("client_address") or "")[:64]
    return Requester(tracker.sender_id, address)


def say_locked(dispatcher: CollectingDispatcher, language: str, limit: str | None) -> None:
    """One sentence whichever of the requester's limits was reached (it says nothing
    about the order); a pause for everyone past the global one. A person is offered."""
    dispatcher.utter_message(
        text=say.PAUSED(language) if limit == GLOBAL else say.LOCKED(language),
        buttons=[agent_button(language)],
        json_message={"kind": kinds.VERIFICATION_LOCKED},
    )


def signed_in_email(tracker: Tracker) -> str | None:
    """The shop's signed-in shopper, only when the shop's signature is valid and current."""
    metadata = metadata_of(tracker)
    email, signature = metadata.get("customer_email"), metadata.get("customer_signature")
    if not email and not signature:
        return None
    settings = get_settings()
    if identity_is_valid(
        str(email or ""),
        str(signature or ""),
        metadata.get("customer_expires"),
        settings.identity_secret,
        settings.identity_max_age_s,
    ):
        return str(email).strip().lower()
    log.warning("invalid or expired customer identity ignored (%s)", tracker.sender_id)
    return None


def shopper_answers(tracker: Tracker) -> list[tuple[str, str | None]]:
    """The shopper's messages, oldest first, each with the slot the form was asking for
    when it came (None outside the form)."""
    requested: str | None = None
    answers: list[tuple[str, str | None]] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif kind == "active_loop" and not event.get("name"):
            requested = None
        elif kind == "user":
            answers.append((str(event.get("text") or ""), requested))
    return answers


def lone_postcode(answer: tuple[str, str | None]) -> str:
    """The postcode of an answer to the proof question that gave only a postcode."""
    text, requested = answer
    proof = read_proof(text, EMAIL_OR_POSTCODE)
    return proof.postcode if requested == PROOF_SLOT and proof.postcode_only else ""


def pending_postcode(tracker: Tracker) -> str:
    """The postcode given alone just before this message, whose last name or amount is
    expected now; ""."""
    if get_settings().order_proof != EMAIL_OR_POSTCODE:
        return ""
    answers = shopper_answers(tracker)
    return lone_postcode(answers[-2]) if len(answers) >= 2 else ""


def answer_order(
    dispatcher: CollectingDispatcher, tracker: Tracker, number: str, language: str
) -> list[dict]:
    """Describe a verified order; remember it for follow-ups, returns and handoff.

    The database must confirm that this conversation proved the order: a tracker whose
    ``verified_order`` was set any other way gets the neutral sentence, nothing more.
    """
    with open_session(get_settings().shop_db_url) as session:
        order = load_order(session, number)
        if order is None or not was_verified(session, tracker.sender_id, number):
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
        number = normalise_order_number(number or text, number_style(get_settings()))
        verified = tracker.get_slot("verified_order")
        handover = handed_over(tracker)  # a return typed as an order question
        task = requested_task(tracker)
        changed = handover or task != tracker.get_slot(TASK_SLOT)
        events = [SlotSet(TASK_SLOT, task)] if changed else []
        if verified and number in (None, verified):
            if task in PENDING_TASKS:
                return resume(task)
            if not await refreshed(dispatcher, verified, language):
                return events
            return events + answer_order(dispatcher, tracker, verified, language)
        if handover:
            dispatcher.utter_message(text=say.FIND_ORDER_FIRST(language))
        email = signed_in_email(tracker)
        if email and number and not await refreshed(dispatcher, number, language):
            return events
        if email:
            found = self._signed_in(dispatcher, tracker, email, number, language, task)
            if found is not None:
                return events + found
        elif get_settings().order_proof == SIGNED_ONLY:
            dispatcher.utter_message(
                text=say.SIGN_IN_FIRST(language), buttons=[agent_button(language)]
            )
            return events
        with open_session(get_settings().shop_db_url) as session:
            limit = lock_of(session, requester_of(tracker), number, Limits.from_settings())
        if limit:
            say_locked(dispatcher, language, limit)
            return events
        return [
            *events,
            SlotSet("order_number", number),
            SlotSet(PROOF_SLOT, None),
            FollowupAction(kinds.ORDER_STATUS_FORM),
        ]

    @staticmethod
    def _signed_in(
        dispatcher: Dispatcher,
        tracker: Tracker,
        email: str,
        number: str | None,
        language: str,
        task: str | None,
    ) -> Events | None:
        """A signed-in shopper: their order at once, or their orders to pick from.
        None: go on as for a guest (an order of another address, when the shop allows)."""
        with open_session(get_settings().shop_db_url) as session:
            orders = recent_orders(session, email)
            if number and number in {o.number for o in orders}:
                record_signed_in(session, requester_of(tracker), number)
                if task in PENDING_TASKS:
                    return [SlotSet("verified_order", number), *resume(task)]
                return answer_order(dispatcher, tracker, number, language)
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
        if get_settings().order_proof == SIGNED_ONLY:
            dispatcher.utter_message(
                text=say.NOT_IN_ACCOUNT(language), buttons=[agent_button(language)]
            )
            return []
        return None


class ActionAskOrderProof(ComptoirAction):
    """The form's question for the proof: what the shop accepts, or the missing half."""

    action_name = "action_ask_order_proof"

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
        mode = get_settings().order_proof
        if mode == EMAIL_OR_POSTCODE:
            answers = shopper_answers(tracker)
            if answers and lone_postcode(answers[-1]):
                dispatcher.utter_message(text=say.ASK_DETAIL(language))
            else:
                dispatcher.utter_message(text=say.ASK_EMAIL_OR_POSTCODE(language))
        elif mode == SIGNED_ONLY:
            dispatcher.utter_message(text=say.SIGN_IN_FIRST(language))
        else:
            dispatcher.utter_message(text=say.ASK_EMAIL(language))
        return []


class ValidateOrderStatusForm(FormValidationAction):
    """Extract and check the order number and the proof of ownership."""

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
        number = normalise_order_number(text, number_style(get_settings()))
        if number is None and self._is_digression(tracker):
            return {}  # let the digression rules answer, then the form resumes
        return {"order_number": number or "__unrecognised__"}

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not value or value == "__unrecognised__":
            example = EXAMPLES[number_style(get_settings())]
            dispatcher.utter_message(text=say.BAD_NUMBER(language_of(tracker), example=example))
            return {"order_number": None}
        return {"order_number": value}

    async def extract_order_proof(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != PROOF_SLOT:
            return {}
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        looks_like_proof = EMAIL.search(text) or (
            len(text) <= 40 and any(p.search(text) for p in POSTCODES)
        )
        if not looks_like_proof and not pending_postcode(tracker) and self._is_digression(tracker):
            return {}  # a question in the middle: answered, then the form asks again
        return {PROOF_SLOT: text[:120] or "__empty__"}

    async def validate_order_proof(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        language = language_of(tracker)
        number = tracker.get_slot("order_number") or ""
        limits = Limits.from_settings()
        proof = read_proof(str(value or ""), limits.proof, pending_postcode(tracker))
        if limits.proof == EMAIL_OR_POSTCODE and proof.postcode_only:
            return {PROOF_SLOT: None}  # no try yet: the last name or amount is asked next
        with open_session(get_settings().shop_db_url) as session:
            limit = lock_of(session, requester_of(tracker), number, limits)
        if limit:  # not even the shop's platform is asked
            say_locked(dispatcher, language, limit)
            return {PROOF_SLOT: "locked", "verified_order": None}
        if not await refreshed(dispatcher, number, language):  # not a failed proof
            return {PROOF_SLOT: "unavailable", "verified_order": None}
        with open_session(get_settings().shop_db_url) as session:
            result = verify(session, requester_of(tracker), number, proof, limits)
        if result.outcome is Outcome.VERIFIED:
            return {PROOF_SLOT: "verified", "verified_order": number}
        if result.outcome in (Outcome.LOCKED, Outcome.PAUSED):
            say_locked(dispatcher, language, result.limit)
            return {PROOF_SLOT: "locked", "verified_order": None}
        if result.outcome is Outcome.SIGN_IN:
            dispatcher.utter_message(
                text=say.SIGN_IN_FIRST(language), buttons=[agent_button(language)]
            )
            return {PROOF_SLOT: "locked", "verified_order": None}
        dispatcher.utter_message(text=say.REJECTED(language))
        return {"order_number": None, PROOF_SLOT: None}


class ActionOrderStatusAnswer(ComptoirAction):
    """After the form: describe the verified order (nothing if verification failed)."""

    action_name = kinds.ACTION_ORDER_STATUS_ANSWER

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
        events: list[dict[str, Any]] = [SlotSet(PROOF_SLOT, None)]
        verified = tracker.get_slot("verified_order")
        if tracker.get_slot(PROOF_SLOT) == "verified" and verified:
            pending = tracker.get_slot(TASK_SLOT)
            if pending in PENDING_TASKS:  # the shopper came to return something
                return [*events, *resume(pending)]
            if await refreshed(dispatcher, verified, language):  # just fetched: cached
                events = answer_order(dispatcher, tracker, verified, language) + events
        return events
