"""What a shopper reads about their late order: the e-mail's words and the chat's.

The seeds' lesson: a delay announced first is half forgiven, provided the message says
what happened, sorry, the new date (or honestly that there is none yet), where the
parcel is, and how to reach a person. This module only writes those sentences, in
French and English, from a ``Lateness`` (``comptoir.shop.lateness``); the desk lays the
e-mail out and queues it, the chat stores its message like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from comptoir.i18n import Bilingual
from comptoir.shop import wording
from comptoir.shop.describe import CARRIERS
from comptoir.shop.lateness import Lateness
from comptoir.shop.models import Order, Shipment

if TYPE_CHECKING:
    from comptoir.settings import Settings

SUBJECT = Bilingual("Votre commande {number} aura du retard", "Your order {number} is running late")
HELLO = Bilingual("Bonjour {name},", "Hello {name},")
HELLO_NO_NAME = Bilingual("Bonjour,", "Hello,")
WHAT_HAPPENED = {
    "revised": Bilingual(
        "Nous sommes désolés : votre commande {number} ne pourra pas arriver le {promised} "
        "comme nous vous l’avions annoncé.",
        "We are sorry: your order {number} will not arrive on {promised} as we told you it would.",
    ),
    "overdue": Bilingual(
        "Votre commande {number} devait arriver le {expected} et elle ne vous a pas encore "
        "été livrée. Toutes nos excuses pour ce retard.",
        "Your order {number} was due on {expected} and has not been delivered yet. We are "
        "sorry for the delay.",
    ),
    "no_scan": Bilingual(
        "Le colis de votre commande {number} ({carrier}, n° de suivi {tracking}) n’a plus été "
        "scanné par le transporteur depuis le {since} : il semble bloqué en chemin. Toutes nos "
        "excuses.",
        "The parcel of your order {number} ({carrier}, tracking number {tracking}) has not "
        "been scanned by the carrier since {since}: it seems stuck on its way. We are sorry.",
    ),
    "exception": Bilingual(
        "Le transporteur nous signale un problème de livraison pour votre commande {number}. "
        "Toutes nos excuses pour ce contretemps.",
        "The carrier has reported a delivery problem with your order {number}. We are sorry "
        "for the trouble.",
    ),
}
CARRIER_SAID = Bilingual(
    "Son message, le {day} : « {words} ».", "Its message, on {day}: “{words}”."
)
ESTIMATE = Bilingual(
    "Nouvelle date de livraison estimée : {day}.", "New estimated delivery date: {day}."
)
NO_ESTIMATE = Bilingual(
    "Nous n’avons pas encore de nouvelle date : nous relançons le transporteur et vous "
    "écrirons dès que nous en saurons plus.",
    "We do not have a new date yet: we are chasing the carrier and will write to you as "
    "soon as we know more.",
)
PARCEL = Bilingual(
    "{head} : {carrier}, n° de suivi {tracking}.", "{head}: {carrier}, tracking number {tracking}."
)
PARCEL_OF = Bilingual("Colis {position}/{total}", "Parcel {position}/{total}")
YOUR_PARCEL = Bilingual("Votre colis", "Your parcel")
TRACK = Bilingual("Suivre le colis {tracking}", "Track parcel {tracking}")
CONTACT = Bilingual(
    "Une question ? Écrivez-nous à {email} ou appelez-nous au {phone} ({hours}) : une "
    "personne de notre équipe vous répond sous {response} heures ouvrées au plus tard.",
    "Any question? Write to us at {email} or call us on {phone} ({hours}): a person from "
    "our team answers within {response} business hours at most.",
)
CHAT_INTRO = Bilingual(
    "Bonjour ! Une information avant tout :", "Hello! Something you should know first:"
)
CHAT_FACTS = {
    "revised": Bilingual(
        "votre commande **{number}** ne pourra pas arriver le {promised} comme prévu, toutes "
        "nos excuses.",
        "your order **{number}** will not arrive on {promised} as planned, we are sorry.",
    ),
    "overdue": Bilingual(
        "votre commande **{number}** devait arriver le {expected} et n’est pas encore livrée, "
        "toutes nos excuses.",
        "your order **{number}** was due on {expected} and is not delivered yet, we are sorry.",
    ),
    "no_scan": Bilingual(
        "le colis de votre commande **{number}** n’a plus été scanné par le transporteur depuis "
        "le {since}, toutes nos excuses.",
        "the parcel of your order **{number}** has not been scanned by the carrier since "
        "{since}, we are sorry.",
    ),
    "exception": Bilingual(
        "le transporteur signale un problème de livraison pour votre commande **{number}**, "
        "toutes nos excuses.",
        "the carrier reports a delivery problem with your order **{number}**, we are sorry.",
    ),
}
CHAT_TRACK = Bilingual("[Suivre le colis {tracking}]({url})", "[Track parcel {tracking}]({url})")
REASON_LABELS = {
    "revised": Bilingual("date de livraison repoussée", "delivery date moved"),
    "overdue": Bilingual("date prévue dépassée", "expected date passed"),
    "no_scan": Bilingual("colis sans scan du transporteur", "parcel not scanned by the carrier"),
    "exception": Bilingual("problème de livraison signalé", "delivery problem reported"),
}
"""Short words for the owner's lists (``comptoir notify late``)."""


@dataclass(frozen=True)
class Contact:
    """How to reach a person, as the settings say it."""

    email: str
    phone: str
    hours: str
    response_hours: int

    @classmethod
    def from_settings(cls, settings: Settings, language: str) -> Contact:
        """The support address, the number as the shopper dials it, the opening hours and
        the promised response time (the same ones the bot states)."""
        phone = settings.support_phone_international if language == "en" else settings.support_phone
        hours = settings.business_hours
        return cls(
            settings.support_email, phone, hours.describe(language), hours.response_time_hours
        )


@dataclass(frozen=True)
class DelayText:
    """The e-mail's parts before layout; ``links`` are (label, url) buttons."""

    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    links: tuple[tuple[str, str], ...]
    after: tuple[str, ...]


def carrier_name(shipment: Shipment) -> str:
    """ "Colissimo", "Mondial Relay"… (the shop's own code when unknown)."""
    return CARRIERS.get(shipment.carrier.lower(), shipment.carrier)


def _values(late: Lateness, order: Order, language: str) -> dict[str, str]:
    """The placeholders of the sentences: number, dates in words, the parcel concerned."""
    values = {"number": order.number, "carrier": "", "tracking": "", "since": ""}
    values["promised"] = wording.day(late.promised, language) if late.promised else ""
    expected = order.revised_delivery or order.promised_delivery
    values["expected"] = wording.day(expected, language) if expected else ""
    if late.parcel is not None:
        values["carrier"] = carrier_name(late.parcel)
        values["tracking"] = late.parcel.tracking_number
    if late.since is not None:
        values["since"] = wording.day(late.since, language)
    return values


def _carrier_said(late: Lateness, language: str) -> list[str]:
    """The carrier's own words about a delivery problem, quoted, when it gave some."""
    if late.reason != "exception" or not late.detail.strip() or late.since is None:
        return []
    day = wording.day(late.since, language)
    return [CARRIER_SAID(language, day=day, words=late.detail.strip())]


def what_happened(late: Lateness, order: Order, language: str) -> list[str]:
    """The facts, in words: what changed and, for a problem, what the carrier said."""
    values = _values(late, order, language)
    return [WHAT_HAPPENED[late.reason](language, **values), *_carrier_said(late, language)]


def estimate(late: Lateness, language: str) -> str:
    """The new date, or honestly that there is none yet."""
    if late.estimate is None:
        return NO_ESTIMATE(language)
    return ESTIMATE(language, day=wording.day(late.estimate, language))


def parcels(order: Order, language: str) -> tuple[list[str], list[tuple[str, str]]]:
    """One line per parcel (carrier, tracking number) and a button per tracking link."""
    lines, links = [], []
    total = len(order.shipments)
    for position, shipment in enumerate(order.shipments, start=1):
        head = (
            PARCEL_OF(language, position=position, total=total)
            if total > 1
            else YOUR_PARCEL(language)
        )
        carrier = carrier_name(shipment)
        lines.append(
            PARCEL(language, head=head, carrier=carrier, tracking=shipment.tracking_number)
        )
        if shipment.tracking_url:
            links.append(
                (TRACK(language, tracking=shipment.tracking_number), shipment.tracking_url)
            )
    return lines, links


def delay_email(
    late: Lateness, order: Order, language: str, contact: Contact, first_name: str = ""
) -> DelayText:
    """The whole notice: apology and facts, the estimate, the parcels, who to reach."""
    name = first_name.strip()
    greeting = HELLO(language, name=name) if name else HELLO_NO_NAME(language)
    lines, links = parcels(order, language)
    body = [*what_happened(late, order, language), estimate(late, language), *lines]
    reach = CONTACT(
        language,
        email=contact.email,
        phone=contact.phone,
        hours=contact.hours,
        response=contact.response_hours,
    )
    return DelayText(
        subject=SUBJECT(language, number=order.number),
        greeting=greeting,
        paragraphs=tuple(body),
        links=tuple(links),
        after=(reach,),
    )


def delay_chat(late: Lateness, order: Order, language: str) -> str:
    """What the bot says first to a signed-in shopper whose order is late (markdown):
    the fact, the carrier's words, the estimate and a link per parcel."""
    fact = CHAT_FACTS[late.reason](language, **_values(late, order, language))
    said = [f"{CHAT_INTRO(language)} {fact}", *_carrier_said(late, language)]
    said.append(estimate(late, language))
    said += [
        CHAT_TRACK(language, tracking=shipment.tracking_number, url=shipment.tracking_url)
        for shipment in order.shipments
        if shipment.tracking_url
    ]
    return "\n".join(said)
