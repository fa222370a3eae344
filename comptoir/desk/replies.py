"""Sentences the desk itself says, in French and English: to the shopper when the bot
cannot (an outage, out of hours, the queue), and in the chat when an agent joins or
leaves. Kept together so that a translator finds every desk sentence in one file.
"""

from __future__ import annotations

from comptoir.i18n import Bilingual, pick

_BOT_UNAVAILABLE = Bilingual(
    fr=(
        "Désolé, notre assistant est momentanément indisponible. Votre message est bien "
        "enregistré et n'est pas perdu : réessayez dans un instant, ou écrivez-nous à "
        "{email}."
    ),
    en=(
        "Sorry, our assistant is briefly unavailable. Your message has been saved and is "
        "not lost: please try again in a moment, or email {email}."
    ),
)
_OFFLINE_INTRO = Bilingual(
    fr=(
        "Nos conseillers ne sont pas disponibles pour le moment (ils répondent en direct "
        "{when}). Laissez-moi votre adresse e-mail et votre demande : nous vous "
        "répondrons sous {hours} heures ouvrées."
    ),
    en=(
        "Our agents are not available right now (they answer live {when}). Leave me "
        "your email address and your request: we will answer within {hours} "
        "working hours."
    ),
)
_ASK_EMAIL = Bilingual(
    fr="À quelle adresse e-mail devons-nous vous répondre ?",
    en="What email address should we answer to?",
)
_ASK_REQUEST = Bilingual(
    fr="Merci. Quelle est votre demande, en quelques mots ?",
    en="Thanks. What is your request, in a few words?",
)
_OFFLINE_DONE = Bilingual(
    fr=(
        "C'est noté : un conseiller vous répondra à {email} sous {hours} heures "
        "ouvrées. En attendant, je reste là pour vos autres questions."
    ),
    en=(
        "Noted: an agent will answer you at {email} within {hours} working "
        "hours. Meanwhile I'm still here for your other questions."
    ),
)
_AGENT_JOINED = Bilingual(
    fr="{name}, conseiller·ère, a rejoint la discussion.",
    en="{name}, an agent, has joined the chat.",
)
_CLOSED = {
    "handed_back": Bilingual(
        fr="Vous êtes de nouveau avec l'assistant Comptoir. Posez-moi vos questions !",
        en="You are back with the Comptoir assistant. Ask me anything!",
    ),
    "resolved": Bilingual(
        fr="{name} a clôturé la demande. Merci ! L'assistant reste là pour toute autre question.",
        en="{name} closed the request. Thank you! The assistant is still here for anything else.",
    ),
}


def bot_unavailable(language: str, support_email: str) -> str:
    """The polite message shown when Rasa or the action server is down."""
    return _BOT_UNAVAILABLE(language, email=support_email)


def offline_intro(language: str, when: str, response_hours: int) -> str:
    """No agent right now: ask for what an offline ticket needs."""
    return _OFFLINE_INTRO(language, when=when, hours=response_hours)


def offline_ask(language: str, missing: str) -> str:
    """One piece is still missing: the e-mail or the request itself."""
    return (_ASK_EMAIL if missing == "email" else _ASK_REQUEST)(language)


def offline_done(language: str, email: str, response_hours: int) -> str:
    """The offline ticket is in the queue; the bot is back."""
    return _OFFLINE_DONE(language, email=email, hours=response_hours)


def queue_position(language: str, position: int, minutes: int) -> str:
    """Where the shopper stands in the queue, and an honest estimate of the wait."""
    wait = max(minutes, 1)
    if position <= 1:
        ahead = pick(language, "Vous êtes le prochain ou la prochaine", "You are next")
    else:
        ahead = pick(
            language,
            f"Vous êtes n° {position} dans la file",
            f"You are number {position} in the queue",
        )
    return pick(
        language,
        f"{ahead} ; attente estimée : environ {wait} min.",
        f"{ahead}; estimated wait: about {wait} min.",
    )


def agent_joined(language: str, agent_name: str) -> str:
    """Told in the chat when an agent claims the conversation."""
    return _AGENT_JOINED(language, name=agent_name)


def conversation_closed(language: str, status: str, agent_name: str) -> str:
    """Told in the chat when the agent hands back (``handed_back``) or ``resolved``."""
    return _CLOSED[status](language, name=agent_name)
