"""What the platform connectors share when they turn a platform's order into ``OrderIn``.

WooCommerce, PrestaShop and Shopify each have their own shapes, but the same small
problems: amounts sent as strings, dates without a zone, a locale that is not one of
Comptoir's two languages, a tracking link with the number to put in, and an order that
cannot be read (no e-mail, no line). An order that cannot be read is an error for a live
look-up (the shopper is told politely the order cannot be looked up) and a skipped,
logged line for a sync (one odd order must not stop the others).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from comptoir.calendar import is_working_day
from comptoir.shop.connectors.errors import PlatformAnsweredBadly
from comptoir.shop.importer import OrderIn

if TYPE_CHECKING:
    from comptoir.shop.connectors.base import Connector

log = logging.getLogger("comptoir.shop.connectors")

#: Shown as the carrier when the platform names none (a parcel number alone).
UNNAMED_CARRIER = "Transporteur"


def validated(connector: Connector, fields: dict[str, Any], *, strict: bool) -> OrderIn | None:
    """The ``OrderIn``; for a listing (``strict=False``) None and a log line when unreadable."""
    try:
        return connector.order(**fields)
    except ValidationError as error:
        number = str(fields.get("number"))[:64]
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'order'}: {e['msg']}" for e in error.errors()
        )
        message = f"{connector.name}: order {number} cannot be read ({problems})"
        if strict:
            raise PlatformAnsweredBadly(message, platform=connector.name) from None
        log.warning("%s; skipped", message)
        return None


def money(value: Any) -> float | None:
    """An amount the platform sends as text ("29.35") or a number; None if unreadable."""
    try:
        amount = round(float(value), 2)
    except (TypeError, ValueError):
        return None
    return amount if amount >= 0 else None


def aware(text: Any, zone: str | ZoneInfo = "UTC") -> datetime | None:
    """A date-time from ISO text; one without an offset is read in ``zone``."""
    if not isinstance(text, str) or not text.strip() or text.startswith("0000"):
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone) if isinstance(zone, str) else zone)
    return moment


def local_date(moment: datetime | None, zone: str) -> date | None:
    """The shop's day of an instant (a delivery date is a day where the shop is)."""
    return moment.astimezone(ZoneInfo(zone)).date() if moment else None


def language(locale: Any) -> Literal["fr", "en"]:
    """Comptoir writes French or English: English for "en", "en-GB", "en_US"; French for
    anything else, the shop's own language (as ``comptoir.i18n`` decides everywhere)."""
    if isinstance(locale, str) and locale.strip()[:2].lower() == "en":
        return "en"
    return "fr"


def fill_link(template: str, number: str, postcode: str = "", country: str = "") -> str:
    """A tracking address from a carrier's pattern: ``@`` (PrestaShop) or ``%1$s`` (number),
    ``%2$s`` (postcode), ``%3$s`` (country) as the Shipment Tracking extension writes them."""
    if not template:
        return ""
    link = template.replace("%1$s", number).replace("%2$s", postcode).replace("%3$s", country)
    return link.replace("@", number) if "@" in link and "://" in link else link


def sku_or(sku: Any, *fallback: Any) -> str:
    """The line's SKU, or the platform's product id when the shop set no SKU."""
    text = str(sku or "").strip()
    if text:
        return text[:64]
    ids = [str(part) for part in fallback if part not in (None, "", 0, "0")]
    return "-".join(ids)[:64] or "?"


def add_working_days(start: date, days: int) -> date:
    """``days`` French working days after ``start`` (weekends and public holidays skipped)."""
    day = start
    for _ in range(max(0, days)):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return day


_DAYS = re.compile(
    r"(?i)(\d{1,2})\s*(?:(?:à|a|-|–|to|ou|or)\s*(\d{1,2}))?\s*"
    r"(jours?|days?|business days?|working days?|j\b|h\b|heures?|hours?)"
)


def announced_days(text: Any) -> int | None:
    """The longest delay a carrier's description announces, in working days.

    "Livraison en 48h" → 2, "2 à 3 jours ouvrés" → 3, "Delivery in 3-5 days" → 5;
    None when the text gives no figure ("Livraison rapide").
    """
    if not isinstance(text, str):
        return None
    longest: int | None = None
    for low, high, unit in _DAYS.findall(text):
        figure = int(high or low)
        if unit.lower().startswith(("h", "heure", "hour")):
            figure = -(-figure // 24)  # 48 h -> 2 days, 72 h -> 3
        longest = figure if longest is None else max(longest, figure)
    return longest if longest and longest <= 60 else None
