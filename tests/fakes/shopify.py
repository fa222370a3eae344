"""A fake Shopify Admin GraphQL API: the ``orders`` query, its cost and its throttle.

What it implements, from the official documentation:

- ``POST /admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token``; a wrong
  token answers 401 ``{"errors": "[API] Invalid API key or access token ..."}``
  (https://shopify.dev/docs/api/admin-graphql#authentication).
- The ``orders`` query: ``first``/``after`` cursors and ``pageInfo { hasNextPage
  endCursor }`` (https://shopify.dev/docs/api/usage/pagination-graphql), ``sortKey``,
  ``reverse``, and the search syntax's ``name:`` and ``updated_at:>=`` terms
  (https://shopify.dev/docs/api/admin-graphql/latest/queries/orders).
- A real GraphQL reading of the query: only the fields asked are answered, lists and
  connections cut at their ``first``/``last``, an unknown field is a GraphQL error. So a
  connector that forgets to ask for a field does not get it.
- Calculated query cost (https://shopify.dev/docs/api/usage/rate-limits): objects cost
  1, connections 2 + ``first`` x their nodes; a query asking more than 1,000 points is
  refused with ``MAX_COST_EXCEEDED``; a leaky bucket (``maximumAvailable``,
  ``restoreRate`` per second) answers ``THROTTLED`` when it cannot hold the requested
  cost, takes the requested cost and gives back what the query did not use (the actual
  cost is taken as a quarter: lists are rarely full); every answer reports
  ``extensions.cost.throttleStatus``.

The orders are ``tests/fixtures/platforms/shopify/orders.json``: the answer to the
connector's query, shaped as the Order object's documentation
(https://shopify.dev/docs/api/admin-graphql/latest/objects/Order).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

from tests.fakes.server import Call, FakeServer, Reply, route

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms" / "shopify"
TOKEN = "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"
MAX_QUERY_COST = 1000
TRANSPARENT = {"nodes", "edges", "node"}  # connection wrappers: their nodes carry the cost
TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|\$?[A-Za-z_][A-Za-z0-9_]*|-?\d+|[{}():,!=\[\]]')

Field = tuple[str, dict[str, Any], list["Field"] | None]


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# -------------------------------------------------------------------- reading GraphQL
def parse(query: str, variables: dict[str, Any]) -> list[Field]:
    """The query's top selection set: (name, arguments, sub-selection or None)."""
    tokens = TOKENS.findall(query)
    position = 0

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def value() -> Any:
        token = take()
        if token.startswith("$"):
            return variables.get(token[1:])
        if token.startswith('"'):
            return json.loads(token)
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        return {"true": True, "false": False, "null": None}.get(token, token)

    def selection() -> list[Field]:
        assert take() == "{", "a selection set starts with {"
        fields: list[Field] = []
        while tokens[position] != "}":
            name, arguments = take(), {}
            if tokens[position] == "(":
                take()
                while tokens[position] != ")":
                    key = take()
                    assert take() == ":"
                    arguments[key] = value()
                    if tokens[position] == ",":
                        take()
                take()
            children = selection() if tokens[position] == "{" else None
            fields.append((name, arguments, children))
        take()
        return fields

    if tokens[position] in ("query", "mutation"):
        take()
        while tokens[position] != "{":  # the operation's name and variable definitions
            take()
    return selection()


def cost(fields: list[Field]) -> int:
    """Shopify's requested cost: scalars 0, objects 1, connections 2 + first x nodes."""
    total = 0
    for name, arguments, children in fields:
        if children is None:
            continue
        inner = cost(children)
        size = arguments.get("first") or arguments.get("last")
        if name in TRANSPARENT:
            total += inner
        elif size:
            total += 2 + int(size) * (1 + inner)
        else:
            total += 1 + inner
    return total


class UnknownField(Exception):
    """A field the stored data cannot answer (GraphQL: the field does not exist)."""


def project(data: Any, fields: list[Field], type_name: str) -> Any:
    """``data`` as GraphQL answers the selection: asked fields only, lists cut."""
    if data is None:
        return None
    if isinstance(data, list):
        return [project(item, fields, type_name) for item in data]
    answer: dict[str, Any] = {}
    for name, arguments, children in fields:
        if name not in data:
            raise UnknownField(f"Field '{name}' doesn't exist on type '{type_name}'")
        value = data[name]
        first, last = arguments.get("first"), arguments.get("last")
        if isinstance(value, dict) and "nodes" in value and (first or last):
            value = dict(value, nodes=value["nodes"][:first] if first else value["nodes"][-last:])
        elif isinstance(value, list) and (first or last):
            value = value[:first] if first else value[-last:]
        answer[name] = value if children is None else project(value, children, name)
    return answer


# -------------------------------------------------------------------- the fake
class FakeShopify(FakeServer):
    """A Shopify store answering the Admin GraphQL API."""

    def __init__(
        self, token: str = TOKEN, maximum: float = 2000.0, restore_rate: float = 100.0
    ) -> None:
        super().__init__()
        self.token = token
        # The Order object's fields: https://shopify.dev/docs/api/admin-graphql/latest/objects/Order
        self.orders: list[dict[str, Any]] = load("orders.json")["data"]["orders"]["nodes"]
        self.maximum, self.restore_rate = maximum, restore_rate
        self.available, self._refilled = maximum, time.monotonic()
        self._bucket = threading.Lock()
        self.costs: list[int] = []  # the requested cost of each query answered
        self.throttled = 0  # THROTTLED answers given

    def drain(self, available: float) -> None:
        """Leave ``available`` points in the bucket (as if other calls had spent them)."""
        with self._bucket:
            self.available, self._refilled = available, time.monotonic()

    def add_copies(self, count: int, updated_at: str = "2025-03-10T12:00:00Z") -> list[str]:
        """``count`` more orders like the first, named from #5001 on, updated at ``updated_at``."""
        start = max([5001] + [int(o["name"][1:]) + 1 for o in self.orders])
        names = []
        for offset in range(count):
            order = copy.deepcopy(self.orders[0])
            order["name"] = f"#{start + offset}"
            order["id"] = f"gid://shopify/Order/{7000000000000 + start + offset}"
            order["updatedAt"] = updated_at
            self.orders.append(order)
            names.append(order["name"])
        return names

    def authorised(self, call: Call) -> bool:
        return call.headers.get("x-shopify-access-token") == self.token

    def unauthorised(self, call: Call) -> Reply:
        # https://shopify.dev/docs/api/admin-graphql#authentication: a wrong token is a 401.
        headers = {"WWW-Authenticate": 'Basic Realm="Shopify API Authentication"'}
        return Reply(401, load("unauthorized.json"), headers)

    @route("POST", r"/admin/api/(?P<version>\d{4}-\d{2}|unstable)/graphql\.json")
    def graphql(self, call: Call) -> Reply:
        body = call.json() or {}
        try:
            fields = parse(str(body.get("query") or ""), body.get("variables") or {})
        except (AssertionError, IndexError):
            return Reply(200, {"errors": [{"message": "syntax error", "extensions": {}}]})
        requested = cost(fields)
        if requested > MAX_QUERY_COST:
            message = (
                f"Query cost is {requested}, which exceeds the single query max cost "
                f"limit ({MAX_QUERY_COST})."
            )
            extensions = {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST}
            return Reply(200, {"errors": [{"message": message, "extensions": extensions}]})
        if not self._spend(requested):
            self.throttled += 1
            return Reply(200, self._throttled(requested))
        self.costs.append(requested)
        try:
            data = {
                name: self._root(name, arguments, children) for name, arguments, children in fields
            }
        except UnknownField as problem:
            with self._bucket:
                self.available = min(self.maximum, self.available + requested)
            error = {"message": str(problem), "extensions": {"code": "undefinedField"}}
            return Reply(200, {"errors": [error]})
        # "The actual cost is based on the results returned" and the difference is given
        # back (https://shopify.dev/docs/api/usage/rate-limits#cost-calculation): one
        # point per object returned here.
        actual = min(requested, max(1, _objects(data)))
        with self._bucket:
            self.available = min(self.maximum, self.available + requested - actual)
        return Reply(200, {"data": data, "extensions": self._cost(requested, actual)})

    # -- the bucket -----------------------------------------------------------------
    def _spend(self, requested: int) -> bool:
        with self._bucket:
            now = time.monotonic()
            self.available = min(
                self.maximum, self.available + (now - self._refilled) * self.restore_rate
            )
            self._refilled = now
            if self.available < requested:
                return False
            self.available -= requested
            return True

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        status = {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": round(self.available),
            "restoreRate": self.restore_rate,
        }
        cost = {"requestedQueryCost": requested, "actualQueryCost": actual}
        return {"cost": cost | {"throttleStatus": status}}

    def _throttled(self, requested: int) -> dict[str, Any]:
        """Shaped as the "Throttled" answer (https://shopify.dev/docs/api/usage/rate-limits),
        with this bucket's figures."""
        answer = load("throttled.json")
        answer["extensions"] = self._cost(requested, None)
        return answer

    # -- the orders query -----------------------------------------------------------
    def _root(self, name: str, arguments: dict[str, Any], children: list[Field] | None) -> Any:
        if name != "orders" or children is None:
            raise UnknownField(f"Field '{name}' doesn't exist on type 'QueryRoot'")
        found = [o for o in self.orders if _matches(o, str(arguments.get("query") or ""))]
        if arguments.get("sortKey") == "UPDATED_AT":
            found.sort(key=lambda o: (o["updatedAt"], o["id"]))
        if arguments.get("reverse"):
            found.reverse()
        start = _position(arguments.get("after"))
        size = int(arguments.get("first") or 50)
        page = found[start : start + size]
        connection = {
            "nodes": page,
            "edges": [{"cursor": _cursor(start + i + 1), "node": o} for i, o in enumerate(page)],
            "pageInfo": {
                "hasNextPage": start + size < len(found),
                "hasPreviousPage": start > 0,
                "startCursor": _cursor(start + 1) if page else None,
                "endCursor": _cursor(start + len(page)) if page else None,
            },
        }
        return project(connection, children, "OrderConnection")


def _matches(order: dict[str, Any], search: str) -> bool:
    """The search syntax terms the connector uses: ``name:`` and ``updated_at:>=``."""
    for term in search.split():
        field, _, wanted = term.partition(":")
        wanted = wanted.strip("'\"")
        if field == "name" and order["name"].lstrip("#") != wanted.lstrip("#"):
            return False
        if field == "updated_at":
            bound = wanted.lstrip("<>=").strip("'\"")
            if wanted.startswith(">=") and not order["updatedAt"] >= bound:
                return False
            if (
                wanted.startswith(">")
                and not wanted.startswith(">=")
                and not order["updatedAt"] > bound
            ):
                return False
    return True


def _cursor(position: int) -> str:
    return base64.b64encode(json.dumps({"last": position}).encode()).decode()


def _position(cursor: Any) -> int:
    if not cursor:
        return 0
    return int(json.loads(base64.b64decode(str(cursor)))["last"])


def _objects(value: Any) -> int:
    """How many objects (JSON objects with fields) an answer holds, nested ones included."""
    if isinstance(value, dict):
        return 1 + sum(_objects(child) for child in value.values())
    if isinstance(value, list):
        return sum(_objects(child) for child in value)
    return 0
