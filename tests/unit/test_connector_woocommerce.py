"""The WooCommerce connector against a fake WooCommerce on loopback.

The fake (tests/fakes/woocommerce.py) serves the orders of
tests/fixtures/platforms/woocommerce, shaped as the REST API v3 docs show them, and
checks each request's OAuth 1.0a signature the way WooCommerce does: a connector that
signs wrongly, reuses a nonce or leaks the secret is refused, as a real shop would.
Failures (401, 429, timeouts) come from the server itself.
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
from comptoir.shop.connectors.woocommerce import WooCommerceConnector, signature_base
from tests.fakes.woocommerce import KEY, ORDERS, SECRET, FakeWooCommerce


def settings_for(fake: FakeWooCommerce, **changes: object) -> Settings:
    values: dict[str, object] = {
        "shop_connector": "woocommerce",
        "connector_url": fake.url,
        "connector_key": KEY,
        "connector_secret": SECRET,
        "connector_timeout_s": 2.0,
        "connector_retries": 2,
    }
    return Settings(**(values | changes))


@pytest.fixture
def fake():
    with FakeWooCommerce() as server:
        yield server


@pytest.fixture
async def connector(fake):
    connector = connector_for(settings_for(fake))
    yield connector
    await connector.close()


def order_calls(fake: FakeWooCommerce) -> list:
    return [call for call in fake.calls if call.path == ORDERS]


# ---------------------------------------------------------------- one order
async def test_an_order_is_found_and_mapped(connector, fake):
    order = await connector.fetch_order("1727")
    assert order is not None and order.number == "1727"
    assert order.email == "lea.martin@example.fr"
    assert (order.postcode, order.first_name, order.last_name) == ("75011", "Léa", "Martin")
    assert order.status == "shipped"  # "completed": the shop sent it
    assert order.placed_at == datetime(2025, 3, 3, 9, 12, 44, tzinfo=UTC)
    assert order.total == 174.70 and order.language == "fr"
    assert [(line.sku, line.name, line.qty, line.unit_price) for line in order.lines] == [
        ("LAMP-ORSAY", "Lampe Orsay – laiton", 1, 89.90),  # "&ndash;" read as a dash
        ("THROW-CEVENNES", "Plaid Cévennes", 2, 39.95),  # taxes included, per unit
    ]
    call = order_calls(fake)[0]
    assert call.arg("include") == "1727"
    assert call.headers["authorization"].startswith("OAuth oauth_consumer_key=")
    assert SECRET not in str(call.query) + str(call.headers)


async def test_an_order_in_two_parcels_keeps_both_with_their_links(connector, fake):
    order = await connector.fetch_order("1727")
    assert [(s.carrier, s.tracking_number, s.tracking_url) for s in order.shipments] == [
        (
            "Colissimo",  # the provider's name, from the extension's list
            "6A12345678901",
            "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
        ),
        (
            "Mondial Relay",  # a custom provider, its own link with number and postcode
            "MR48213977",
            "https://www.mondialrelay.fr/suivi-de-colis/?numeroExpedition=MR48213977"
            "&codePostal=75011",
        ),
    ]
    assert fake.count("/wp-json/wc-shipment-tracking") == 1
    await connector.fetch_order("1727")
    assert fake.count("/wp-json/wc-shipment-tracking") == 1  # the providers are read once


async def test_without_the_providers_list_the_parcels_are_still_there(connector, fake):
    fake.providers = None  # an older Shipment Tracking: no providers endpoint (404)
    order = await connector.fetch_order("1727")
    assert [(s.carrier, s.tracking_url) for s in order.shipments] == [
        ("colissimo", ""),  # the provider's slug, no link to build
        (
            "Mondial Relay",
            "https://www.mondialrelay.fr/suivi-de-colis/?numeroExpedition=MR48213977"
            "&codePostal=75011",
        ),
    ]


async def test_an_unknown_order_is_none_after_both_look_ups(connector, fake):
    assert await connector.fetch_order("9999") is None
    assert [(c.arg("include"), c.arg("search")) for c in order_calls(fake)] == [
        ("9999", None),
        (None, "9999"),
    ]


async def test_a_number_that_is_not_the_id_is_found_by_search(connector, fake):
    fake.orders[2]["number"] = "20731"  # a sequential-numbers plugin: id 1731, number 20731
    order = await connector.fetch_order("20731")
    assert order is not None and order.number == "20731"
    assert order.status == "pending_payment"  # on-hold: waiting for a bank transfer
    assert order.postcode == "69002"  # no shipping address: the billing one
    assert order.lines[0].sku == "120"  # no SKU: the product id
    assert await connector.fetch_order("1731") is None  # the id is not the number


async def test_a_late_order_has_the_delivery_day_the_shopper_chose(connector):
    order = await connector.fetch_order("1728")
    assert order.status == "preparing" and order.shipments == []
    assert order.promised_delivery == date(2025, 3, 10)  # Order Delivery Date's timestamp
    assert order.language == "en"  # WPML


async def test_a_processing_order_with_a_tracking_number_has_left(connector, fake):
    fake.orders[1]["meta_data"].append(
        {
            "id": 1,
            "key": "_wc_shipment_tracking_items",
            "value": [{"tracking_provider": "chronopost", "tracking_number": "XR1FR"}],
        }
    )
    order = await connector.fetch_order("1728")
    assert order.status == "shipped"
    assert order.shipments[0].tracking_url.endswith("listeNumerosLT=XR1FR")


# ---------------------------------------------------------------- updated orders
async def test_updated_orders_come_page_by_page(connector, fake):
    numbers = fake.add_copies(230, modified_gmt="2025-03-10T12:00:00")
    since = datetime(2025, 3, 9, tzinfo=UTC)
    found = [order.number async for order in connector.updated_since(since)]
    assert found == numbers  # in id order, none of the older orders
    pages = order_calls(fake)
    assert [call.arg("page") for call in pages] == ["1", "2", "3"]
    assert {call.arg("per_page") for call in pages} == {"100"}
    assert pages[0].arg("modified_after") == "2025-03-09T00:00:00"
    assert pages[0].arg("dates_are_gmt") == "true"


async def test_an_unreadable_order_is_skipped_not_fatal(connector, fake, caplog):
    fake.orders[0]["billing"]["email"] = ""
    caplog.set_level(logging.WARNING, "comptoir.shop.connectors")
    found = [o.number async for o in connector.updated_since(datetime(2025, 1, 1, tzinfo=UTC))]
    assert found == ["1728", "1731"]
    assert "order 1727 cannot be read" in caplog.text


# ---------------------------------------------------------------- failures
async def test_a_wrong_secret_is_refused_and_never_shown(fake, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "cs_wrong_secret_0000000000000000000000000"
    async with connector_for(settings_for(fake, connector_secret=wrong)) as connector:
        with pytest.raises(PlatformAuthFailed, match="woocommerce refused the key") as refused:
            await connector.fetch_order("1727")
    assert refused.value.status == 401 and fake.count() == 1  # no retry
    shown = str(refused.value) + caplog.text
    assert wrong not in shown and KEY not in shown and SECRET not in shown


async def test_429_is_retried_with_a_new_signature_then_succeeds(connector, fake):
    fake.fail_next(429, headers={"Retry-After": "1"})
    started = time.monotonic()
    order = await connector.fetch_order("1727")
    assert order is not None and time.monotonic() - started >= 0.95
    first, second = order_calls(fake)[:2]
    # The fake refuses a reused nonce: the retry was signed anew.
    assert first.headers["authorization"] != second.headers["authorization"]


async def test_a_slow_shop_is_unavailable(fake):
    fake.fail_next(200, delay_s=1.5, times=2)
    settings = settings_for(fake, connector_timeout_s=0.3, connector_retries=1)
    async with connector_for(settings) as connector:
        with pytest.raises(PlatformUnavailable, match=r"did not answer within 0\.3 s"):
            await connector.fetch_order("1727")
    assert fake.count() == 2


def test_both_halves_of_the_key_are_required(fake):
    with pytest.raises(ConnectorNotConfigured, match="COMPTOIR_CONNECTOR_SECRET"):
        WooCommerceConnector(settings_for(fake, connector_secret=""))


def test_the_signature_base_string_is_the_one_the_docs_show():
    base = signature_base(
        "get",
        "http://www.example.com/wp-json/wc/v3/orders",
        [("oauth_signature_method", "HMAC-SHA1"), ("oauth_consumer_key", "abc123")],
    )
    assert base == (
        "GET&http%3A%2F%2Fwww.example.com%2Fwp-json%2Fwc%2Fv3%2Forders"
        "&oauth_consumer_key%3Dabc123%26oauth_signature_method%3DHMAC-SHA1"
    )
