"""What the shopper came for while their order was not verified yet, and how it resumes.

A return, a warranty claim and a return status need the verified order. When it is not
verified, the request waits in the ``pending_task`` slot while the order-status action
checks the order, then resumes by itself: the shopper never asks twice. A warranty
claim resumes as a return for a defect.

A return or warranty request the classifier took for an order-status question (« je
voudrais retourner un article de ma commande CMD-10001 ») becomes such a task too:
``requested_task`` reads the shopper's own words with ``comptoir.shop.request_kind``,
so a misclassification gives the return they asked for, not a status. The return-status
action reads them the same way (``handed_over_from_status``) and hands a new request to
the return flow.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from comptoir import message_kinds as kinds
from comptoir.settings import get_settings
from comptoir.shop import order_wording as say
from comptoir.shop.numbers import normalise_order_number, number_style
from comptoir.shop.request_kind import request_kind

TASK_RETURN, TASK_WARRANTY, TASK_RETURN_STATUS = "return", "warranty", "return_status"
PENDING_TASKS = {
    TASK_RETURN: kinds.ACTION_RETURN_FLOW,
    TASK_WARRANTY: kinds.ACTION_RETURN_FLOW,
    TASK_RETURN_STATUS: kinds.ACTION_RETURN_STATUS,
}
TASK_SLOT = "pending_task"
# The intents whose typed words may carry a return request the flow reads itself: a
# return, or one the classifier took for a return-status question.
REQUEST_INTENTS = ("start_return", "return_status")
DEFECT = "defective"  # the return reason the legal guarantee covers
WARRANTY_CLAIM = f'/start_return{{"return_reason":"{DEFECT}"}}'
"""The payload that starts a warranty claim: a return whose reason is a defect."""
_MARKED_NUMBER = re.compile(r"(?i)c\s*m\s*d|n\s*[°º]|#|num[ée]ro|number|commande|order")


def verify_order_first(
    dispatcher: CollectingDispatcher, language: str, task: str
) -> list[dict[str, Any]]:
    """Returns need the verified order: check it, then go on with ``task`` (PENDING_TASKS)."""
    dispatcher.utter_message(text=say.FIND_ORDER_FIRST(language))
    return [SlotSet(TASK_SLOT, task), FollowupAction(kinds.ACTION_ORDER_STATUS_START)]


def resume(task: str) -> list[dict[str, Any]]:
    """The events that go on with a pending ``task`` once the order is verified."""
    events: list[dict[str, Any]] = [SlotSet(TASK_SLOT, None)]
    if task == TASK_WARRANTY:
        events.append(SlotSet("return_reason", DEFECT))
    return [*events, FollowupAction(PENDING_TASKS[task])]


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def typed_text(tracker: Tracker) -> str:
    """What the shopper typed last; "" for a button's payload (``/intent{...}``)."""
    text = str((tracker.latest_message or {}).get("text") or "")
    return "" if text.lstrip().startswith("/") else text


def typed_task(tracker: Tracker) -> str | None:
    """The return or warranty task the shopper's typed words clearly ask for; None."""
    kind = request_kind(typed_text(tracker))
    return {"return": TASK_RETURN, "warranty": TASK_WARRANTY}.get(kind or "")


def named_order(tracker: Tracker) -> str | None:
    """The order number the shopper typed, when marked as one (« CMD-10001 », « commande
    10001 », « n° 10001 »): a lone year or quantity is not taken for an order."""
    text = typed_text(tracker)
    style = number_style(get_settings())
    number = normalise_order_number(text, style)
    distinct = style == "reference"  # nine letters that are no word: never a quantity
    return number if number and (distinct or _MARKED_NUMBER.search(text)) else None


def set_this_turn(tracker: Tracker, slot: str) -> bool:
    """Whether an action set ``slot`` since the shopper's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == slot:
            return True
    return False


def handed_over(tracker: Tracker) -> str | None:
    """The return or warranty task a new order-status question typed by the shopper
    clearly asks for (« je voudrais retourner un article de ma commande CMD-10001 »)."""
    if latest_intent(tracker) != "order_status" or not typed_text(tracker):
        return None
    return None if set_this_turn(tracker, TASK_SLOT) else typed_task(tracker)


def requested_task(tracker: Tracker) -> str | None:
    """What the order-status action should go on with once the order is verified.

    A task an action set during this turn (a return that needs its order verified)
    stands, and so does one the shopper carries on with by picking one of their orders
    (``/order_status{"order_number": …}``). Any other order-status message replaces an
    older task: with a return or warranty request in its typed words, that request
    (``handed_over``); otherwise nothing, since the shopper asks for a status now, not
    for what they left unfinished.
    """
    pending = tracker.get_slot(TASK_SLOT)
    if latest_intent(tracker) != "order_status" or set_this_turn(tracker, TASK_SLOT):
        return pending
    picked = next(tracker.get_latest_entity_values("order_number"), None)
    if picked and not typed_text(tracker):
        return pending
    return typed_task(tracker)


def handed_over_from_status(tracker: Tracker) -> bool:
    """Whether a message classified as "where does my return stand" is, in the shopper's
    typed words, clearly a new return or warranty request (« le casque de CMD-10003 ne
    marche plus, garantie »): a status question is never one (``request_kind``)."""
    return latest_intent(tracker) == "return_status" and typed_task(tracker) is not None
