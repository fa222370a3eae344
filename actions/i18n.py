"""Bilingual sentences said by custom actions (domain responses cover the rest)."""

from __future__ import annotations

from rasa_sdk import Tracker

MESSAGES: dict[str, dict[str, str]] = {
    "handoff_contact": {
        "fr": (
            "Je transmets la conversation à un conseiller : il voit tout notre échange et "
            "vous répond ici même, du lundi au vendredi de 9 h à 18 h. Vous pouvez aussi "
            "écrire à support@atelier-lumiere.example ou appeler le 01 84 80 12 34 (prix "
            "d'un appel normal) : réponse sous 12 heures ouvrées au plus tard."
        ),
        "en": (
            "I'm passing the conversation to an agent: they see our whole exchange and will "
            "answer you right here, Monday to Friday, 9am to 6pm. You can also email "
            "support@atelier-lumiere.example or call +33 1 84 80 12 34 (standard rate): "
            "answer within 12 working hours at the latest."
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
