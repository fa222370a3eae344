"""The conversation's language, and the few words several actions share.

Sentences belong to their topic (``comptoir/shop`` for orders and returns, each action
module for its own); only what several topics offer alike lives here, so that the
button to reach a person reads the same after a refused return, an overdue refund or a
locked verification.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from comptoir.i18n import Bilingual, Language, normalise_language

TALK_TO_AGENT = Bilingual("Parler à un conseiller", "Talk to an agent")
NO_THANKS = Bilingual("Non merci", "No thanks")


def language_of(tracker: Tracker) -> Language:
    """The conversation's language slot, French when unset."""
    return normalise_language(tracker.get_slot("language"))


def agent_button(language: str) -> dict[str, str]:
    """The button that hands the conversation to a person."""
    return {"title": TALK_TO_AGENT(language), "payload": "/request_human"}
