"""Reaching a person. Live handoff to the agent console comes with the handoff issue;
until then the action gives the channels where a person answers, honestly."""

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
        dispatcher.utter_message(
            text=say("handoff_contact", language),
            json_message={"language": language, "kind": "handoff_contact"},
        )
        return [SlotSet("kb_offer_human", False), SlotSet("kb_misses", 0.0)]


class ActionDeclineHandoff(Action):
    """The shopper turned down the offer of a person: stay with the bot."""

    def name(self) -> str:
        return "action_decline_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=say("declined_handoff", language_of(tracker)))
        return [SlotSet("kb_offer_human", False), SlotSet("kb_misses", 0.0)]
