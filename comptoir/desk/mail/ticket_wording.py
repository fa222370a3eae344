"""What the desk says about offline tickets by e-mail, in French and in English.

The agent's answer and the transcript are e-mails (``compose`` lays them out); the
widget's answers about a transcript are sentences for the shopper; the receiver's
refusals are SMTP replies, read by mail servers and shown to the shopper in a bounce,
so they are in both languages at once and in plain ASCII (SMTP replies allow nothing
else): the French avoids accented words rather than misspelling them.
"""

from __future__ import annotations

from datetime import datetime

from comptoir.desk.mail.compose import Content
from comptoir.i18n import Bilingual
from comptoir.shop.wording import day

# ------------------------------------------------------------------ the agent's answer
ANSWER_SUBJECT = Bilingual(
    "Re : votre demande n° {number} – {shop}", "Re: your request no. {number} – {shop}"
)
GREETING = Bilingual("Bonjour,", "Hello,")
YOUR_MESSAGE = Bilingual("Votre message :", "Your message:")
REPLY_HINT = Bilingual(
    "Vous pouvez répondre directement à cet e-mail : votre réponse nous parviendra et "
    "rejoindra votre demande.",
    "You can simply reply to this e-mail: your answer will reach us and join your request.",
)
AGENT_LINE = Bilingual("{agent}, pour le service client", "{agent}, for customer service")

# ------------------------------------------------------------------ the transcript
TRANSCRIPT_SUBJECT = Bilingual(
    "Votre conversation avec {shop} du {date}", "Your conversation with {shop} on {date}"
)
TRANSCRIPT_INTRO = Bilingual(
    "Comme demandé, voici la copie de votre conversation avec notre service client.",
    "As you asked, here is a copy of your conversation with our customer service.",
)
TRANSCRIPT_TITLE = Bilingual("La conversation :", "The conversation:")
TRANSCRIPT_AFTER = Bilingual(
    "Pour votre sécurité, les coordonnées bancaires éventuelles ont été masquées. Si vous "
    "n'avez pas demandé cet e-mail, vous pouvez simplement l'ignorer.",
    "For your safety, any payment details were removed. If you did not ask for this "
    "e-mail, you can simply ignore it.",
)
WHO = {
    "shopper": Bilingual("Vous", "You"),
    "bot": Bilingual("Assistant", "Assistant"),
    "agent": Bilingual("Conseiller", "Agent"),
}
LINE = Bilingual("{time} – {who} : {text}", "{time} – {who}: {text}")

# ------------------------------------------------------------------ the widget's answers
TRANSCRIPT_SENT = Bilingual(
    "C'est parti : vous recevrez la conversation à l'adresse {address} d'ici quelques minutes.",
    "On its way: you will receive the conversation at {address} within a few minutes.",
)
TRANSCRIPT_ALREADY = Bilingual(
    "Cette conversation vous a déjà été envoyée à l'adresse {address}.",
    "This conversation has already been sent to {address}.",
)
TRANSCRIPT_NO_ADDRESS = Bilingual(
    "Je ne peux envoyer la conversation qu’à une adresse dont nous savons déjà qu’elle est "
    "la vôtre : celle d’une commande vérifiée dans cette discussion (numéro et e-mail), ou "
    "celle que vous nous avez laissée, une fois qu’un conseiller vous y a répondu. "
    "Vérifiez d’abord votre commande, puis redemandez-la.",
    "I can only send the conversation to an address we already know is yours: the one of "
    "an order checked in this chat (number and e-mail), or the one you left us, once an "
    "agent has answered you there. Check your order first, then ask again.",
)
TRANSCRIPT_EMPTY = Bilingual(
    "Il n'y a encore rien à envoyer : écrivez-nous d'abord.",
    "There is nothing to send yet: write to us first.",
)
TRANSCRIPT_TOO_MANY = Bilingual(
    "Vous avez déjà demandé {count} copies de cette conversation aujourd'hui : réessayez demain.",
    "You have already asked for {count} copies of this conversation today: please try "
    "again tomorrow.",
)
TRANSCRIPT_RECIPIENT_LIMIT = Bilingual(
    "Cette adresse a déjà reçu plusieurs conversations aujourd’hui : pour éviter les abus, "
    "nous n’en enverrons pas d’autre avant {wait}.",
    "This address has already received several conversations today: to prevent abuse, we "
    "will not send another one for {wait}.",
)
TRANSCRIPT_CLIENT_LIMIT = Bilingual(
    "Beaucoup de conversations ont déjà été demandées par e-mail depuis votre connexion "
    "aujourd’hui : pour éviter les abus, réessayez dans {wait}.",
    "Many conversations have already been asked for by e-mail from your connection today: "
    "to prevent abuse, please try again in {wait}.",
)

# ------------------------------------------------------------------ SMTP replies (ASCII)
UNKNOWN_THREAD = (
    "550 5.1.1 This message answers none of our e-mails, so it cannot join a request. "
    "Ce message ne suit aucun de nos e-mails : il ne peut rejoindre aucune demande."
)
TOO_BIG = (
    "552 5.3.4 This message is too large for us; please send it without attachments. "
    "Ce message est trop lourd pour nous : renvoyez-le sans les pieces jointes."
)
TRY_LATER = (
    "451 4.3.0 We could not keep this message just now; your server will try again. "
    "Nous ne pouvons pas le garder pour le moment : votre serveur le renverra."
)
RECEIVED = "250 2.0.0 Thank you, your message has joined your request. Merci, c'est bien recu."
ALREADY_RECEIVED = "250 2.0.0 We already have this message. Nous l'avons deja, merci."


def answer_content(
    *, language: str, number: int, shop: str, text: str, agent: str, quoted: str
) -> Content:
    """The agent's answer: their words, the shopper's message quoted, how to reply."""
    paragraphs = tuple(p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())
    return Content(
        subject=ANSWER_SUBJECT(language, number=number, shop=shop),
        greeting=GREETING(language),
        paragraphs=paragraphs,
        quoted=quoted,
        quoted_title=YOUR_MESSAGE(language) if quoted else "",
        after=(REPLY_HINT(language), AGENT_LINE(language, agent=agent)),
    )


def transcript_line(language: str, sender: str, text: str, at: datetime) -> str:
    """One message of the transcript: when (``at``, local time), who, what."""
    time = f"{at.hour} h {at:%M}" if language == "fr" else f"{at:%H:%M}"
    who = WHO.get(sender, WHO["bot"])(language)
    return LINE(language, time=time, who=who, text=text)


def transcript_content(*, language: str, shop: str, started: datetime, lines: list[str]) -> Content:
    """The transcript e-mail: the whole conversation, quoted."""
    return Content(
        subject=TRANSCRIPT_SUBJECT(language, shop=shop, date=day(started.date(), language)),
        greeting=GREETING(language),
        paragraphs=(TRANSCRIPT_INTRO(language),),
        quoted="\n".join(lines),
        quoted_title=TRANSCRIPT_TITLE(language),
        after=(TRANSCRIPT_AFTER(language),),
    )
