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


def offline_intro(language: str, when: str, response_hours: int) -> str:
    """No agent right now: ask for what an offline ticket needs."""
    if language == "en":
        return (
            f"Our agents are not available right now (they answer live {when}). Leave me "
            f"your email address and your request: we will answer within {response_hours} "
            "working hours."
        )
    return (
        f"Nos conseillers ne sont pas disponibles pour le moment (ils répondent en direct "
        f"{when}). Laissez-moi votre adresse e-mail et votre demande : nous vous "
        f"répondrons sous {response_hours} heures ouvrées."
    )


def offline_ask(language: str, missing: str) -> str:
    """One piece is still missing: the e-mail or the request itself."""
    if missing == "email":
        return (
            "What email address should we answer to?"
            if language == "en"
            else "À quelle adresse e-mail devons-nous vous répondre ?"
        )
    return (
        "Thanks. What is your request, in a few words?"
        if language == "en"
        else "Merci. Quelle est votre demande, en quelques mots ?"
    )


def offline_done(language: str, email: str, response_hours: int) -> str:
    """The offline ticket is in the queue; the bot is back."""
    if language == "en":
        return (
            f"Noted: an agent will answer you at {email} within {response_hours} working "
            "hours. Meanwhile I'm still here for your other questions."
        )
    return (
        f"C'est noté : un conseiller vous répondra à {email} sous {response_hours} heures "
        "ouvrées. En attendant, je reste là pour vos autres questions."
    )


def queue_position(language: str, position: int, minutes: int) -> str:
    """Where the shopper stands in the queue, and an honest estimate of the wait."""
    if language == "en":
        ahead = "You are next" if position <= 1 else f"You are number {position} in the queue"
        return f"{ahead}; estimated wait: about {max(minutes, 1)} min."
    ahead = (
        "Vous êtes le prochain ou la prochaine"
        if position <= 1
        else f"Vous êtes n° {position} dans la file"
    )
    return f"{ahead} ; attente estimée : environ {max(minutes, 1)} min."
