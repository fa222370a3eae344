"""Reaching a person: the conversation goes to the agents' queue, with its reason.

The desk sees the ``handoff`` message, opens a ticket and stops relaying to the bot
until an agent hands the conversation back. The reason and priority come from what
the bot last offered (an overdue refund is urgent; a locked verification, a refused
return, a stuck parcel or two knowledge misses each say why a person is needed).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.i18n import language_of, say


class ActionHumanHandoff(Action):
    """The shopper wants a person (asked, or accepted the bot's offer)."""

    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        reason, priority = handoff_reason(tracker)
        dispatcher.utter_message(
            text=say("handoff_contact", language),
            json_message={
                "language": language,
                "kind": "handoff",
                "reason": reason,
                "priority": priority,
            },
        )
        return [SlotSet("kb_offer_human", False), SlotSet("kb_misses", 0.0)]


REASONS_BY_KIND = {
    "refund_overdue": ("refund_overdue", "high"),
    "verification_locked": ("verification_locked", "normal"),
    "return_refused": ("return_exception", "normal"),
    "knowledge_miss": ("knowledge_miss", "normal"),
}


def handoff_reason(tracker: Tracker) -> tuple[str, str]:
    """Why the shopper needs a person, from the bot's last offer in this conversation."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and not str(event.get("text", "")).startswith("/"):
            break  # the shopper typed something new: they simply asked for a person
        if event.get("event") != "bot":
            continue
        custom = (event.get("data") or {}).get("custom") or {}
        if custom.get("kind") in REASONS_BY_KIND:
            return REASONS_BY_KIND[custom["kind"]]
        if custom.get("kind") == "order_status" and custom.get("inquiry_offered"):
            return "parcel_inquiry", "normal"
    return "shopper_request", "normal"


class ActionDeclineHandoff(Action):
    """The shopper turned down the offer of a person: stay with the bot."""

    def name(self) -> str:
        return "action_decline_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=say("declined_handoff", language_of(tracker)))
        return [SlotSet("kb_offer_human", False), SlotSet("kb_misses", 0.0)]
