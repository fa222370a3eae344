"""What a PrestaShop order state means to Comptoir, from the state itself.

Shops rename states and add their own (a carrier module's "En cours de livraison"), so
an id means nothing from one shop to the next. A state is read from what PrestaShop
keeps about it (``/api/order_states``, https://devdocs.prestashop-project.org/8/
webservice/resources/order_states/): its mail template, its name in every language
and its flags (shipped, paid, logable). Multilingual fields come as one string or as
``[{"id": "1", "value": "..."}]``, depending on how many languages the shop has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from comptoir.shop.models import ORDER_STATUSES

#: Default states' mail templates (PrestaShop 1.7/8) and what they mean to Comptoir.
TEMPLATES: dict[str, str] = {
    "cheque": "pending_payment",
    "bankwire": "pending_payment",
    "payment_error": "pending_payment",
    "payment": "paid",
    "cashondelivery": "preparing",
    "preparation": "preparing",
    "shipped": "shipped",
    "in_transit": "in_transit",
    "order_canceled": "cancelled",
    "refund": "cancelled",
}
#: Words in a state's name, for the states without a telling template (the default
#: "Livré" has none) and the shop's own states. First match wins: "en cours de
#: livraison" is out for delivery, not delivered.
NAME_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("en cours de livraison", "out for delivery", "en livraison"), "out_for_delivery"),
    (("livré", "livree", "delivered", "remis au client"), "delivered"),
    (("annul", "cancel"), "cancelled"),
    (("rembours", "refund"), "cancelled"),
    (("en transit", "acheminement", "in transit"), "in_transit"),
    (("expédi", "shipped", "envoy"), "shipped"),
    (("prépar", "preparation", "processing"), "preparing"),
    (("attente", "awaiting"), "pending_payment"),
)


def texts(value: Any) -> list[str]:
    """A field's text(s): one string, or one per language (``[{"id", "value"}]``)."""
    if isinstance(value, list):
        return [str(item.get("value") or "") for item in value if isinstance(item, dict)]
    return [str(value)] if value not in (None, "") else []


def in_language(value: Any, language_id: str) -> str:
    """A multilingual field in the order's language (else its first non-empty text)."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and str(item.get("id")) == language_id and item.get("value"):
                return str(item["value"])
    return next((text for text in texts(value) if text), "")


def flag(row: dict[str, Any], name: str) -> bool:
    return str(row.get(name) or "0") == "1"


def state_status(state: dict[str, Any]) -> str:
    """Comptoir's status for one of the shop's order states."""
    template = next((t for t in texts(state.get("template")) if t), "")
    names = " ".join(texts(state.get("name"))).lower()
    for words, status in NAME_HINTS[:2]:
        if any(word in names for word in words):
            return status
    if template == "outofstock":  # on backorder: paid or not
        return "preparing" if flag(state, "paid") else "pending_payment"
    if template in TEMPLATES:
        return TEMPLATES[template]
    for words, status in NAME_HINTS[2:]:
        if any(word in names for word in words):
            return status
    if flag(state, "shipped"):
        return "shipped"
    if flag(state, "paid"):
        return "paid"
    return "preparing" if flag(state, "logable") else "pending_payment"


def merged_status(statuses: Iterable[str]) -> str:
    """One status for orders sharing a reference: the least advanced one still alive."""
    alive = [s for s in statuses if s != "cancelled"]
    return min(alive, key=ORDER_STATUSES.index) if alive else "cancelled"
