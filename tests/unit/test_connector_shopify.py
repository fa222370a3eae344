"""The Shopify connector against a fake Shopify Admin GraphQL API on loopback.

The fake (tests/fakes/shopify.py) reads the connector's GraphQL query for real: it
answers only the fields asked, cuts lists at their ``first``/``last``, computes the
query's cost as Shopify does (refusing more than 1,000 points) and keeps a leaky bucket
that answers ``THROTTLED`` when it runs dry. The orders are
tests/fixtures/platforms/shopify/orders.json.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime

import pytest

from comptoir.settings import Settings
from comptoir.shop.connectors import connector_for
from comptoir.shop.connectors.base import (
    ConnectorNotConfigured,
    PlatformAuthFailed,
    PlatformUnavailable,
)
from comptoir.shop.connectors.shopify import ShopifyConnector
from tests.fakes.shopify import MAX_QUERY_COST, TOKEN, FakeShopify

ENDPOINT = "/admin/api/2025-10/graphql.json"


def settings_for(fake: FakeShopify, **changes: object) -> Settings:
    values: dict[str, object] = {
        "shop_connector": "shopify",
        "connector_url": fake.url,
        "connector_key": TOKEN,
        "shopify_api_version": "2025-10",
        "connector_timeout_s": 2.0,
        "connector_retries": 2,
    }
    return Settings(**(values | changes))


@pytest.fixture
def fake():
    with FakeShopify() as server:
        yield server


@pytest.fixture
async def connector(fake):
    connector = connector_for(settings_for(fake))
    yield connector
    await connector.close()


# ---------------------------------------------------------------- one order
async def test_an_order_is_found_by_name_and_mapped(connector, fake):
    order = await connector.fetch_order("#1001")
    assert order is not None and order.number == "#1001"
    assert order.email == "lea.martin@example.fr"
    assert (order.postcode, order.first_name, order.last_name) == ("75011", "Léa", "Martin")
    assert order.placed_at == datetime(2025, 3, 3, 9, 12, 44, tzinfo=UTC)
    assert order.total == 174.70 and order.language == "fr"
    assert [(line.sku, line.qty, line.unit_price) for line in order.lines] == [
        ("LAMP-ORSAY", 1, 89.90),
        ("THROW-CEVENNES", 2, 39.95),
    ]
    assert order.status == "in_transit"  # one parcel delivered, the other on its way
    call = fake.calls[0]
    assert call.path == ENDPOINT and call.headers["x-shopify-access-token"] == TOKEN
    assert call.json()["variables"]["query"] == "name:#1001"
    assert fake.costs[0] <= MAX_QUERY_COST


async def test_an_order_in_two_parcels_with_their_carrier_scans(connector):
    order = await connector.fetch_order("#1001")
    colissimo, chronopost = order.shipments
    assert (colissimo.carrier, colissimo.tracking_number, colissimo.lines) == (
        "Colissimo",
        "6A12345678901",
        ["LAMP-ORSAY"],
    )
    assert colissimo.tracking_url.endswith("?code=6A12345678901")
    assert [(e.status, e.location) for e in colissimo.events] == [
        ("shipped", "Lyon"),
        ("in_transit", "Chilly-Mazarin"),
        ("delivered", "Paris"),
    ]
    # The carrier wrote nothing for this scan: Comptoir's words, in the shopper's language.
    assert colissimo.events[1].description == "Colis en cours d’acheminement"
    assert (chronopost.carrier, chronopost.lines) == ("Chronopost", ["THROW-CEVENNES"])


async def test_an_unknown_name_is_none_after_one_query(connector, fake):
    assert await connector.fetch_order("#9999") is None
    assert fake.count(ENDPOINT) == 1


async def test_a_late_order_has_its_first_and_its_latest_estimate(connector):
    order = await connector.fetch_order("#1002")
    assert order.promised_delivery == date(2025, 3, 6)  # the carrier's first estimate
    assert order.revised_delivery == date(2025, 3, 11)  # after its "delayed" scan
    assert order.status == "in_transit" and order.language == "en"
    assert order.shipments[0].events[-1].description == "Parcel in transit"


async def test_an_unpaid_order_without_sku(connector):
    order = await connector.fetch_order("#1003")
    assert order.status == "pending_payment" and order.shipments == []
    assert order.lines[0].sku == "13691893547318"  # the line's id, for want of a SKU


async def test_only_the_fields_asked_are_answered(fake):
    """The fake is a GraphQL server: a field the query forgets is not in the answer."""
    import httpx

    query = "{ orders(first: 1) { nodes { name } } }"
    answer = httpx.post(
        f"{fake.url}{ENDPOINT}",
        json={"query": query},
        headers={"X-Shopify-Access-Token": TOKEN},
    ).json()
    assert answer["data"]["orders"]["nodes"] == [{"name": "#1001"}]


# ---------------------------------------------------------------- updated orders
async def test_updated_orders_come_page_by_page(connector, fake):
    names = fake.add_copies(20, updated_at="2025-03-10T12:00:00Z")
    since = datetime(2025, 3, 9, tzinfo=UTC)
    found = [order.number async for order in connector.updated_since(since)]
    assert found == names  # by update time, none of the older orders
    pages = [call.json()["variables"] for call in fake.calls]
    assert [p["after"] is None for p in pages] == [True, False, False]  # 9 + 9 + 2
    assert pages[0]["query"] == "updated_at:>='2025-03-09T00:00:00Z'"
    assert pages[1]["after"] != pages[2]["after"]
    assert max(fake.costs) <= MAX_QUERY_COST


async def test_a_sync_waits_for_the_bucket_instead_of_being_throttled(fake):
    fake.maximum = fake.available = 1000.0
    fake.restore_rate = 1000.0
    fake.add_copies(20, updated_at="2025-03-10T12:00:00Z")
    started = time.monotonic()
    async with connector_for(settings_for(fake)) as connector:
        found = [o async for o in connector.updated_since(datetime(2025, 3, 9, tzinfo=UTC))]
    assert len(found) == 20 and fake.count(ENDPOINT) == 3
    assert fake.throttled == 0  # it waited for the points the next page asks
    assert time.monotonic() - started >= 0.1


# ---------------------------------------------------------------- failures
async def test_a_throttled_query_waits_for_its_cost_then_succeeds(connector, fake):
    fake.restore_rate = 2000.0
    fake.drain(0)
    started = time.monotonic()
    order = await connector.fetch_order("#1001")
    assert order is not None and fake.throttled == 1 and fake.count(ENDPOINT) == 2
    # It waited (requested cost - points left) / restore rate, about 0.4 s, not a guess.
    assert 0.3 <= time.monotonic() - started < 2.0


async def test_http_429_is_retried_too(connector, fake):
    fake.fail_next(429, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert (await connector.fetch_order("#1001")).number == "#1001"
    assert time.monotonic() - started >= 0.95 and fake.count(ENDPOINT) == 2


async def test_a_wrong_token_is_refused_and_never_shown(fake, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "shpat_00000000000000000000000000000000"
    async with connector_for(settings_for(fake, connector_key=wrong)) as connector:
        with pytest.raises(PlatformAuthFailed, match="shopify refused the key") as refused:
            await connector.fetch_order("#1001")
    assert refused.value.status == 401 and fake.count() == 1
    shown = str(refused.value) + caplog.text
    assert wrong not in shown and TOKEN not in shown


async def test_a_token_without_the_orders_scope_is_an_access_problem(connector, fake):
    denied = {
        "errors": [
            {
                "message": "Access denied for orders field. Required access: `read_orders` "
                "access scope.",
                "extensions": {"code": "ACCESS_DENIED"},
            }
        ]
    }
    fake.fail_next(200, body=denied)
    with pytest.raises(PlatformAuthFailed, match="read_orders"):
        await connector.fetch_order("#1001")


async def test_a_slow_shop_is_unavailable(fake):
    fake.fail_next(200, delay_s=1.5, times=2)
    settings = settings_for(fake, connector_timeout_s=0.3, connector_retries=1)
    async with connector_for(settings) as connector:
        with pytest.raises(PlatformUnavailable, match=r"did not answer within 0\.3 s"):
            await connector.fetch_order("#1001")
    assert fake.count() == 2


def test_a_token_is_required(fake):
    with pytest.raises(ConnectorNotConfigured, match="access token"):
        ShopifyConnector(settings_for(fake, connector_key=""))
