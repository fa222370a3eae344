"""WooCommerce, through its REST API v3: orders, and their parcels from Shipment Tracking.

Written against https://woocommerce.github.io/woocommerce-rest-api-docs/ (``wc/v3``):

- **Keys.** A consumer key and secret (WooCommerce > Settings > Advanced > REST API,
  *Read* access is enough). Over HTTPS they go as HTTP Basic, as the docs say. Over
  plain HTTP the docs require OAuth 1.0a "one-legged" signatures instead, so that the
  secret never travels: each request carries ``oauth_consumer_key``, a nonce, a
  timestamp and an HMAC-SHA256 signature, in its ``Authorization: OAuth`` header.
- **One order.** Order numbers are plain numbers (``1234``), the order's id by default:
  ``GET /orders?include=1234``; a shop whose numbering plugin makes numbers differ from
  ids is found by ``GET /orders?search=1234``. Either way the answer must carry exactly
  that ``number``.
- **Updated orders.** ``GET /orders?modified_after=...&dates_are_gmt=true``, 100 a page,
  by id, following ``X-WP-TotalPages``.
- **Parcels.** WooCommerce has none of its own; the widely used Shipment Tracking
  extension keeps them in the order's ``_wc_shipment_tracking_items`` meta (provider,
  number, custom link, date shipped). A predefined provider's link pattern comes from
  the extension's public ``shipment-trackings/providers`` list, read once an hour.
- **Promised date.** None in WooCommerce itself; the Order Delivery Date plugin's
  ``_orddd_timestamp`` (or its Lite version's) is the day the shopper chose.
- **Language.** WPML's ``wpml_language`` meta, when the shop is multilingual.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import logging
import secrets
import time
from collections.abc import AsyncIterator, Generator, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from comptoir.settings import Settings
from comptoir.shop.connectors.base import (
    Connector,
    ConnectorError,
    ConnectorNotConfigured,
    PlatformAnsweredBadly,
    PlatformHttp,
)
from comptoir.shop.connectors.mapping import (
    UNNAMED_CARRIER,
    aware,
    fill_link,
    language,
    money,
    sku_or,
    validated,
)
from comptoir.shop.importer import OrderIn

log = logging.getLogger("comptoir.shop.connectors")

ORDERS = "/wp-json/wc/v3/orders"
PROVIDERS = "/wp-json/wc-shipment-tracking/v3/shipment-trackings/providers"
PAGE_SIZE = 100  # the API's maximum per_page
MAX_PAGES = 100_000
PROVIDERS_RETRY_S = 3600.0  # a list that could not be read is asked again after this
TRACKING_META = "_wc_shipment_tracking_items"
DELIVERY_DATE_META = ("_orddd_timestamp", "_orddd_lite_timestamp")
LANGUAGE_META = "wpml_language"

#: WooCommerce's statuses (and the "shipped", "partial-shipped", "delivered" ones that
#: Advanced Shipment Tracking adds) as Comptoir's. A shop marks an order *completed*
#: when it sends it; *refunded* and *cancelled* orders will not be delivered.
STATUSES: dict[str, str] = {
    "pending": "pending_payment",
    "on-hold": "pending_payment",
    "failed": "pending_payment",
    "checkout-draft": "pending_payment",
    "processing": "preparing",
    "completed": "shipped",
    "partial-shipped": "shipped",
    "shipped": "shipped",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "refunded": "cancelled",
    "trash": "cancelled",
}


def rfc3986(text: str) -> str:
    """Percent-encoding as PHP's ``rawurlencode`` (what WooCommerce signs with)."""
    return quote(text, safe="-._~")


def signature_base(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The OAuth 1.0a signature base string, built as the WooCommerce docs describe."""
    pairs = sorted((rfc3986(k), rfc3986(v)) for k, v in params)
    joined = "&".join(f"{k}={v}" for k, v in pairs)
    return f"{method.upper()}&{rfc3986(url)}&{rfc3986(joined)}"


class OAuth1HeaderAuth(httpx.Auth):
    """OAuth 1.0a one-legged, WooCommerce's authentication over plain HTTP.

    The parameters travel in the ``Authorization: OAuth ...`` header (read by
    WooCommerce since 3.0), not in the query string: addresses end up in logs (httpx's
    own, a proxy's), headers do not.
    """

    def __init__(self, key: str, secret: str) -> None:
        self._key = key
        self._secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # Signed anew on each try: WooCommerce refuses a nonce it has already seen.
        oauth = [
            ("oauth_consumer_key", self._key),
            ("oauth_nonce", secrets.token_hex(16)),
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_timestamp", str(int(time.time()))),
        ]
        base_url = str(request.url.copy_with(query=None, fragment=None))
        signed = [*request.url.params.multi_items(), *oauth]
        digest = hmac.new(
            f"{self._secret}&".encode(),
            signature_base(request.method, base_url, signed).encode(),
            hashlib.sha256,
        ).digest()
        oauth.append(("oauth_signature", base64.b64encode(digest).decode()))
        request.headers["Authorization"] = "OAuth " + ", ".join(
            f'{name}="{rfc3986(value)}"' for name, value in oauth
        )
        yield request


def status_of(raw: dict[str, Any], has_parcels: bool) -> str:
    """Comptoir's status: a *processing* order with a tracking number has left."""
    status = str(raw.get("status") or "")
    if status == "processing" and has_parcels:
        return "shipped"
    if status in STATUSES:
        return STATUSES[status]
    paid = bool(raw.get("date_paid_gmt") or raw.get("date_paid"))
    mapped = "preparing" if paid else "pending_payment"
    log.info("woocommerce: unknown order status %r read as %s", status[:40], mapped)
    return mapped


class WooCommerceConnector(Connector):
    """A WooCommerce shop (WordPress), read through the REST API v3."""

    name = "woocommerce"
    number_style = "digits"

    def __init__(self, settings: Settings, http: PlatformHttp | None = None) -> None:
        if not settings.connector_key or not settings.connector_secret:
            raise ConnectorNotConfigured(
                "woocommerce needs COMPTOIR_CONNECTOR_KEY (consumer key) and "
                "COMPTOIR_CONNECTOR_SECRET (consumer secret)",
                platform=self.name,
            )
        super().__init__(settings, http)
        key, secret = settings.connector_key, settings.connector_secret
        self.auth: httpx.Auth = (
            httpx.BasicAuth(key, secret)
            if self.base_url.lower().startswith("https://")
            else OAuth1HeaderAuth(key, secret)
        )
        self.zone = settings.business_hours.timezone
        self._providers: dict[str, str] | None = None
        self._providers_until = 0.0

    async def fetch_order(self, number: str) -> OrderIn | None:
        for params in ({"include": number}, {"search": number, "per_page": 20}):
            page, _ = await self._orders(params)
            found = [raw for raw in page if str(raw.get("number")) == number]
            if found:
                return await self._mapped(found[0], strict=True)
        return None

    async def updated_since(self, since: datetime) -> AsyncIterator[OrderIn]:
        after = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        for page_number in range(1, MAX_PAGES):
            params = {
                "modified_after": after,
                "dates_are_gmt": "true",
                "orderby": "id",
                "order": "asc",
                "per_page": PAGE_SIZE,
                "page": page_number,
            }
            page, pages = await self._orders(params)
            for raw in page:
                order = await self._mapped(raw, strict=False)
                if order is not None:
                    yield order
            if page_number >= pages or not page:
                return

    async def _orders(self, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        """One page of ``GET /orders`` and the number of pages (``X-WP-TotalPages``)."""
        response = await self.http.request(
            "GET", f"{self.base_url}{ORDERS}", params=params, auth=self.auth
        )
        body = self._json(response, "GET /orders")
        if not isinstance(body, list):
            raise PlatformAnsweredBadly(
                "woocommerce: GET /orders did not answer a list of orders", platform=self.name
            )
        try:
            pages = int(response.headers.get("x-wp-totalpages", "1"))
        except ValueError:
            pages = 1
        return [raw for raw in body if isinstance(raw, dict)], pages

    def _json(self, response: httpx.Response, what: str) -> Any:
        """The body, with WooCommerce's error code (``woocommerce_rest_…``) on a refusal."""
        code = ""
        if response.status_code != 200:
            with contextlib.suppress(ValueError, AttributeError):
                code = str(response.json().get("code", ""))[:80]
        return self.json_body(
            response,
            what,
            status_detail=f" {code}".rstrip(),
            json_hint=" (is the address the shop's WordPress, with pretty permalinks?)",
        )

    async def _mapped(self, raw: dict[str, Any], *, strict: bool) -> OrderIn | None:
        meta = {
            str(item.get("key")): item.get("value")
            for item in raw.get("meta_data") or []
            if isinstance(item, dict)
        }
        tracking = [
            item
            for item in meta.get(TRACKING_META) or []
            if isinstance(item, dict) and str(item.get("tracking_number") or "").strip()
        ]
        if any(not item.get("custom_tracking_link") for item in tracking):
            await self._load_providers()
        return validated(self, self.fields(raw, meta, tracking), strict=strict)

    def fields(
        self, raw: dict[str, Any], meta: dict[str, Any], tracking: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The import-format fields of one WooCommerce order."""
        billing = raw.get("billing") or {}
        shipping = raw.get("shipping") or {}
        postcode = str(shipping.get("postcode") or billing.get("postcode") or "")
        country = str(shipping.get("country") or billing.get("country") or "")
        return {
            "number": str(raw.get("number") or raw.get("id") or ""),
            "email": billing.get("email") or "",
            "postcode": postcode,
            "placed_at": aware(raw.get("date_created_gmt"))
            or aware(raw.get("date_created"), self.zone),
            "status": status_of(raw, bool(tracking)),
            "promised_delivery": self._promised(meta),
            "first_name": str(shipping.get("first_name") or billing.get("first_name") or ""),
            "last_name": str(shipping.get("last_name") or billing.get("last_name") or "")[:80],
            "total": money(raw.get("total")),
            "language": language(meta.get(LANGUAGE_META)),
            "lines": [
                line for item in raw.get("line_items") or [] if (line := _line(item)) is not None
            ],
            "shipments": [self._parcel(item, postcode, country) for item in tracking],
        }

    def _promised(self, meta: dict[str, Any]) -> Any:
        """The delivery day the shopper chose (Order Delivery Date: a Unix timestamp)."""
        for key in DELIVERY_DATE_META:
            value = str(meta.get(key) or "").strip()
            if value.isdigit():
                return datetime.fromtimestamp(int(value), UTC).date()
        return None

    def _parcel(self, item: dict[str, Any], postcode: str, country: str) -> dict[str, Any]:
        """One Shipment Tracking item: carrier, number and the link to follow it."""
        number = str(item.get("tracking_number")).strip()[:64]
        slug = str(item.get("tracking_provider") or "")
        custom = str(item.get("custom_tracking_provider") or "").strip()
        name, pattern = custom, str(item.get("custom_tracking_link") or "")
        if not custom and slug:
            name, pattern = self._provider(slug)
        return {
            "carrier": (name or slug or UNNAMED_CARRIER)[:40],
            "tracking_number": number,
            "tracking_url": fill_link(pattern, number, postcode.replace(" ", ""), country),
        }

    def _provider(self, slug: str) -> tuple[str, str]:
        """A predefined provider's name and link pattern, from its slug ("colissimo")."""
        for name, pattern in (self._providers or {}).items():
            if _slug(name) == _slug(slug):
                return name, pattern
        return slug, ""

    async def _load_providers(self) -> None:
        """The extension's providers, read at most once an hour: the links are a help,
        never a reason to fail a look-up (old versions have no such list, a firewall may
        hide it)."""
        if self._providers is not None and time.monotonic() < self._providers_until:
            return
        self._providers, self._providers_until = {}, time.monotonic() + PROVIDERS_RETRY_S
        try:
            response = await self.http.request("GET", f"{self.base_url}{PROVIDERS}")
            groups = response.json() if response.status_code == 200 else {}
        except (ConnectorError, ValueError) as problem:
            log.info("woocommerce: no Shipment Tracking providers list for now (%s)", problem)
            return
        for group in groups.values() if isinstance(groups, dict) else ():
            if isinstance(group, dict):
                self._providers.update({str(k): str(v) for k, v in group.items()})
        if not self._providers:
            log.info("woocommerce: no Shipment Tracking providers list; links left out")


def _slug(name: str) -> str:
    """What WordPress's ``sanitize_title`` keeps, enough to compare "Mondial Relay"."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _line(item: Any) -> dict[str, Any] | None:
    """One line item: the price paid per unit, taxes included (what the shopper saw)."""
    if not isinstance(item, dict):
        return None
    try:
        qty = int(item.get("quantity") or 0)
    except (TypeError, ValueError):
        return None
    if qty < 1:
        return None
    paid = (money(item.get("total")) or 0.0) + (money(item.get("total_tax")) or 0.0)
    return {
        "sku": sku_or(item.get("sku"), item.get("product_id"), item.get("variation_id")),
        "name": html.unescape(str(item.get("name") or "?"))[:200],
        "qty": qty,
        "unit_price": round(paid / qty, 2),
    }
