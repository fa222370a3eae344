"""The "your own API" connector: two GET requests a shop's back office answers in JSON.

The contract is ``docs/own-api.openapi.yaml``: ``GET {url}/orders/{number}`` (200 with
the order, 404 when unknown) and ``GET {url}/orders?updated_since=...&cursor=...``
(a page of orders and the ``next_cursor``), with ``Authorization: Bearer <key>``. An
order is a record of the import format (docs/orders.md), so mapping it is validating
it; fields Comptoir does not know (``updated_at``, the shop's own extras) are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from comptoir.settings import Settings
from comptoir.shop.connectors.base import Connector, PlatformAnsweredBadly, PlatformHttp
from comptoir.shop.importer import OrderIn

log = logging.getLogger("comptoir.shop.connectors")

PAGE_SIZE = 100
MAX_PAGES = 100_000  # a cursor that never ends is the shop's bug, not a reason to loop forever


class OwnApiConnector(Connector):
    """A shop's own back office, speaking Comptoir's small JSON contract."""

    name = "http"

    def __init__(self, settings: Settings, http: PlatformHttp | None = None) -> None:
        super().__init__(settings, http)
        self.headers = {"Authorization": f"Bearer {settings.connector_key}"}

    async def fetch_order(self, number: str) -> OrderIn | None:
        response = await self.http.request(
            "GET", f"{self.base_url}/orders/{quote(number, safe='')}", headers=self.headers
        )
        if response.status_code == 404:
            return None
        body = self.json_body(response, "GET /orders/{number}")
        return self._order(body, strict=True)

    async def updated_since(self, since: datetime) -> AsyncIterator[OrderIn]:
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params = {"updated_since": since.isoformat(), "limit": PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            response = await self.http.request(
                "GET", f"{self.base_url}/orders", params=params, headers=self.headers
            )
            page = self.json_body(response, "GET /orders")
            if not isinstance(page, dict) or not isinstance(page.get("orders"), list):
                raise PlatformAnsweredBadly(
                    "http: GET /orders did not answer {orders: [...], next_cursor}",
                    platform=self.name,
                )
            for raw in page["orders"]:
                order = self._order(raw, strict=False)
                if order is not None:
                    yield order
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def _order(self, raw: Any, *, strict: bool) -> OrderIn | None:
        """The order, or (in a listing) None and a log line when it cannot be read."""
        known = OrderIn.model_fields
        fields = {k: v for k, v in raw.items() if k in known} if isinstance(raw, dict) else {}
        try:
            return self.order(**fields)
        except ValidationError as error:
            number = str(raw.get("number"))[:64] if isinstance(raw, dict) else "?"
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
            )
            if strict:
                raise PlatformAnsweredBadly(
                    f"http: order {number} does not follow the contract ({problems})",
                    platform=self.name,
                ) from None
            log.warning(
                "http: order %s skipped, it does not follow the contract (%s)", number, problems
            )
            return None
