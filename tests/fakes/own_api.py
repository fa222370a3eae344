"""A shop's own back office answering Comptoir's "your own API" contract.

The contract is docs/own-api.openapi.yaml: ``GET /orders/{number}`` and
``GET /orders?updated_since=&cursor=&limit=``, with ``Authorization: Bearer <token>``.
Orders are held in the import format plus ``updated_at``; pages are cut by an opaque
cursor (the position, base64-encoded) as a real back office would do with its keyset.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from urllib.parse import unquote

from tests.fakes.server import Call, FakeServer, Reply, route

TOKEN = "own-api-test-token-5f2c9a7e41b04d6c"
MAX_LIMIT = 500


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p:{position}".encode()).decode()


def _position(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text[2:]) if text.startswith("p:") and text[2:].isdigit() else None


class OwnApiFake(FakeServer):
    """The back office: orders by number, and the changed ones page by page."""

    def __init__(self, orders: list[dict] | None = None, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.orders: dict[str, dict] = {}
        for order in orders or []:
            self.put(order)

    def put(self, order: dict, updated_at: datetime | None = None) -> None:
        """Add or change an order (its ``updated_at`` is now unless given)."""
        stamp = (updated_at or datetime.now(UTC)).isoformat()
        self.orders[order["number"]] = {**order, "updated_at": stamp}

    def authorised(self, call: Call) -> bool:
        return call.headers.get("authorization") == f"Bearer {self.token}"

    def unauthorised(self, call: Call) -> Reply:
        return Reply(401, {"error": "invalid or missing bearer token"})

    @route("GET", r"/orders/(?P<number>[^/]+)")
    def one(self, call: Call) -> Reply:
        order = self.orders.get(unquote(call.groups["number"]))
        if order is None:
            return Reply(404, {"error": "no such order"})
        return Reply(200, order)

    @route("GET", r"/orders")
    def updated(self, call: Call) -> Reply:
        try:
            since = datetime.fromisoformat(call.arg("updated_since") or "")
            limit = int(call.arg("limit", "100") or 100)
        except ValueError:
            return Reply(400, {"error": "updated_since must be an ISO date-time"})
        if since.tzinfo is None or not 1 <= limit <= MAX_LIMIT:
            return Reply(400, {"error": "updated_since needs an offset; limit 1..500"})
        start = 0
        if call.arg("cursor"):
            start = _position(call.arg("cursor") or "")
            if start is None:
                return Reply(400, {"error": "unknown cursor"})
        changed = sorted(
            (o for o in self.orders.values() if datetime.fromisoformat(o["updated_at"]) >= since),
            key=lambda o: (o["updated_at"], o["number"]),
        )
        page = changed[start : start + limit]
        more = start + limit < len(changed)
        return Reply(200, {"orders": page, "next_cursor": _cursor(start + limit) if more else None})


def two_parcels(number: str = "CMD-20001", **changes: object) -> dict:
    """An order shipped in two parcels by two carriers, each with its scans."""
    order = {
        "number": number,
        "email": "Lea.Martin@example.fr",
        "postcode": "75011",
        "first_name": "Léa",
        "last_name": "Martin",
        "language": "fr",
        "placed_at": "2026-03-02T10:00:00+01:00",
        "status": "shipped",
        "promised_delivery": "2026-03-06",
        "lines": [
            {"sku": "LAMP-ORSAY", "name": "Lampe Orsay", "qty": 1, "unit_price": 89.0},
            {"sku": "THROW-CEVENNES", "name": "Plaid Cévennes", "qty": 2, "unit_price": 59.0},
        ],
        "shipments": [
            {
                "carrier": "colissimo",
                "tracking_number": "6A12345678901",
                "tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
                "lines": ["LAMP-ORSAY"],
                "events": [{"at": "2026-03-03T09:00:00+01:00", "status": "in_transit"}],
            },
            {
                "carrier": "chronopost",
                "tracking_number": "XR123456785FR",
                "lines": ["THROW-CEVENNES"],
                "events": [],
            },
        ],
    }
    return order | changes


def many(count: int, start: int = 30000) -> list[dict]:
    return [two_parcels(f"CMD-{start + i}") for i in range(count)]
