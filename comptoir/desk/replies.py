"""Shopper-facing sentences the desk itself must say (when the bot cannot)."""

from __future__ import annotations

BOT_UNAVAILABLE = {
    "fr": (
        "Désolé, notre assistant est momentanément indisponible. Votre message est bien "
        "enregistré et n'est pas perdu : réessayez dans un instant, ou écrivez-nous à "
        "support@atelier-lumiere.example."
    ),
    "en": (
        "Sorry, our assistant is briefly unavailable. Your message has been saved and is "
        "not lost: please try again in a moment, or email support@atelier-lumiere.example."
    ),
}


def bot_unavailable(language: str) -> str:
    """The polite message shown when Rasa or the action server is down."""
    return BOT_UNAVAILABLE.get(language, BOT_UNAVAILABLE["fr"])
