"""A fake PrestaShop webservice: orders, their carriers and states, customers, addresses.

What it implements, from the official documentation
(https://devdocs.prestashop-project.org/8/webservice/):

- ``GET /api/<resource>`` for ``orders``, ``order_carriers``, ``order_states``,
  ``carriers``, ``customers``, ``addresses`` and ``languages``, with the list options of
  the "Cheat sheet" and "Additional list parameters" pages: ``display`` (``full`` or
  ``[field,...]``), ``filter[field]`` (``[a|b]`` OR, ``[a,b]`` interval, ``[x]``
  literal, ``[x]%`` / ``%[x]`` / ``%[x]%``, not case sensitive), ``sort``
  (``[field_ASC]``), ``limit`` (``[offset,]count``) and ``date=1``, without which date
  fields cannot be filtered; ``GET /api/<resource>/<id>``.
- ``output_format=JSON``: PrestaShop's JSON output (``WebserviceOutputJSON``): a listing
  is ``{"<resource>": [...]}``, an empty one ``[]``, one record ``{"<resource
  singular>": {...}}``, multilingual fields ``[{"id": "1", "value": "..."}]``, every
  value a string. Without it the answer is XML, as PrestaShop's default.
- Authentication ("Testing access"): the key as the HTTP Basic user, no password;
  errors 401 with ``WWW-Authenticate`` and the codes of ``WebserviceRequest``
  (16 no key, 18 bad format, 20/21 unknown or inactive key).
- Errors as ``{"errors": [{"code", "message"}]}``.

PrestaShop has no rate limit of its own; a 429 comes from the shop's host (a proxy, a
firewall), which is what ``fail_next`` injects.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fakes.server import Call, FakeServer, Reply, route

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms" / "prestashop"
KEY = "UCCLLQ9N2ARSHWCXLT74KUKSSK34BFKX"  # the docs' example key: 32 characters
RESOURCES = (
    "orders",
    "order_carriers",
    "order_states",
    "carriers",
    "customers",
    "addresses",
    "languages",
)
SINGULAR = {
    "orders": "order",
    "order_carriers": "order_carrier",
    "order_states": "order_state",
    "carriers": "carrier",
    "customers": "customer",
    "addresses": "address",
    "languages": "language",
}
DATE_FIELDS = {"date_add", "date_upd", "invoice_date", "delivery_date"}
REALM = (
    'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key '
    'as the login. No password required."'
)


def errors(status: int, *problems: tuple[int, str], headers: dict | None = None) -> Reply:
    """PrestaShop's error answer in JSON."""
    body = {"errors": [{"code": code, "message": message} for code, message in problems]}
    return Reply(status, body, dict(headers or {}))


class FakePrestaShop(FakeServer):
    """PrestaShop 8 with the data of ``tests/fixtures/platforms/prestashop``."""

    def __init__(self, key: str = KEY) -> None:
        super().__init__()
        self.key = key
        # Each file is the JSON answer to ``GET /api/<resource>?display=full``, the
        # fields of the resource's page under "Resources" (e.g.
        # https://devdocs.prestashop-project.org/8/webservice/resources/orders/).
        self.data: dict[str, list[dict[str, Any]]] = {
            name: json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))[name]
            for name in RESOURCES
        }

    @property
    def orders(self) -> list[dict[str, Any]]:
        return self.data["orders"]

    def add_copies(self, count: int, date_upd: str = "2025-03-10 12:00:00") -> list[str]:
        """``count`` more orders like the first one, each its own reference and parcel."""
        template = self.orders[0]
        start = max(int(order["id"]) for order in self.orders) + 1
        references = []
        for offset in range(count):
            order = copy.deepcopy(template)
            order["id"] = str(start + offset)
            order["reference"] = _reference(start + offset)
            order["date_upd"] = date_upd
            self.orders.append(order)
            parcel = dict(self.data["order_carriers"][0])
            parcel.update(id=str(10_000 + start + offset), id_order=order["id"])
            parcel["tracking_number"] = f"6A{start + offset:011d}"
            self.data["order_carriers"].append(parcel)
            references.append(order["reference"])
        return references

    # -- authentication -------------------------------------------------------------
    def _key_of(self, call: Call) -> str | None:
        header = call.headers.get("authorization", "")
        if header.startswith("Basic "):
            user = base64.b64decode(header[6:]).decode(errors="replace")
            return user.partition(":")[0].strip()
        return call.arg("ws_key")

    def authorised(self, call: Call) -> bool:
        return self._key_of(call) == self.key

    def unauthorised(self, call: Call) -> Reply:
        key, realm = self._key_of(call), {"WWW-Authenticate": REALM}
        if key is None:
            problem = (16, "Please enter the authentication key as the login. No password required")
            return errors(401, problem, headers=realm)
        if len(key) != 32:
            return errors(401, (18, "Invalid authentication key format"), headers=realm)
        return errors(
            401,
            (20, "Authentification key is not active"),
            (21, "No permission for this authentication key"),
            headers=realm,
        )

    # -- routes -----------------------------------------------------------------------
    @route("GET", r"/api/(?P<resource>[a-z_]+)")
    def listing(self, call: Call) -> Reply:
        resource = call.groups["resource"]
        if resource not in self.data:
            return errors(400, (22, f'Resource of type "{resource}" does not exists.'))
        if call.arg("output_format") != "JSON":
            return Reply(
                200,
                raw=b'<?xml version="1.0" encoding="UTF-8"?>\n<prestashop/>',
                headers={"Content-Type": "text/xml;charset=utf-8"},
            )
        rows = list(self.data[resource])
        for name, values in call.query.items():
            if name.startswith("filter[") and name.endswith("]"):
                field = name[7:-1]
                if field in DATE_FIELDS and call.arg("date") != "1":
                    return errors(
                        400, (32, f'This filter does not exist. Did you mean: "{field}"?')
                    )
                matches = _matcher(values[0])
                rows = [row for row in rows if matches(str(row.get(field, "")))]
        rows = _sorted(rows, call.arg("sort"))
        rows = _limited(rows, call.arg("limit"))
        display = call.arg("display")
        if display is None:
            shown = [{"id": int(row["id"])} for row in rows]
        elif display == "full":
            shown = rows
        else:
            fields = display.strip("[]").split(",")
            shown = [{f: row[f] for f in fields if f in row} for row in rows]
        return Reply(200, {resource: shown} if shown else [])

    @route("GET", r"/api/(?P<resource>[a-z_]+)/(?P<id>\d+)")
    def record(self, call: Call) -> Reply:
        resource = call.groups["resource"]
        for row in self.data.get(resource, []):
            if row["id"] == call.groups["id"]:
                return Reply(200, {SINGULAR[resource]: row})
        return errors(404, (87, f"Invalid ID {call.groups['id']}"))


def _matcher(spec: str) -> Callable[[str], bool]:
    """One ``filter[field]`` value, read as the "Filter parameter" table says."""
    begins, ends = spec.endswith("%"), spec.startswith("%")
    inner = spec.strip("%").strip("[]")
    wanted = inner.lower()
    if begins and ends:
        return lambda value: wanted in value.lower()
    if begins:
        return lambda value: value.lower().startswith(wanted)
    if ends:
        return lambda value: value.lower().endswith(wanted)
    if "|" in inner:
        choices = set(wanted.split("|"))
        return lambda value: value.lower() in choices
    if "," in inner:
        low, high = inner.split(",", 1)
        if low.isdigit() and high.isdigit():
            return lambda value: value.isdigit() and int(low) <= int(value) <= int(high)
        return lambda value: low <= value <= high
    return lambda value: value.lower() == wanted


def _sorted(rows: list[dict[str, Any]], spec: str | None) -> list[dict[str, Any]]:
    for part in reversed((spec or "[id_ASC]").strip("[]").split(",")):
        field, _, way = part.rpartition("_")
        numeric = all(str(row.get(field, "")).isdigit() for row in rows)
        rows = sorted(
            rows,
            key=lambda row: int(row[field]) if numeric else str(row.get(field, "")),
            reverse=way.upper() == "DESC",
        )
    return rows


def _limited(rows: list[dict[str, Any]], spec: str | None) -> list[dict[str, Any]]:
    if not spec:
        return rows
    offset, _, count = spec.rpartition(",")
    start = int(offset or 0)
    return rows[start : start + int(count)]


def _reference(number: int) -> str:
    """Nine capital letters, like those PrestaShop's ``Order::generateReference`` draws."""
    digest = hashlib.sha256(f"order-{number}".encode()).digest()
    return "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[byte % 26] for byte in digest[:9])
