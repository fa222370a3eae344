"""How to drive each platform's fake from outside: settings, a known order, bulk orders.

The end-to-end conversation (tests/e2e/test_connector_orders.py) and the benchmark
(benchmarks/connectors.py) loop over ``available()``: every platform whose fake module
exists is covered by both. Each scenario is the platform's sample order in two parcels
(Léa's, in tests/fixtures/platforms/ and the own API's sample), which the demo shop's
database does not have: the answer can only come from the connector.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import import_module
from zoneinfo import ZoneInfo

from tests.fakes import FakePlatform, Scenario
from tests.fakes.own_api import TOKEN, OwnApiFake, many, two_parcels
from tests.fakes.server import FakeServer

LEA = "lea.martin@example.fr"
FIRST_PARCEL = "Colis 1/2 : Colissimo, n° de suivi 6A12345678901"


def _own_api_orders(fake: OwnApiFake, count: int) -> list[str]:
    now = datetime.now(UTC)
    orders = many(count, start=100000 + len(fake.orders))
    for order in orders:
        fake.put(order, now)
    return [order["number"] for order in orders]


def own_api() -> FakePlatform:
    return FakePlatform(
        connector="http",
        make=lambda: OwnApiFake([two_parcels()]),
        settings=lambda fake: {
            "COMPTOIR_SHOP_CONNECTOR": "http",
            "COMPTOIR_CONNECTOR_URL": fake.url,
            "COMPTOIR_CONNECTOR_KEY": TOKEN,
        },
        scenario=Scenario(
            typed="CMD-20001",
            email=LEA,
            expected=(FIRST_PARCEL, "Colis 2/2 : Chronopost, n° de suivi XR123456785FR"),
        ),
        add_orders=_own_api_orders,
    )


def woocommerce() -> FakePlatform:
    fakes = import_module("tests.fakes.woocommerce")

    def add(fake: FakeServer, count: int) -> list[str]:
        return fake.add_copies(count, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"))

    return FakePlatform(
        connector="woocommerce",
        make=fakes.FakeWooCommerce,
        settings=lambda fake: {
            "COMPTOIR_SHOP_CONNECTOR": "woocommerce",
            "COMPTOIR_CONNECTOR_URL": fake.url,
            "COMPTOIR_CONNECTOR_KEY": fakes.KEY,
            "COMPTOIR_CONNECTOR_SECRET": fakes.SECRET,
        },
        scenario=Scenario(
            typed="1727",
            email=LEA,
            expected=(FIRST_PARCEL, "Colis 2/2 : Mondial Relay, n° de suivi MR48213977"),
        ),
        add_orders=add,
    )


def prestashop() -> FakePlatform:
    fakes = import_module("tests.fakes.prestashop")

    def add(fake: FakeServer, count: int) -> list[str]:
        local = datetime.now(ZoneInfo("Europe/Paris"))  # the shop's time, no offset
        return fake.add_copies(count, local.strftime("%Y-%m-%d %H:%M:%S"))

    return FakePlatform(
        connector="prestashop",
        make=fakes.FakePrestaShop,
        settings=lambda fake: {
            "COMPTOIR_SHOP_CONNECTOR": "prestashop",
            "COMPTOIR_CONNECTOR_URL": fake.url,
            "COMPTOIR_CONNECTOR_KEY": fakes.KEY,
        },
        scenario=Scenario(
            typed="XKBKNABJK",
            email=LEA,
            expected=(FIRST_PARCEL, "Colis 2/2 : Chronopost, n° de suivi XR482139775FR"),
        ),
        add_orders=add,
    )


def shopify() -> FakePlatform:
    fakes = import_module("tests.fakes.shopify")

    def add(fake: FakeServer, count: int) -> list[str]:
        return fake.add_copies(count, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    return FakePlatform(
        connector="shopify",
        make=fakes.FakeShopify,
        settings=lambda fake: {
            "COMPTOIR_SHOP_CONNECTOR": "shopify",
            "COMPTOIR_CONNECTOR_URL": fake.url,
            "COMPTOIR_CONNECTOR_KEY": fakes.TOKEN,
        },
        scenario=Scenario(
            typed="#1001",
            email=LEA,
            expected=(FIRST_PARCEL, "Colis 2/2 : Chronopost, n° de suivi XR482139775FR"),
        ),
        add_orders=add,
    )


BUILDERS = {
    "http": own_api,
    "woocommerce": woocommerce,
    "prestashop": prestashop,
    "shopify": shopify,
}


def available() -> dict[str, FakePlatform]:
    """The platforms whose fake exists, by connector name."""
    found: dict[str, FakePlatform] = {}
    for name, build in BUILDERS.items():
        try:
            found[name] = build()
        except ModuleNotFoundError as missing:
            if missing.name != f"tests.fakes.{name}":
                raise  # the fake exists but is broken: say so
    return found
