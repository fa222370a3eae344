"""Tell a verified shopper where their order stands: bad news first, then the facts.

The seeds' lesson: a delay announced is half forgiven. So a late order opens with the
delay, an apology, the new estimate and what happens next; a parcel stuck for more than
five working days, or with a delivery exception, comes with the offer of an inquiry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from comptoir.shop import wording
from comptoir.shop.calendar import working_days_between
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


@dataclass
class OrderReport:
    """The messages to send, and what the conversation should offer next."""

    messages: list[str] = field(default_factory=list)
    late: bool = False
    offer_inquiry: bool = False


def _t(language: str, french: str, english: str) -> str:
    return french if language == "fr" else english


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
        _t(language, f"Colis {position}/{total}", f"Parcel {position}/{total}")
        if total > 1
        else _t(language, "Votre colis", "Your parcel")
    )
    parts = [
        f"{head} : {carrier}, n° de suivi {shipment.tracking_number}"
        if language == "fr"
        else f"{head}: {carrier}, tracking number {shipment.tracking_number}"
    ]
    if shipment.tracking_url:
        parts.append(
            _t(language, f"suivi : {shipment.tracking_url}", f"tracking: {shipment.tracking_url}")
        )
    if contents:
        parts.append(_t(language, f"contient : {contents}", f"contains: {contents}"))
    text = " — ".join(parts) + "."
    if shipment.events:
        last = shipment.events[-1]
        where = f", {last.location}" if last.location else ""
        text += _t(
            language,
            f"\nDernière étape le {wording.moment(last.at, 'fr')}{where} : {last.description or last.status}.",
            f"\nLatest step on {wording.moment(last.at, 'en')}{where}: {last.description or last.status}.",
        )
    return text


def describe_order(order: Order, language: str, today: date) -> OrderReport:
    """The whole answer about one verified order."""
    report = OrderReport()
    number = order.number
    if is_late(order, today):
        report.late = True
        promised = wording.day(order.promised_delivery, language)
        if order.revised_delivery and order.revised_delivery >= today:
            estimate = _t(
                language,
                f"Nouvelle date estimée : {wording.day(order.revised_delivery, 'fr')}.",
                f"New estimated date: {wording.day(order.revised_delivery, 'en')}.",
            )
        else:
            estimate = _t(
                language,
                "Nous relançons le transporteur et vous écrivons dès qu'il nous donne une nouvelle date.",
                "We are chasing the carrier and will write to you as soon as it gives us a new date.",
            )
        report.messages.append(
            _t(
                language,
                f"Votre commande {number} est en retard : elle devait arriver le {promised}. "
                f"Toutes nos excuses. {estimate} Les frais de livraison vous seront remboursés.",
                f"Your order {number} is late: it was due on {promised}. We are sorry. {estimate} "
                "We will refund the delivery costs.",
            )
        )
    summary = _t(
        language,
        f"Votre commande {number} {wording.status(order.status, 'fr')}.",
        f"Your order {number} {wording.status(order.status, 'en')}.",
    )
    if order.promised_delivery and order.status not in DONE and not report.late:
        summary += _t(
            language,
            f" Livraison prévue le {wording.day(order.promised_delivery, 'fr')}.",
            f" Delivery expected on {wording.day(order.promised_delivery, 'en')}.",
        )
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
        report.messages.append(
            _t(
                language,
                f"Encore à expédier : {', '.join(waiting)}.",
                f"Still to ship: {', '.join(waiting)}.",
            )
        )
    if order.status == "delivery_exception":
        report.offer_inquiry = True
    if report.offer_inquiry:
        report.messages.append(
            _t(
                language,
                "Votre colis semble bloqué. Voulez-vous qu'un conseiller ouvre une enquête auprès du transporteur ?",
                "Your parcel seems stuck. Would you like an agent to open an inquiry with the carrier?",
            )
        )
    return report
