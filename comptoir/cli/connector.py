"""``comptoir connector check [ORDER]``: is the shop's platform reachable with its key?

An owner runs it once after setting ``COMPTOIR_SHOP_CONNECTOR`` and its key, and again
whenever the bot says it cannot look orders up: one cheap call tests the key (and says
how long it took), then, given an order number, what the platform gives for it, as
Comptoir reads it (status, dates, parcels and tracking numbers, the e-mail partly
hidden: the output ends up in terminals and logs). No key is ever printed. A failure
is one clear sentence and exit code 1. The words and helpers of ``orders sync`` live
here too, since both speak about the platform.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from comptoir.cli.notify import mask_email
from comptoir.i18n import Bilingual
from comptoir.settings import Settings, get_settings

if TYPE_CHECKING:
    from comptoir.shop.importer import OrderIn

PLATFORMS = {
    "local": Bilingual("aucune (base locale, commandes importées)", "none (local, imported)"),
    "http": Bilingual("l'API de votre boutique", "your shop's own API"),
    "woocommerce": Bilingual("WooCommerce", "WooCommerce"),
    "prestashop": Bilingual("PrestaShop", "PrestaShop"),
    "shopify": Bilingual("Shopify", "Shopify"),
}
PLATFORM = Bilingual("Plateforme : {name} ({url}).", "Platform: {name} ({url}).")
NO_CONNECTOR = Bilingual(
    "Aucun connecteur n'est choisi : les commandes viennent seulement des imports. "
    "Réglez COMPTOIR_SHOP_CONNECTOR (woocommerce, prestashop, shopify ou http).",
    "No connector is chosen: orders come only from imports. Set COMPTOIR_SHOP_CONNECTOR "
    "(woocommerce, prestashop, shopify or http).",
)
NOT_CONFIGURED = Bilingual(
    "Le connecteur n'est pas complet : {detail}.", "The connector is not complete: {detail}."
)
ACCESS_OK = Bilingual(
    "Accès accepté par {name} en {ms} ms.", "Access accepted by {name} in {ms} ms."
)
AUTH_FAILED = Bilingual(
    "{name} refuse la clé (HTTP {status}) : vérifiez COMPTOIR_CONNECTOR_KEY (et "
    "COMPTOIR_CONNECTOR_SECRET) et que la clé peut lire les commandes.",
    "{name} refuses the key (HTTP {status}): check COMPTOIR_CONNECTOR_KEY (and "
    "COMPTOIR_CONNECTOR_SECRET) and that the key may read orders.",
)
UNAVAILABLE = Bilingual(
    "{name} ne répond pas correctement pour le moment. Détail : {detail}.",
    "{name} is not answering properly right now. Detail: {detail}.",
)
BAD_ANSWER = Bilingual(
    "{name} a répondu quelque chose que Comptoir ne sait pas lire. Détail : {detail}.",
    "{name} answered something Comptoir cannot read. Detail: {detail}.",
)
NOT_A_NUMBER = Bilingual(
    "« {text} » n'est pas un numéro de commande de cette boutique (par exemple {example}).",
    "“{text}” is not an order number of this shop (for example {example}).",
)
NOT_FOUND = Bilingual(
    "La commande {number} est introuvable sur {name} ({ms} ms).",
    "Order {number} was not found on {name} ({ms} ms).",
)
FOUND = Bilingual(
    "Commande {number} trouvée en {ms} ms : elle {status}, passée le {placed}.",
    "Order {number} found in {ms} ms: it {status}, placed on {placed}.",
)
CUSTOMER = Bilingual(
    "E-mail : {email} · code postal : {postcode} · langue : {tongue}.",
    "E-mail: {email} · postcode: {postcode} · language: {tongue}.",
)
PROMISED = Bilingual("Livraison promise le {day}.", "Delivery promised on {day}.")
REVISED = Bilingual("Nouvelle date annoncée : {day}.", "New date announced: {day}.")
LINES = Bilingual("Articles : {items}.", "Items: {items}.")
NO_PARCEL = Bilingual("Aucun colis pour l'instant.", "No parcel yet.")
PARCEL = Bilingual(
    "Colis {position} : {carrier}, n° de suivi {tracking}, {events} étape(s) de suivi.",
    "Parcel {position}: {carrier}, tracking number {tracking}, {events} tracking step(s).",
)
BAD_SINCE = Bilingual(
    "« {text} » n'est pas une date : écrivez par exemple 2026-11-01, 2026-11-01T08:00 ou 2d "
    "(2 jours ; aussi 12h, 30m, 1w).",
    "“{text}” is not a date: write for example 2026-11-01, 2026-11-01T08:00 or 2d (2 days; "
    "also 12h, 30m, 1w).",
)
SYNCED = Bilingual(
    "{name} : {orders} commande(s) modifiée(s) depuis le {since} enregistrée(s) "
    "({created} nouvelle(s), {updated} mise(s) à jour) en {seconds} s.",
    "{name}: {orders} order(s) changed since {since} stored ({created} new, {updated} "
    "updated) in {seconds} s.",
)
SYNC_STOPPED = Bilingual(
    "La synchronisation s'est arrêtée après {orders} commande(s), qui restent enregistrées ; "
    "relancez la même commande pour reprendre.",
    "The sync stopped after {orders} order(s), which stay stored; run the same command "
    "again to resume.",
)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def platform_name(settings: Settings, language: str) -> str:
    """The platform as an owner calls it."""
    return PLATFORMS[settings.shop_connector](language)


def parse_since(text: str, settings: Settings, now: datetime | None = None) -> datetime | None:
    """``2026-11-01`` (midnight, the shop's time zone), an ISO time, or ``2d``/``12h``."""
    now = now or datetime.now(UTC)
    relative = re.fullmatch(r"\s*(\d{1,5})\s*([mhdw])\s*", text.lower())
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    zone = ZoneInfo(settings.business_hours.timezone)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            return datetime.combine(date.fromisoformat(text.strip()), datetime.min.time(), zone)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def failure_sentence(error: Exception, settings: Settings, language: str) -> str:
    """One sentence for a connector error (never a key: the errors carry none)."""
    from comptoir.shop.connectors.base import (
        ConnectorNotConfigured,
        PlatformAnsweredBadly,
        PlatformAuthFailed,
    )

    name = platform_name(settings, language)
    detail = str(error).rstrip(".")
    if isinstance(error, PlatformAuthFailed):
        return AUTH_FAILED(language, name=name, status=error.status or "401")
    if isinstance(error, ConnectorNotConfigured):
        return NOT_CONFIGURED(language, detail=detail)
    if isinstance(error, PlatformAnsweredBadly):
        return BAD_ANSWER(language, name=name, detail=detail)
    return UNAVAILABLE(language, name=name, detail=detail)


def describe_found(order: OrderIn, ms: int, language: str) -> list[str]:
    """What the platform gave for one order, as Comptoir reads it."""
    from comptoir.shop import wording
    from comptoir.shop.describe import CARRIERS

    lines = [
        FOUND(
            language,
            number=order.number,
            ms=ms,
            status=wording.status(order.status, language),
            placed=wording.day(order.placed_at.date(), language),
        ),
        CUSTOMER(
            language,
            email=mask_email(str(order.email).lower()),
            postcode=order.postcode[:2] + "•" * max(0, len(order.postcode) - 2),
            tongue=order.language,
        ),
        LINES(language, items=", ".join(f"{line.qty} × {line.name}" for line in order.lines)),
    ]
    if order.promised_delivery:
        lines.append(PROMISED(language, day=wording.day(order.promised_delivery, language)))
    if order.revised_delivery:
        lines.append(REVISED(language, day=wording.day(order.revised_delivery, language)))
    for position, parcel in enumerate(order.shipments, start=1):
        carrier = CARRIERS.get(parcel.carrier.lower(), parcel.carrier)
        lines.append(
            PARCEL(
                language,
                position=position,
                carrier=carrier,
                tracking=parcel.tracking_number,
                events=len(parcel.events),
            )
        )
    if not order.shipments:
        lines.append(NO_PARCEL(language))
    return lines


async def check(settings: Settings, order: str | None, language: str) -> tuple[int, list[str]]:
    """Test the key, then look ``order`` up: the exit code and the lines to print."""
    from comptoir.shop.connectors import connector_for
    from comptoir.shop.connectors.base import ConnectorError
    from comptoir.shop.connectors.http import safe_url
    from comptoir.shop.numbers import EXAMPLES, normalise_order_number, number_style

    name = platform_name(settings, language)
    if settings.shop_connector == "local":
        return 1, [NO_CONNECTOR(language)]
    out = [PLATFORM(language, name=name, url=safe_url(settings.connector_url or "") or "?")]
    try:
        connector = connector_for(settings)
    except ConnectorError as error:
        return 1, [*out, failure_sentence(error, settings, language)]
    assert connector is not None
    try:
        started = time.perf_counter()
        await connector.check_access()
        out.append(ACCESS_OK(language, name=name, ms=_ms(started)))
        if order is None:
            return 0, out
        style = number_style(settings)
        number = normalise_order_number(order, style)
        if number is None:
            return 1, [*out, NOT_A_NUMBER(language, text=order, example=EXAMPLES[style])]
        started = time.perf_counter()
        found = await connector.fetch_order(number)
        if found is None:
            return 1, [*out, NOT_FOUND(language, number=number, name=name, ms=_ms(started))]
        return 0, out + describe_found(found, _ms(started), language)
    except ConnectorError as error:
        return 1, [*out, failure_sentence(error, settings, language)]
    finally:
        await connector.close()


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _cmd_check(args: argparse.Namespace) -> int:
    settings = get_settings()
    code, lines = asyncio.run(check(settings, args.order, args.lang or settings.default_language))
    print("\n".join(lines))
    return code


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``connector check``."""
    connector = sub.add_parser("connector", help="the shop's platform").add_subparsers(
        dest="connector", required=True
    )
    checker = connector.add_parser(
        "check", help="test the platform's key, and look one order up (never prints the key)"
    )
    checker.add_argument("order", nargs="?", help="an order number, as a shopper would type it")
    checker.add_argument("--lang", choices=["fr", "en"], help="language of the report")
    checker.set_defaults(func=_cmd_check)


async def sync(settings: Settings, since: datetime, language: str) -> tuple[int, list[str]]:
    """Pull the orders changed since ``since``: the exit code and the lines to print."""
    from comptoir.shop import wording
    from comptoir.shop.connectors import connector_for
    from comptoir.shop.connectors.base import ConnectorError
    from comptoir.shop.db import sessions, upgrade
    from comptoir.shop.live_orders import SyncReport, sync_orders

    if settings.shop_connector == "local":
        return 1, [NO_CONNECTOR(language)]
    upgrade(settings.shop_db_url)
    progress = SyncReport()

    async def note(report: SyncReport) -> None:
        progress.created, progress.updated = report.created, report.updated

    try:
        connector = connector_for(settings)
    except ConnectorError as error:
        return 1, [failure_sentence(error, settings, language)]
    assert connector is not None
    try:
        report = await sync_orders(connector, sessions(settings.shop_db_url), since, on_batch=note)
    except ConnectorError as error:
        return 1, [
            failure_sentence(error, settings, language),
            SYNC_STOPPED(language, orders=progress.orders),
        ]
    finally:
        await connector.close()
    local = since.astimezone(ZoneInfo(settings.business_hours.timezone))
    seconds = f"{report.seconds:.1f}"
    return 0, [
        SYNCED(
            language,
            name=platform_name(settings, language),
            orders=report.orders,
            since=wording.moment(local, language),
            created=report.created,
            updated=report.updated,
            seconds=seconds.replace(".", ",") if language == "fr" else seconds,
        )
    ]
