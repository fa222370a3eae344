"""Reaching a person: the conversation goes to the agents' queue, with its reason.

The desk sees the ``handoff`` message, opens a ticket and stops relaying to the bot
until an agent hands the conversation back. The reason and priority come from what
the bot last offered (an overdue refund is urgent; a locked verification, a refused
return, a stuck parcel or two knowledge misses each say why a person is needed).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ComptoirAction, Dispatcher, Events
from comptoir import message_kinds as kinds
from comptoir.i18n import Bilingual
from comptoir.settings import get_settings

CONTACT = Bilingual(
    "Je transmets la conversation à un conseiller : il voit tout notre échange et vous "
    "répond ici même, {hours}. Vous pouvez aussi écrire à {email} ou appeler le {phone} "
    "(prix d'un appel normal) : réponse sous {response_hours} heures ouvrées au plus tard.",
    "I'm passing the conversation to an agent: they see our whole exchange and will answer "
    "you right here, {hours}. You can also email {email} or call {phone} (standard rate): "
    "answer within {response_hours} working hours at the latest.",
)
DECLINED = Bilingual(
    "Entendu. N'hésitez pas à reformuler votre question, je ferai de mon mieux.",
    "All right. Feel free to rephrase your question and I'll do my best.",
)
# What the bot last offered, and why a person is then needed (reason, priority).
REASONS_BY_KIND = {
    kinds.REFUND_OVERDUE: (kinds.REASON_REFUND_OVERDUE, "high"),
    kinds.VERIFICATION_LOCKED: (kinds.REASON_VERIFICATION_LOCKED, "normal"),
    kinds.RETURN_REFUSED: (kinds.REASON_RETURN_EXCEPTION, "normal"),
    kinds.KNOWLEDGE_MISS: (kinds.REASON_KNOWLEDGE_MISS, "normal"),
}


def handoff_contact(language: str) -> str:
    """Who answers, when, and the other ways to reach them: the desk's own settings."""
    settings = get_settings()
    hours = settings.business_hours
    return CONTACT(
        language,
        hours=hours.describe(language),
        email=settings.support_email,
        phone=settings.support_phone_international if language == "en" else settings.support_phone,
        response_hours=hours.response_time_hours,
    )


class ActionHumanHandoff(ComptoirAction):
    """The shopper wants a person (asked, or accepted the bot's offer)."""

    action_name = kinds.ACTION_HUMAN_HANDOFF

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
        reason, priority = handoff_reason(tracker)
        dispatcher.utter_message(
            text=handoff_contact(language),
            json_message={
                "language": language,
                "kind": kinds.HANDOFF,
                "reason": reason,
                "priority": priority,
            },
        )
        return [SlotSet("kb_offer_human", False), SlotSet("kb_misses", 0.0)]


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
        if custom.get("kind") == kinds.ORDER_STATUS and custom.get("inquiry_offered"):
            return kinds.REASON_PARCEL_INQUIRY, "normal"
    return kinds.REASON_SHOPPER_REQUEST, "normal"


class ActionDeclineHandoff(ComptoirAction):
    """The shopper turned down the offer of a person: stay with the bot."""

    action_name = "action_decline_handoff"

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
        dispatcher.utter_message(text=DECLINED(language))
        return [SlotSet("kb_offer_human", False), SlotSet("kb_misses", 0.0)]
