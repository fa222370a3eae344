"""A fake WooCommerce shop: the REST API v3 orders and the Shipment Tracking providers.

What it implements, from the official documentation:

- ``GET /wp-json/wc/v3/orders`` with ``include``, ``search``, ``modified_after``,
  ``dates_are_gmt``, ``orderby``, ``order``, ``per_page`` (1 to 100) and ``page``; the
  ``X-WP-Total`` and ``X-WP-TotalPages`` headers and an out-of-range page refused
  (https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders and
  #pagination); ``GET /wp-json/wc/v3/orders/<id>`` (#retrieve-an-order).
- Authentication over plain HTTP: OAuth 1.0a one-legged, its parameters in the query
  string or the ``Authorization: OAuth`` header ("OAuth tips"), the signature checked
  the way WooCommerce's ``WC_REST_Authentication::check_oauth_signature`` does
  (parameters sorted and encoded with ``rawurlencode``, HMAC-SHA1 or -SHA256 keyed by
  ``secret&``), timestamps older than 15 minutes and reused nonces refused
  (https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-http).
  HTTP Basic is only read over HTTPS by WooCommerce, so this plain-HTTP fake refuses it.
- Errors as ``{"code", "message", "data": {"status"}}`` (#errors).
- ``GET /wp-json/wc-shipment-tracking/v3/shipment-trackings/providers``, public
  (https://woocommerce.com/document/shipment-tracking/shipment-tracking-rest-api-list-providers/).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from tests.fakes.server import Call, FakeServer, Reply, route

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms" / "woocommerce"
KEY = "ck_4f8b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b"
SECRET = "cs_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
ORDERS = "/wp-json/wc/v3/orders"
PROVIDERS = "/wp-json/wc-shipment-tracking/v3/shipment-trackings/providers"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def error(status: int, code: str, message: str) -> Reply:
    """A WordPress REST error, as the docs' "Errors" section shows it."""
    return Reply(status, {"code": code, "message": message, "data": {"status": status}})


def php_rawurlencode(text: str) -> str:
    """PHP's ``rawurlencode`` (RFC 3986: only ``A-Z a-z 0-9 - _ . ~`` left as they are)."""
    return quote(text, safe="-_.~")


def oauth_header(header: str) -> dict[str, str]:
    """The parameters of an ``Authorization: OAuth k="v", ...`` header (values decoded)."""
    if not header.startswith("OAuth "):
        return {}
    found = re.findall(r'([a-z_]+)="([^"]*)"', header[6:])
    return {name: unquote(value) for name, value in found}


class FakeWooCommerce(FakeServer):
    """WooCommerce with the orders of ``tests/fixtures/platforms/woocommerce``."""

    def __init__(self, key: str = KEY, secret: str = SECRET) -> None:
        super().__init__()
        self.key, self.secret = key, secret
        # Each order is shaped as the "List all orders" JSON response example:
        # https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders
        self.orders: list[dict[str, Any]] = load("orders.json")
        # Shaped as "List Shipment Tracking providers with the REST API":
        # https://woocommerce.com/document/shipment-tracking/shipment-tracking-rest-api-list-providers/
        self.providers: dict[str, dict[str, str]] | None = load("providers.json")
        self._nonces: set[str] = set()

    def add_copies(self, count: int, modified_gmt: str = "2025-03-10T12:00:00") -> list[str]:
        """``count`` more orders like the first one (new ids), modified at ``modified_gmt``."""
        template, numbers = self.orders[0], []
        start = max(order["id"] for order in self.orders) + 1
        for offset in range(count):
            order = copy.deepcopy(template)
            order["id"] = start + offset
            order["number"] = str(start + offset)
            order["date_modified_gmt"] = modified_gmt
            self.orders.append(order)
            numbers.append(order["number"])
        return numbers

    # -- authentication -------------------------------------------------------------
    def authorised(self, call: Call) -> bool:
        if call.path == PROVIDERS:
            return True  # the providers list is public
        return self._auth_problem(call) is None

    def unauthorised(self, call: Call) -> Reply:
        code, message = self._auth_problem(call) or ("", "")
        return error(401, code, message)

    def _auth_problem(self, call: Call) -> tuple[str, str] | None:
        """What WooCommerce would say about the call's credentials; None when they hold."""
        params = {name: values[-1] for name, values in call.query.items()}
        params.update(oauth_header(call.headers.get("authorization", "")))
        if "oauth_consumer_key" not in params:
            # No OAuth over HTTP (Basic is only read over HTTPS): not logged in.
            return "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."
        for name in ("oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method"):
            if not params.get(name):
                return "woocommerce_rest_authentication_missing_parameter", f"Missing {name}."
        if not hmac.compare_digest(params["oauth_consumer_key"], self.key):
            return "woocommerce_rest_authentication_error", "Consumer key is invalid."
        method = params["oauth_signature_method"]
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return (
                "woocommerce_rest_authentication_error",
                "Invalid signature - signature method is invalid.",
            )
        if not hmac.compare_digest(self._signature(call, params), params["oauth_signature"]):
            return (
                "woocommerce_rest_authentication_error",
                "Invalid signature - provided signature does not match.",
            )
        if abs(time.time() - int(params["oauth_timestamp"])) > 15 * 60:
            return "woocommerce_rest_authentication_error", "Invalid timestamp."
        if params["oauth_nonce"] in self._nonces:
            return (
                "woocommerce_rest_authentication_error",
                "Invalid nonce - nonce has already been used.",
            )
        self._nonces.add(params["oauth_nonce"])
        return None

    def _signature(self, call: Call, params: dict[str, str]) -> str:
        """The signature WooCommerce computes, step by step as its PHP does."""
        signed = {k: v for k, v in params.items() if k != "oauth_signature"}
        normalised = sorted((php_rawurlencode(k), php_rawurlencode(v)) for k, v in signed.items())
        query = "%26".join(php_rawurlencode(f"{k}={v}") for k, v in normalised)
        base_uri = php_rawurlencode(f"{self.url}{call.path}")
        to_sign = f"{call.method}&{base_uri}&{query}"
        algorithm = (
            hashlib.sha256 if params["oauth_signature_method"] == "HMAC-SHA256" else hashlib.sha1
        )
        digest = hmac.new(f"{self.secret}&".encode(), to_sign.encode(), algorithm).digest()
        return base64.b64encode(digest).decode()

    # -- routes -----------------------------------------------------------------------
    @route("GET", ORDERS)
    def list_orders(self, call: Call) -> Reply:
        try:
            per_page = int(call.arg("per_page", "10"))
            page = int(call.arg("page", "1"))
        except ValueError:
            return error(400, "rest_invalid_param", "Invalid parameter(s): per_page, page")
        if not 1 <= per_page <= 100:
            return error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        found = self._filtered(call)
        total = len(found)
        pages = max(1, -(-total // per_page)) if total else 0
        if page > max(pages, 1):
            return error(
                400,
                "rest_post_invalid_page_number",
                "The page number requested is larger than the number of pages available.",
            )
        chunk = found[(page - 1) * per_page : page * per_page]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        if page < pages:
            headers["Link"] = f'<{self.url}{ORDERS}?page={page + 1}>; rel="next"'
        return Reply(200, chunk, headers)

    @route("GET", ORDERS + r"/(?P<id>\d+)")
    def retrieve_order(self, call: Call) -> Reply:
        for order in self.orders:
            if str(order["id"]) == call.groups["id"]:
                return Reply(200, order)
        return error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")

    @route("GET", PROVIDERS)
    def list_providers(self, call: Call) -> Reply:
        if self.providers is None:  # a version of the extension before this endpoint
            return error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        return Reply(200, self.providers)

    def _filtered(self, call: Call) -> list[dict[str, Any]]:
        """The orders the listing's parameters select, in the order asked."""
        found = list(self.orders)
        if include := call.arg("include"):
            wanted = {part.strip() for part in include.split(",")}
            found = [o for o in found if str(o["id"]) in wanted]
        if search := (call.arg("search") or "").lower():
            found = [o for o in found if search in _searchable(o)]
        if after := call.arg("modified_after"):
            field = "date_modified_gmt" if call.arg("dates_are_gmt") == "true" else "date_modified"
            limit = datetime.fromisoformat(after.replace("Z", "")).replace(tzinfo=None)
            found = [o for o in found if datetime.fromisoformat(o[field]) > limit]
        key = "id" if call.arg("orderby") == "id" else "date_created_gmt"
        found.sort(key=lambda o: o[key], reverse=call.arg("order", "desc") == "desc")
        return found


def _searchable(order: dict[str, Any]) -> str:
    """What WooCommerce's order search looks in: number, e-mail, names, addresses."""
    billing = order.get("billing") or {}
    return " ".join(
        str(value)
        for value in (
            order.get("number"),
            *billing.values(),
            *(order.get("shipping") or {}).values(),
        )
    ).lower()
