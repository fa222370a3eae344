"""Bilingual sentences said by custom actions (domain responses cover the rest)."""

from __future__ import annotations

from rasa_sdk import Tracker

MESSAGES: dict[str, dict[str, str]] = {
    "handoff_contact": {
        "fr": (
            "Le chat en direct avec un conseiller arrive bientôt. En attendant, une personne "
            "vous répond par e-mail à support@atelier-lumiere.example ou au 01 84 80 12 34 "
            "(prix d'un appel normal), du lundi au vendredi de 9 h à 18 h, sous 12 heures "
            "ouvrées au plus tard."
        ),
        "en": (
            "Live chat with an agent is coming soon. In the meantime, a person will answer you "
            "by email at support@atelier-lumiere.example or on +33 1 84 80 12 34 (standard "
            "rate), Monday to Friday, 9am to 6pm, within 12 working hours at the latest."
        ),
    },
    "declined_handoff": {
        "fr": "Entendu. N'hésitez pas à reformuler votre question, je ferai de mon mieux.",
        "en": "All right. Feel free to rephrase your question and I'll do my best.",
    },
}


def language_of(tracker: Tracker) -> str:
    """The conversation's language slot, French when unset."""
    value = tracker.get_slot("language")
    return value if value in ("fr", "en") else "fr"


def say(key: str, language: str, **values: object) -> str:
    """The sentence ``key`` in ``language`` (French when the key lacks it)."""
    variants = MESSAGES[key]
    return variants.get(language, variants["fr"]).format(**values)
