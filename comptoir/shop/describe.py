"""Tell a verified shopper where their order stands: bad news first, then the facts.

The seeds' lesson: a delay announced is half forgiven. So a late order opens with the
delay, an apology, the new estimate and what happens next; a parcel stuck for more than
five working days, or with a delivery exception, comes with the offer of an inquiry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from comptoir.calendar import working_days_between
from comptoir.i18n import Bilingual
from comptoir.shop import wording
from comptoir.shop.models import Order, Shipment

DONE = {"delivered", "cancelled", "returned_to_sender"}
STUCK_AFTER_WORKING_DAYS = 5
CARRIERS = {
    "colissimo": "Colissimo",
    "chronopost": "Chronopost",
    "mondial_relay": "Mondial Relay",
    "mondialrelay": "Mondial Relay",
    "dhl": "DHL",
    "ups": "UPS",
}


PARCEL_OF = Bilingual("Colis {position}/{total}", "Parcel {position}/{total}")
YOUR_PARCEL = Bilingual("Votre colis", "Your parcel")
PARCEL_HEAD = Bilingual(
    "{head} : {carrier}, n° de suivi {tracking}", "{head}: {carrier}, tracking number {tracking}"
)
TRACKING = Bilingual("suivi : {url}", "tracking: {url}")
CONTAINS = Bilingual("contient : {contents}", "contains: {contents}")
LATEST_STEP = Bilingual(
    "\nDernière étape le {when}{where} : {what}.", "\nLatest step on {when}{where}: {what}."
)
NEW_ESTIMATE = Bilingual("Nouvelle date estimée : {day}.", "New estimated date: {day}.")
CHASING_CARRIER = Bilingual(
    "Nous relançons le transporteur et vous écrivons dès qu'il nous donne une nouvelle date.",
    "We are chasing the carrier and will write to you as soon as it gives us a new date.",
)
LATE = Bilingual(
    "Votre commande {number} est en retard : elle devait arriver le {promised}. "
    "Toutes nos excuses. {estimate} Les frais de livraison vous seront remboursés.",
    "Your order {number} is late: it was due on {promised}. We are sorry. {estimate} "
    "We will refund the delivery costs.",
)
STATUS_SENTENCE = Bilingual("Votre commande {number} {status}.", "Your order {number} {status}.")
EXPECTED_ON = Bilingual(" Livraison prévue le {day}.", " Delivery expected on {day}.")
STILL_TO_SHIP = Bilingual("Encore à expédier : {items}.", "Still to ship: {items}.")
OFFER_INQUIRY = Bilingual(
    "Votre colis semble bloqué. Voulez-vous qu'un conseiller ouvre une enquête auprès du "
    "transporteur ?",
    "Your parcel seems stuck. Would you like an agent to open an inquiry with the carrier?",
)


@dataclass
class OrderReport:
    """The messages to send, and what the conversation should offer next."""

    messages: list[str] = field(default_factory=list)
    late: bool = False
    offer_inquiry: bool = False


def is_late(order: Order, today: date) -> bool:
    """Past its promised date and not delivered (nor cancelled)."""
    return bool(
        order.promised_delivery and order.promised_delivery < today and order.status not in DONE
    )


def stuck_days(shipment: Shipment, today: date) -> int | None:
    """Working days since the parcel's last scan, when it is not delivered."""
    if not shipment.events:
        return None
    last = shipment.events[-1]
    if last.status == "delivered":
        return None
    return working_days_between(last.at.date(), today)


def describe_shipment(
    order: Order, shipment: Shipment, position: int, total: int, language: str, today: date
) -> str:
    """One paragraph per parcel: carrier, tracking number and link, last scan, contents."""
    carrier = CARRIERS.get(shipment.carrier.lower(), shipment.carrier)
    names = {line.sku: line.name for line in order.lines}
    contents = ", ".join(names.get(sku, sku) for sku in shipment.skus) or None
    head = (
        PARCEL_OF(language, position=position, total=total) if total > 1 else YOUR_PARCEL(language)
    )
    parts = [PARCEL_HEAD(language, head=head, carrier=carrier, tracking=shipment.tracking_number)]
    if shipment.tracking_url:
        parts.append(TRACKING(language, url=shipment.tracking_url))
    if contents:
        parts.append(CONTAINS(language, contents=contents))
    text = " — ".join(parts) + "."
    if shipment.events:
        last = shipment.events[-1]
        text += LATEST_STEP(
            language,
            when=wording.moment(last.at, language),
            where=f", {last.location}" if last.location else "",
            what=last.description or last.status,
        )
    return text


def describe_order(order: Order, language: str, today: date) -> OrderReport:
    """The whole answer about one verified order."""
    report = OrderReport()
    number = order.number
    if is_late(order, today):
        report.late = True
        if order.revised_delivery and order.revised_delivery >= today:
            estimate = NEW_ESTIMATE(language, day=wording.day(order.revised_delivery, language))
        else:
            estimate = CHASING_CARRIER(language)
        promised = wording.day(order.promised_delivery, language)
        report.messages.append(LATE(language, number=number, promised=promised, estimate=estimate))
    summary = STATUS_SENTENCE(
        language, number=number, status=wording.status(order.status, language)
    )
    if order.promised_delivery and order.status not in DONE and not report.late:
        summary += EXPECTED_ON(language, day=wording.day(order.promised_delivery, language))
    report.messages.append(summary)
    total = len(order.shipments)
    for position, shipment in enumerate(order.shipments, start=1):
        report.messages.append(describe_shipment(order, shipment, position, total, language, today))
        days = stuck_days(shipment, today)
        last_status = shipment.events[-1].status if shipment.events else ""
        if last_status == "delivery_exception" or (
            days is not None and days > STUCK_AFTER_WORKING_DAYS
        ):
            report.offer_inquiry = True
    shipped = {sku for s in order.shipments for sku in s.skus}
    waiting = [line.name for line in order.lines if line.sku not in shipped]
    if order.shipments and waiting and order.status not in DONE:
        report.messages.append(STILL_TO_SHIP(language, items=", ".join(waiting)))
    if order.status == "delivery_exception":
        report.offer_inquiry = True
    if report.offer_inquiry:
        report.messages.append(OFFER_INQUIRY(language))
    return report
