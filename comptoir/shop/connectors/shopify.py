"""Shopify, through the Admin GraphQL API: orders, fulfillments, tracking and carrier events.

Written against https://shopify.dev/docs/api/admin-graphql (the version is
``shopify_api_version``):

- **Token.** An Admin API access token (a custom app made in the shop's admin, with the
  ``read_orders`` scope; e-mails and addresses are *protected customer data* the app
  must be allowed to read), sent as ``X-Shopify-Access-Token`` on
  ``POST /admin/api/{version}/graphql.json``.
- **One order.** Orders are named ``#1001``: ``orders(first: 2, query: "name:#1001")``,
  keeping only the order with exactly that name.
- **Updated orders.** ``orders(query: "updated_at:>='...'", sortKey: UPDATED_AT)``,
  following ``pageInfo { hasNextPage endCursor }``. Without the ``read_all_orders``
  scope Shopify only shows the last 60 days of orders.
- **Rate limit.** Each query costs points from a bucket that refills at
  ``restoreRate`` per second (``extensions.cost.throttleStatus``). A throttled query
  answers a ``THROTTLED`` error: it is retried once the bucket holds its cost; a sync
  also waits between pages when the bucket runs low. HTTP 429 is retried too.
- **Status.** ``cancelledAt``, ``displayFinancialStatus``, ``displayFulfillmentStatus``
  and, once shipped, the fulfillments' ``displayStatus`` (in transit, delivered...).
- **Parcels.** Each fulfillment's ``trackingInfo`` (company, number, url), its line items
  and its latest carrier ``events`` (scans); the carriers' ``estimatedDeliveryAt`` give
  the promised day (the earliest estimate among those scans) and the revised one (the
  fulfillment's current estimate, when it moved).
- **Cost.** A query may not ask for more than 1,000 points, so lists are cut: one order
  asked by name gets up to 40 lines and 5 parcels, a listing 10 lines and 2 parcels an
  order (a sync is for the late-order check; a shopper's look-up asks in full).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

from comptoir.i18n import Bilingual
from comptoir.settings import Settings
from comptoir.shop.connectors.base import (
    Connector,
    ConnectorNotConfigured,
    PlatformAnsweredBadly,
    PlatformAuthFailed,
    PlatformHttp,
)
from comptoir.shop.connectors.mapping import (
    UNNAMED_CARRIER,
    aware,
    language,
    local_date,
    money,
    sku_or,
    validated,
)
from comptoir.shop.connectors.shopify_query import (
    LISTING_QUERY,
    ONE_ORDER_QUERY,
    PAGE_SIZE,
    bucket_wait,
    throttle_wait,
)
from comptoir.shop.importer import OrderIn

log = logging.getLogger("comptoir.shop.connectors")

MAX_PAGES = 100_000
NOT_PAID = {"PENDING", "EXPIRED"}
GONE_FINANCIAL = {"VOIDED", "REFUNDED"}
NOT_SHIPPED = {
    "UNFULFILLED": "paid",
    "OPEN": "paid",
    "SCHEDULED": "paid",
    "ON_HOLD": "paid",
    "REQUEST_DECLINED": "paid",
    "PENDING_FULFILLMENT": "preparing",
    "IN_PROGRESS": "preparing",
    "RESTOCKED": "cancelled",
    "FULFILLMENT_NOT_REQUIRED": "delivered",
}
DEAD_FULFILLMENT = {"CANCELLED", "ERROR", "FAILURE"}
#: Carrier events (not the shop's own steps: label printed, confirmed) as Comptoir's.
EVENTS: dict[str, str] = {
    "CARRIER_PICKED_UP": "shipped",
    "IN_TRANSIT": "in_transit",
    "DELAYED": "in_transit",
    "READY_FOR_PICKUP": "out_for_delivery",
    "OUT_FOR_DELIVERY": "out_for_delivery",
    "ATTEMPTED_DELIVERY": "delivery_exception",
    "FAILURE": "delivery_exception",
    "DELIVERED": "delivered",
}
#: What a carrier event says when the carrier wrote no message of its own.
EVENT_WORDS: dict[str, Bilingual] = {
    "shipped": Bilingual("Colis pris en charge par le transporteur", "Parcel picked up"),
    "in_transit": Bilingual("Colis en cours d’acheminement", "Parcel in transit"),
    "out_for_delivery": Bilingual("Colis en cours de livraison", "Parcel out for delivery"),
    "delivery_exception": Bilingual(
        "Le transporteur signale un problème de livraison",
        "The carrier reports a delivery problem",
    ),
    "delivered": Bilingual("Colis livré", "Parcel delivered"),
}


def order_status(node: dict[str, Any], parcels: list[dict[str, Any]]) -> str:
    """Comptoir's status from Shopify's order and fulfillment statuses."""
    financial = str(node.get("displayFinancialStatus") or "")
    fulfillment = str(node.get("displayFulfillmentStatus") or "")
    if node.get("cancelledAt"):
        return "cancelled"
    if fulfillment in NOT_SHIPPED or not parcels:
        if financial in GONE_FINANCIAL:
            return "cancelled"
        if financial in NOT_PAID:
            return "pending_payment"
        return NOT_SHIPPED.get(fulfillment, "paid")
    shown = {str(parcel.get("displayStatus") or "") for parcel in parcels}
    if shown <= {"DELIVERED", "PICKED_UP"}:
        return "delivered" if fulfillment == "FULFILLED" else "shipped"
    if shown & {"ATTEMPTED_DELIVERY", "FAILURE", "NOT_DELIVERED"}:
        return "delivery_exception"
    if shown & {"OUT_FOR_DELIVERY", "READY_FOR_PICKUP"}:
        return "out_for_delivery"
    if shown & {"IN_TRANSIT", "CARRIER_PICKED_UP", "DELAYED"}:
        return "in_transit"
    return "shipped"


class ShopifyConnector(Connector):
    """A Shopify shop, read through the Admin GraphQL API."""

    name = "shopify"
    number_style = "hash"

    def __init__(self, settings: Settings, http: PlatformHttp | None = None) -> None:
        if not settings.connector_key.strip():
            raise ConnectorNotConfigured(
                "shopify needs COMPTOIR_CONNECTOR_KEY: the Admin API access token",
                platform=self.name,
            )
        super().__init__(settings, http)
        self.endpoint = f"{self.base_url}/admin/api/{settings.shopify_api_version}/graphql.json"
        self.headers = {"X-Shopify-Access-Token": settings.connector_key.strip()}
        self.zone = settings.business_hours.timezone

    async def fetch_order(self, number: str) -> OrderIn | None:
        variables = {"first": 2, "after": None, "query": f"name:{number}"}
        body = await self._query(ONE_ORDER_QUERY, variables)
        for node in body["data"]["orders"]["nodes"]:
            if isinstance(node, dict) and node.get("name") == number:
                return validated(self, self.fields(node), strict=True)
        return None

    async def updated_since(self, since: datetime) -> AsyncIterator[OrderIn]:
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        variables: dict[str, Any] = {
            "first": PAGE_SIZE,
            "after": None,
            "query": f"updated_at:>='{stamp}'",
        }
        for _ in range(MAX_PAGES):
            body = await self._query(LISTING_QUERY, variables)
            orders = body["data"]["orders"]
            for node in orders.get("nodes") or []:
                if isinstance(node, dict):
                    order = validated(self, self.fields(node), strict=False)
                    if order is not None:
                        yield order
            info = orders.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            variables["after"] = info["endCursor"]
            wait = bucket_wait(body, needed=None)
            if wait > 0:  # the bucket is low: let it refill instead of being throttled
                log.info("shopify: query bucket low, next page in %.1f s", wait)
                await asyncio.sleep(min(wait, 60.0))

    async def _query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run the orders query; the body, or the right error for Shopify's answer."""
        response = await self.http.request(
            "POST",
            self.endpoint,
            json={"query": query, "variables": variables},
            headers=self.headers,
            retry_when=throttle_wait,
        )
        body = self.json_body(
            response,
            "the GraphQL endpoint",
            status_detail=" (is the address the shop's myshopify.com one, and the API version "
            "valid?)",
        )
        self._raise_for_errors(body)
        orders = ((body.get("data") or {}).get("orders") or {}) if isinstance(body, dict) else {}
        if not isinstance(orders, dict) or not isinstance(orders.get("nodes"), list):
            raise PlatformAnsweredBadly(
                "shopify: the answer has no data.orders.nodes", platform=self.name
            )
        return body

    def _raise_for_errors(self, body: Any) -> None:
        """GraphQL errors: a missing scope is an access problem, anything else a bad answer."""
        errors = body.get("errors") if isinstance(body, dict) else None
        if not errors:
            return
        first = errors[0] if isinstance(errors, list) and errors else {}
        message = str(first.get("message") if isinstance(first, dict) else errors)[:200]
        code = str(((first.get("extensions") or {}) if isinstance(first, dict) else {}).get("code"))
        if code == "ACCESS_DENIED":
            raise PlatformAuthFailed(
                f"shopify: the access token may not read orders ({message})", platform=self.name
            )
        raise PlatformAnsweredBadly(f"shopify: GraphQL error {code}: {message}", platform=self.name)

    def fields(self, node: dict[str, Any]) -> dict[str, Any]:
        """The import-format fields of one Shopify order."""
        shipping = node.get("shippingAddress") or {}
        billing = node.get("billingAddress") or {}
        speech = language(node.get("customerLocale"))
        lines = node.get("lineItems") or {}
        fulfillments = [
            f
            for f in node.get("fulfillments") or []
            if isinstance(f, dict) and str(f.get("status")) not in DEAD_FULFILLMENT
        ]
        promised, revised = self._estimates(fulfillments)
        return {
            "number": str(node.get("name") or ""),
            "email": node.get("email") or "",
            "postcode": str(shipping.get("zip") or billing.get("zip") or ""),
            "placed_at": aware(node.get("processedAt")) or aware(node.get("createdAt")),
            "status": order_status(node, fulfillments),
            "promised_delivery": promised,
            "revised_delivery": revised,
            "first_name": str(shipping.get("firstName") or billing.get("firstName") or ""),
            "last_name": str(shipping.get("lastName") or billing.get("lastName") or "")[:80],
            "total": money(
                ((node.get("currentTotalPriceSet") or {}).get("shopMoney") or {}).get("amount")
            ),
            "language": speech,
            "lines": [line for item in lines.get("nodes") or [] if (line := _line(item))],
            "shipments": [parcel for f in fulfillments for parcel in self._parcels(f, speech)],
        }

    def _estimates(self, fulfillments: list[dict[str, Any]]) -> tuple[date | None, date | None]:
        """The promised day (the carriers' first estimate) and the revised one (the latest),
        for the parcel that arrives last; revised only when it moved."""
        firsts, lasts = [], []
        for fulfillment in fulfillments:
            events = ((fulfillment.get("events") or {}).get("nodes")) or []
            estimates = [e.get("estimatedDeliveryAt") for e in events if isinstance(e, dict)]
            estimates = [d for d in (local_date(aware(e), self.zone) for e in estimates) if d]
            latest = local_date(aware(fulfillment.get("estimatedDeliveryAt")), self.zone)
            if latest is None and estimates:
                latest = estimates[-1]
            if latest is not None:
                firsts.append(estimates[0] if estimates else latest)
                lasts.append(latest)
        if not lasts:
            return None, None
        promised, revised = max(firsts), max(lasts)
        return promised, (revised if revised != promised else None)

    def _parcels(self, fulfillment: dict[str, Any], speech: str) -> list[dict[str, Any]]:
        """One shipment per tracking number of a fulfillment, with its lines and events."""
        items = ((fulfillment.get("fulfillmentLineItems") or {}).get("nodes")) or []
        skus = [
            sku_or(item["lineItem"].get("sku"), _gid(item["lineItem"].get("id")))
            for item in items
            if isinstance(item, dict) and isinstance(item.get("lineItem"), dict)
        ]
        events = [
            event
            for node in ((fulfillment.get("events") or {}).get("nodes")) or []
            if (event := _event(node, speech, self.zone)) is not None
        ]
        parcels = []
        for info in fulfillment.get("trackingInfo") or []:
            number = str((info or {}).get("number") or "").strip()[:64]
            if number:
                parcels.append(
                    {
                        "carrier": str(info.get("company") or UNNAMED_CARRIER)[:40],
                        "tracking_number": number,
                        "tracking_url": str(info.get("url") or ""),
                        "lines": skus,
                        "events": events,
                    }
                )
        return parcels


def _gid(value: Any) -> str:
    """The number at the end of a global id ("gid://shopify/LineItem/866550311766439020")."""
    return str(value or "").rsplit("/", 1)[-1]


def _line(item: Any) -> dict[str, Any] | None:
    if not isinstance(item, dict) or int(item.get("quantity") or 0) < 1:
        return None
    price = ((item.get("originalUnitPriceSet") or {}).get("shopMoney") or {}).get("amount")
    return {
        "sku": sku_or(item.get("sku"), _gid(item.get("id"))),
        "name": str(item.get("name") or "?")[:200],
        "qty": int(item["quantity"]),
        "unit_price": money(price) or 0.0,
    }


def _event(node: Any, speech: str, zone: str) -> dict[str, Any] | None:
    """A carrier scan, in Comptoir's words when the carrier wrote none."""
    if not isinstance(node, dict) or str(node.get("status")) not in EVENTS:
        return None
    at = aware(node.get("happenedAt"))
    if at is None:
        return None
    status = EVENTS[str(node["status"])]
    return {
        "at": at,
        "status": status,
        "location": str(node.get("city") or "")[:120],
        "description": str(node.get("message") or "") or EVENT_WORDS[status](speech),
    }
