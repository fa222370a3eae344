"""PrestaShop, through its Webservice in JSON: orders, states, carriers, tracking numbers.

Written against https://devdocs.prestashop-project.org/8/webservice/ (the same API in
1.7 and 8):

- **Key.** A webservice key (Advanced Parameters > Webservice), 32 characters, sent as
  the HTTP Basic user with no password ("Using an Authorization header"). It needs GET
  on ``orders``, ``order_carriers``, ``order_states``, ``carriers``, ``customers``,
  ``addresses`` and ``languages``.
- **One order.** Shoppers know their order by its *reference* (``XKBKNABJK``):
  ``GET /api/orders?filter[reference]=[XKBKNABJK]&display=full&output_format=JSON``.
  PrestaShop splits a cart shipped by several carriers into several orders sharing one
  reference; Comptoir shows them as one order with several parcels, as the shopper
  sees it.
- **Updated orders.** ``filter[date_upd]=[since,...]&date=1``, ``sort=[id_ASC]`` and
  ``limit=offset,count``; then the whole of each reference on the page.
- **Status.** ``current_state`` read through ``order_states``: the mail template
  ("shipped", "order_canceled", "payment"...), the state's name ("Livré") and its flags
  (shipped, paid). The ``order_histories`` are not turned into tracking events: they
  say when the shop changed a state, not when a carrier scanned a parcel, and a parcel
  with old "scans" would look stalled to the late-order check.
- **Parcels.** ``order_carriers`` hold the tracking numbers; the carrier's ``url``, where
  ``@`` stands for the number, gives the tracking link.
- **Promised date.** PrestaShop stores none; the carrier's announced delay, shown at
  checkout ("Livraison en 2 à 3 jours ouvrés"), counted in working days from the order.
- **Dates** are in the shop's timezone, without offset: read in
  ``business_hours.timezone``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from comptoir.settings import Settings
from comptoir.shop.connectors.base import (
    Connector,
    ConnectorNotConfigured,
    PlatformAnsweredBadly,
    PlatformHttp,
)
from comptoir.shop.connectors.mapping import (
    add_working_days,
    announced_days,
    aware,
    fill_link,
    language,
    money,
    sku_or,
    validated,
)
from comptoir.shop.connectors.prestashop_states import (
    in_language,
    merged_status,
    state_status,
)
from comptoir.shop.importer import OrderIn

log = logging.getLogger("comptoir.shop.connectors")

PAGE_SIZE = 50
MAX_PAGES = 100_000
LATEST = "2999-12-31 23:59:59"  # the open end of a date interval filter


@dataclass
class Lookups:
    """What a page of orders needs besides the orders, each read in one request."""

    states: dict[str, str]
    languages: dict[str, str]
    customers: dict[str, dict[str, Any]]
    addresses: dict[str, dict[str, Any]]
    parcels: list[dict[str, Any]]


class PrestaShopConnector(Connector):
    """A PrestaShop shop, read through its Webservice."""

    name = "prestashop"
    number_style = "reference"

    def __init__(self, settings: Settings, http: PlatformHttp | None = None) -> None:
        if len(settings.connector_key.strip()) != 32:
            raise ConnectorNotConfigured(
                "prestashop needs COMPTOIR_CONNECTOR_KEY: the webservice key, 32 characters",
                platform=self.name,
            )
        super().__init__(settings, http)
        self.auth = httpx.BasicAuth(settings.connector_key.strip(), "")
        self.zone = settings.business_hours.timezone
        self.shop_name = settings.shop_name
        self._states: dict[str, str] | None = None
        self._languages: dict[str, str] | None = None
        self._carriers: dict[str, dict[str, Any]] = {}

    async def fetch_order(self, number: str) -> OrderIn | None:
        rows = await self._get("orders", display="full", **{"filter[reference]": f"[{number}]"})
        rows = [row for row in rows if str(row.get("reference", "")).upper() == number]
        if not rows:
            return None
        orders = [order async for order in self._orders(rows, strict=True)]
        return orders[0] if orders else None

    async def updated_since(self, since: datetime) -> AsyncIterator[OrderIn]:
        start = since.astimezone(ZoneInfo(self.zone)).strftime("%Y-%m-%d %H:%M:%S")
        done: set[str] = set()
        for page in range(MAX_PAGES):
            rows = await self._get(
                "orders",
                display="[id,reference]",
                date="1",
                sort="[id_ASC]",
                limit=f"{page * PAGE_SIZE},{PAGE_SIZE}",
                **{"filter[date_upd]": f"[{start},{LATEST}]"},
            )
            references = sorted({str(r.get("reference", "")).upper() for r in rows} - done - {""})
            if references:
                # The whole of each reference: its other orders may not have changed.
                full = await self._get(
                    "orders", display="full", **{"filter[reference]": f"[{'|'.join(references)}]"}
                )
                async for order in self._orders(full, strict=False):
                    yield order
                done.update(references)
            if len(rows) < PAGE_SIZE:
                return

    async def _get(self, resource: str, **params: str) -> list[dict[str, Any]]:
        """A listing of ``resource`` ([] when empty: PrestaShop then answers ``[]``)."""
        response = await self.http.request(
            "GET",
            f"{self.base_url}/api/{resource}",
            params={"output_format": "JSON", **params},
            auth=self.auth,
        )
        body = self.json_body(
            response,
            f"GET /api/{resource}",
            status_detail=_error_text(response) if response.status_code != 200 else "",
            json_hint=" (is the webservice enabled, and the address the shop's root?)",
        )
        if body in ([], {}):
            return []
        if not isinstance(body, dict) or not isinstance(body.get(resource), list):
            raise PlatformAnsweredBadly(
                f"prestashop: GET /api/{resource} did not answer a list", platform=self.name
            )
        return [row for row in body[resource] if isinstance(row, dict)]

    async def _by_id(self, resource: str, ids: Iterable[Any], display: str) -> dict[str, dict]:
        """Rows of ``resource`` by id, in one request (``filter[id]=[1|2|3]``)."""
        wanted = sorted({str(i) for i in ids if str(i) not in ("", "0", "None")})
        if not wanted:
            return {}
        rows = await self._get(resource, display=display, **{"filter[id]": f"[{'|'.join(wanted)}]"})
        return {str(row.get("id")): row for row in rows}

    async def _orders(self, rows: list[dict[str, Any]], *, strict: bool) -> AsyncIterator[OrderIn]:
        """``OrderIn`` records for order rows, one per reference, with what they need."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(str(row.get("reference", "")).upper(), []).append(row)
        order_ids = "|".join(str(row.get("id")) for row in rows)
        known = Lookups(
            states=await self._order_states(),
            languages=await self._language_codes(),
            customers=await self._by_id(
                "customers", (r.get("id_customer") for r in rows), "[id,email,firstname,lastname]"
            ),
            addresses=await self._by_id(
                "addresses", (r.get("id_address_delivery") for r in rows), "[id,postcode,lastname]"
            ),
            parcels=await self._get(
                "order_carriers", display="full", **{"filter[id_order]": f"[{order_ids}]"}
            ),
        )
        await self._load_carriers([r.get("id_carrier") for r in rows + known.parcels])
        for reference, group in groups.items():
            order = validated(self, self.fields(reference, group, known), strict=strict)
            if order is not None:
                yield order

    def fields(self, reference: str, group: list[dict[str, Any]], known: Lookups) -> dict[str, Any]:
        """The import-format fields of the orders sharing one reference."""
        first = min(group, key=lambda row: int(str(row.get("id") or 0)))
        customer = known.customers.get(str(first.get("id_customer")), {})
        address = known.addresses.get(str(first.get("id_address_delivery")), {})
        language_id = str(first.get("id_lang") or "")
        placed_at = aware(first.get("date_add"), self.zone)
        totals = [money(row.get("total_paid_tax_incl") or row.get("total_paid")) for row in group]
        return {
            "number": reference,
            "email": customer.get("email") or "",
            "postcode": str(address.get("postcode") or ""),
            "placed_at": placed_at,
            "status": merged_status(
                known.states.get(str(row.get("current_state")), "preparing") for row in group
            ),
            "promised_delivery": self._promised(group, placed_at, language_id),
            "first_name": str(customer.get("firstname") or ""),
            "last_name": str(address.get("lastname") or customer.get("lastname") or "")[:80],
            "total": round(sum(t for t in totals if t is not None), 2),
            "language": language(known.languages.get(language_id)),
            "lines": [line for row in group for line in _lines(row)],
            "shipments": self._parcels(group, known.parcels),
        }

    def _promised(
        self, group: list[dict[str, Any]], placed_at: datetime | None, language_id: str
    ) -> Any:
        """The day the carriers' announced delays end (the longest, counted from the order)."""
        if placed_at is None:
            return None
        delays = [
            announced_days(
                in_language(
                    self._carriers.get(str(r.get("id_carrier")), {}).get("delay"), language_id
                )
            )
            for r in group
        ]
        known = [days for days in delays if days is not None]
        if not known:
            return None
        return add_working_days(placed_at.astimezone(ZoneInfo(self.zone)).date(), max(known))

    def _parcels(
        self, group: list[dict[str, Any]], parcels: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The group's tracking numbers; each split order's parcel holds that order's lines."""
        found = []
        for row in group:
            skus = [line["sku"] for line in _lines(row)] if len(group) > 1 else []
            for parcel in parcels:
                number = str(parcel.get("tracking_number") or "").strip()[:64]
                if str(parcel.get("id_order")) != str(row.get("id")) or not number:
                    continue
                carrier = self._carriers.get(str(parcel.get("id_carrier")), {})
                name = str(carrier.get("name") or "")
                found.append(
                    {
                        "carrier": (self.shop_name if name in ("", "0") else name)[:40],
                        "tracking_number": number,
                        "tracking_url": fill_link(str(carrier.get("url") or ""), number),
                        "lines": skus,
                    }
                )
        return found

    async def _order_states(self) -> dict[str, str]:
        """Every order state's meaning to Comptoir, read once."""
        if self._states is None:
            rows = await self._get("order_states", display="full")
            self._states = {str(row.get("id")): state_status(row) for row in rows}
        return self._states

    async def _language_codes(self) -> dict[str, str]:
        """Language id -> ISO code ("fr"), read once."""
        if self._languages is None:
            rows = await self._get("languages", display="[id,iso_code]")
            self._languages = {str(row.get("id")): str(row.get("iso_code") or "") for row in rows}
        return self._languages

    async def _load_carriers(self, ids: Iterable[Any]) -> None:
        """Carriers not read yet (name, tracking url, delay); carriers change rarely."""
        missing = {str(i) for i in ids} - set(self._carriers)
        if missing:
            self._carriers.update(await self._by_id("carriers", missing, "[id,name,url,delay]"))
            for unknown in missing - set(self._carriers):
                self._carriers[unknown] = {}  # not asked again


def _lines(row: dict[str, Any]) -> list[dict[str, Any]]:
    """An order's rows: reference (SKU), name, quantity, unit price taxes included."""
    rows = (row.get("associations") or {}).get("order_rows") or []
    lines = []
    for item in rows if isinstance(rows, list) else ():
        try:
            qty = int(str(item.get("product_quantity") or 0))
        except ValueError:
            continue
        if qty < 1:
            continue
        lines.append(
            {
                "sku": sku_or(
                    item.get("product_reference"),
                    item.get("product_id"),
                    item.get("product_attribute_id"),
                ),
                "name": str(item.get("product_name") or "?")[:200],
                "qty": qty,
                "unit_price": money(item.get("unit_price_tax_incl"))
                or money(item.get("product_price"))
                or 0.0,
            }
        )
    return lines


def _error_text(response: httpx.Response) -> str:
    """PrestaShop's own words on an error (``{"errors": [{"code", "message"}]}``)."""
    try:
        errors = response.json().get("errors") or []
        return f": {str(errors[0].get('message'))[:160]}" if errors else ""
    except (ValueError, AttributeError, IndexError, TypeError):
        return ""
