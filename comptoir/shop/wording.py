"""Dates and statuses in plain French and English, the way a shopper reads them."""

from __future__ import annotations

from datetime import date, datetime

from comptoir.i18n import Bilingual

MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
WEEKDAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


def day(value: date, language: str) -> str:
    """ "mardi 3 novembre" / "Tuesday 3 November"."""
    weekday = WEEKDAYS[language][value.weekday()]
    return f"{weekday} {value.day} {MONTHS[language][value.month - 1]}"


def euros(amount: float, language: str) -> str:
    """ "4,90 €" in French, "€4.90" in English."""
    if language == "fr":
        return f"{amount:.2f} €".replace(".", ",")
    return f"€{amount:.2f}"


def moment(value: datetime, language: str) -> str:
    """A tracking event's date and time."""
    if language == "fr":
        return f"{day(value.date(), 'fr')} à {value.hour} h {value.minute:02d}"
    return f"{day(value.date(), 'en')} at {value.hour}:{value.minute:02d}"


ORDER_STATUS_PHRASES: dict[str, Bilingual] = {
    "pending_payment": Bilingual(
        "attend la confirmation de son paiement",
        "is waiting for its payment to be confirmed",
    ),
    "paid": Bilingual("est payée et va partir en préparation", "is paid and about to be prepared"),
    "preparing": Bilingual(
        "est en préparation dans notre atelier", "is being prepared in our workshop"
    ),
    "shipped": Bilingual("est expédiée", "has shipped"),
    "in_transit": Bilingual("est en route", "is on its way"),
    "out_for_delivery": Bilingual(
        "est en cours de livraison aujourd'hui", "is out for delivery today"
    ),
    "delivered": Bilingual("a été livrée", "has been delivered"),
    "delivery_exception": Bilingual(
        "rencontre un problème de livraison signalé par le transporteur",
        "has a delivery problem reported by the carrier",
    ),
    "returned_to_sender": Bilingual(
        "nous est revenue sans avoir pu être livrée",
        "came back to us without being delivered",
    ),
    "cancelled": Bilingual("a été annulée", "has been cancelled"),
}


def status(code: str, language: str) -> str:
    """The order status as the end of a sentence ("Votre commande … est en route")."""
    phrase = ORDER_STATUS_PHRASES.get(code)
    return phrase(language) if phrase else code
