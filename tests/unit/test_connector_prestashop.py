"""The PrestaShop connector against a fake PrestaShop webservice on loopback.

The fake (tests/fakes/prestashop.py) serves tests/fixtures/platforms/prestashop in
PrestaShop's JSON output (strings everywhere, multilingual fields, ``[]`` for an empty
listing), reads ``display``, ``filter``, ``sort``, ``limit`` and ``date=1`` as the
webservice does and refuses a wrong key with PrestaShop's own errors.
"""

from __future__ import annotations

import json
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
from comptoir.shop.connectors.prestashop import PrestaShopConnector
from comptoir.shop.connectors.prestashop_states import state_status
from tests.fakes.prestashop import FIXTURES, KEY, FakePrestaShop


def settings_for(fake: FakePrestaShop, **changes: object) -> Settings:
    values: dict[str, object] = {
        "shop_connector": "prestashop",
        "connector_url": fake.url,
        "connector_key": KEY,
        "connector_timeout_s": 2.0,
        "connector_retries": 2,
    }
    return Settings(**(values | changes))


@pytest.fixture
def fake():
    with FakePrestaShop() as server:
        yield server


@pytest.fixture
async def connector(fake):
    connector = connector_for(settings_for(fake))
    yield connector
    await connector.close()


# ---------------------------------------------------------------- one order
async def test_an_order_is_found_by_its_reference_and_mapped(connector, fake):
    order = await connector.fetch_order("XKBKNABJK")
    assert order is not None and order.number == "XKBKNABJK"
    assert order.email == "lea.martin@example.fr"
    assert (order.postcode, order.first_name, order.last_name) == ("75011", "Léa", "Martin")
    assert order.placed_at == datetime(2025, 3, 3, 9, 12, 44, tzinfo=UTC)  # Paris time
    assert order.language == "fr" and order.total == 180.60
    assert [(line.sku, line.qty, line.unit_price) for line in order.lines] == [
        ("LAMP-ORSAY", 1, 89.90),
        ("THROW-CEVENNES", 2, 39.95),
    ]
    first = fake.calls[0]
    assert first.path == "/api/orders" and first.arg("filter[reference]") == "[XKBKNABJK]"
    assert first.arg("output_format") == "JSON" and first.arg("display") == "full"


async def test_a_cart_split_in_two_orders_is_one_order_in_two_parcels(connector):
    order = await connector.fetch_order("XKBKNABJK")
    assert [(s.carrier, s.tracking_number, s.tracking_url, s.lines) for s in order.shipments] == [
        (
            "Colissimo",
            "6A12345678901",
            "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
            ["LAMP-ORSAY"],
        ),
        (
            "Chronopost",
            "XR482139775FR",
            "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT=XR482139775FR",
            ["THROW-CEVENNES"],
        ),
    ]
    assert order.status == "shipped"  # one parcel delivered, the other still shipped


async def test_an_unknown_reference_is_none_after_one_request(connector, fake):
    assert await connector.fetch_order("ZZZZZZZZZ") is None
    assert fake.count("/api/") == 1  # PrestaShop answers [] and nothing else is asked


async def test_a_late_order_is_promised_on_the_carriers_announced_delay(connector):
    order = await connector.fetch_order("OHSATSERP")
    # Mondial Relay announces "3 à 5 jours ouvrés"; ordered on Monday 3 March 2025.
    assert order.promised_delivery == date(2025, 3, 10)
    assert order.status == "preparing" and order.shipments == []  # no tracking number yet
    assert order.language == "en" and order.last_name == "O'Neill"


async def test_the_promise_counts_the_slowest_carrier_of_a_split_cart(connector):
    order = await connector.fetch_order("XKBKNABJK")
    # Colissimo "2 à 3 jours ouvrés" and Chronopost "Livraison en 24h": three working days.
    assert order.promised_delivery == date(2025, 3, 6)


async def test_an_unpaid_order_without_sku(connector):
    order = await connector.fetch_order("FFATNOMMJ")
    assert order.status == "pending_payment"  # awaiting the bank transfer
    assert order.lines[0].sku == "120" and order.lines[0].name == "Veilleuse Lune"


def test_the_default_order_states_mean_what_their_names_say():
    states = json.loads((FIXTURES / "order_states.json").read_text())["order_states"]
    assert {int(s["id"]): state_status(s) for s in states} == {
        1: "pending_payment",  # awaiting check payment
        2: "paid",
        3: "preparing",
        4: "shipped",
        5: "delivered",  # no template: read from its name, "Livré"
        6: "cancelled",
        7: "cancelled",  # refunded
        8: "pending_payment",  # payment error
        9: "preparing",  # on backorder, paid
        10: "pending_payment",  # awaiting bank wire
        11: "paid",
        12: "pending_payment",  # on backorder, not paid
        13: "preparing",  # cash on delivery
    }
    own = {"name": "En cours de livraison", "template": "", "shipped": "1"}
    assert state_status(own) == "out_for_delivery"  # a carrier module's state


# ---------------------------------------------------------------- updated orders
async def test_updated_orders_come_page_by_page(connector, fake):
    references = fake.add_copies(120, date_upd="2025-03-10 12:00:00")
    since = datetime(2025, 3, 9, tzinfo=UTC)
    found = [order.number async for order in connector.updated_since(since)]
    assert sorted(found) == sorted(references)
    pages = [c for c in fake.calls if c.path == "/api/orders" and c.arg("limit")]
    assert [c.arg("limit") for c in pages] == ["0,50", "50,50", "100,50"]
    assert pages[0].arg("filter[date_upd]").startswith("[2025-03-09 01:00:00,")  # Paris
    assert {c.arg("date") for c in pages} == {"1"} and {c.arg("sort") for c in pages} == {
        "[id_ASC]"
    }


async def test_an_update_to_half_a_split_cart_brings_the_whole_order(connector, fake):
    fake.orders[1]["date_upd"] = "2025-03-10 08:00:00"  # only the Chronopost half changed
    found = [o async for o in connector.updated_since(datetime(2025, 3, 9, tzinfo=UTC))]
    assert [o.number for o in found] == ["XKBKNABJK"]
    assert [s.carrier for s in found[0].shipments] == ["Colissimo", "Chronopost"]


# ---------------------------------------------------------------- failures
async def test_a_wrong_key_is_refused_and_never_shown(fake, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "WRONGKEYWRONGKEYWRONGKEYWRONGKEY"
    async with connector_for(settings_for(fake, connector_key=wrong)) as connector:
        with pytest.raises(PlatformAuthFailed, match="prestashop refused the key") as refused:
            await connector.fetch_order("XKBKNABJK")
    assert refused.value.status == 401 and fake.count() == 1
    shown = str(refused.value) + caplog.text
    assert wrong not in shown and KEY not in shown


async def test_429_from_the_shops_host_is_retried_then_succeeds(connector, fake):
    fake.fail_next(429, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert (await connector.fetch_order("XKBKNABJK")).number == "XKBKNABJK"
    assert time.monotonic() - started >= 0.95
    assert [c.arg("filter[reference]") for c in fake.calls[:2]] == ["[XKBKNABJK]"] * 2


async def test_a_slow_shop_is_unavailable(fake):
    fake.fail_next(200, delay_s=1.5, times=2)
    settings = settings_for(fake, connector_timeout_s=0.3, connector_retries=1)
    async with connector_for(settings) as connector:
        with pytest.raises(PlatformUnavailable, match=r"did not answer within 0\.3 s"):
            await connector.fetch_order("XKBKNABJK")
    assert fake.count() == 2


def test_a_key_that_cannot_be_a_webservice_key_is_a_setting_problem(fake):
    with pytest.raises(ConnectorNotConfigured, match="32 characters"):
        PrestaShopConnector(settings_for(fake, connector_key="short"))
