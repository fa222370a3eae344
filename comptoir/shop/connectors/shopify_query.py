"""What Comptoir asks Shopify's Admin GraphQL API, and how long Shopify asks it to wait.

The cost of a query (https://shopify.dev/docs/api/usage/rate-limits): objects cost 1
point and a connection 2 + ``first`` x its nodes; Shopify refuses a query that may
cost more than 1,000 points, and takes points from a bucket that refills at
``restoreRate`` a second. A query it cannot afford answers a ``THROTTLED`` error with
the bucket's state in ``extensions.cost.throttleStatus``.
"""

from __future__ import annotations

from typing import Any

import httpx


def orders_query(lines: int, fulfillments: int, items: int, events: int) -> str:
    """The ``orders`` query, its lists cut at these sizes (they make its cost)."""
    fields = f"""
      id name email customerLocale createdAt processedAt updatedAt cancelledAt
      displayFinancialStatus displayFulfillmentStatus
      currentTotalPriceSet {{ shopMoney {{ amount currencyCode }} }}
      shippingAddress {{ firstName lastName zip countryCodeV2 }}
      billingAddress {{ firstName lastName zip }}
      lineItems(first: {lines}) {{
        nodes {{ id sku name quantity originalUnitPriceSet {{ shopMoney {{ amount }} }} }}
      }}
      fulfillments(first: {fulfillments}) {{
        id status displayStatus createdAt estimatedDeliveryAt deliveredAt
        trackingInfo(first: 3) {{ company number url }}
        fulfillmentLineItems(first: {items}) {{ nodes {{ quantity lineItem {{ id sku }} }} }}
        events(last: {events}, sortKey: HAPPENED_AT) {{
          nodes {{ happenedAt status message city country estimatedDeliveryAt }}
        }}
      }}"""
    return (
        "query Orders($first: Int!, $after: String, $query: String) {\n"
        "  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {\n"
        f"    nodes {{ {fields} }}\n"
        "    pageInfo { hasNextPage endCursor }\n"
        "  }\n"
        "}"
    )


# Shopify refuses a query that may cost more than 1,000 points: objects cost 1 and a
# connection 2 + first x its nodes. One order, asked in full, costs about 430 points
# (two fit); in a listing, lists are shorter (about 100 points an order, nine a page).
ONE_ORDER_QUERY = orders_query(lines=40, fulfillments=5, items=20, events=10)
LISTING_QUERY = orders_query(lines=10, fulfillments=2, items=6, events=8)
PAGE_SIZE = 9


def throttle_wait(response: httpx.Response) -> float | None:
    """Seconds to wait before retrying a ``THROTTLED`` answer; None for any other answer."""
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED"
        for e in errors
    ):
        return None
    return bucket_wait(body, needed=None) or 1.0


def bucket_wait(body: Any, needed: float | None) -> float:
    """How long until the bucket holds ``needed`` points (the last query's cost if None)."""
    cost = ((body.get("extensions") or {}).get("cost") or {}) if isinstance(body, dict) else {}
    bucket = cost.get("throttleStatus") or {}
    try:
        wanted = float(needed if needed is not None else cost.get("requestedQueryCost") or 0)
        available = float(bucket.get("currentlyAvailable"))
        rate = float(bucket.get("restoreRate"))
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, (wanted - available) / rate) if rate > 0 else 0.0
