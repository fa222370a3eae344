"""Orders from the platform in the shop database: the live look-up, its cache, the sync.

A real fake back office (own API) on loopback, real SQLite and PostgreSQL shop
databases. What is checked is what a shopper or an owner would notice: the order read
by the conversation is the platform's, a second question within the cache costs no
request, a platform that fails leaves the stored copy alone, a sync run twice (or by
two desks at once) leaves one copy of each order.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from comptoir.desk.order_sync import sync_once
from comptoir.settings import Settings
from comptoir.shop import sync_state
from comptoir.shop.connectors import connector_for
from comptoir.shop.connectors.base import PlatformAuthFailed, PlatformUnavailable
from comptoir.shop.db import sessions, upgrade
from comptoir.shop.describe import describe_order
from comptoir.shop.live_orders import LiveOrders, sync_orders
from comptoir.shop.models import ConnectorSync, Order, Shipment
from comptoir.shop.service import load_order
from tests.fakes.own_api import TOKEN, OwnApiFake, many, two_parcels

TODAY = date.today()


@pytest.fixture(params=["sqlite", "postgres"])
def shop_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    upgrade(url)
    return url


@pytest.fixture
def sqlite_shop(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    upgrade(url)
    return url


@pytest.fixture
def fake():
    with OwnApiFake([two_parcels()]) as server:
        yield server


def settings_for(fake: OwnApiFake, shop: str, **changes: object) -> Settings:
    values: dict[str, object] = {
        "shop_connector": "http",
        "connector_url": fake.url,
        "connector_key": TOKEN,
        "connector_timeout_s": 2.0,
        "connector_retries": 1,
        "connector_cache_s": 60.0,
        "shop_database_url": shop,
    }
    return Settings(**(values | changes))


def stored(url: str, number: str) -> Order | None:
    with sessions(url)() as session:
        return load_order(session, number)


# ---------------------------------------------------------------- live look-up
async def test_a_live_lookup_stores_the_order_the_conversation_then_reads(fake, shop_url):
    live = LiveOrders(settings_for(fake, shop_url))
    assert stored(shop_url, "CMD-20001") is None
    assert await live.refresh("CMD-20001") == "fetched"
    order = stored(shop_url, "CMD-20001")
    assert [s.tracking_number for s in order.shipments] == ["6A12345678901", "XR123456785FR"]
    assert order.email == "lea.martin@example.fr" and order.synced_at is not None
    report = describe_order(order, "fr", TODAY)
    assert "Colis 1/2" in "\n".join(report.messages) and "Colis 2/2" in "\n".join(report.messages)
    await live.close()


async def test_a_second_question_within_the_cache_makes_no_request(fake, sqlite_shop):
    live = LiveOrders(settings_for(fake, sqlite_shop, connector_cache_s=60))
    assert await live.refresh("CMD-20001") == "fetched"
    assert await live.refresh("CMD-20001") == "cached"
    assert fake.count("/orders/") == 1
    await live.close()


async def test_after_the_cache_the_platforms_news_reach_the_shopper(fake, sqlite_shop):
    live = LiveOrders(settings_for(fake, sqlite_shop, connector_cache_s=0.5))
    await live.refresh("CMD-20001")
    delivered = [{"at": "2026-03-05T14:00:00+01:00", "status": "delivered", "location": "Paris"}]
    changed = two_parcels(status="delivered")
    changed["shipments"][0]["events"] = delivered
    fake.put(changed)
    assert await live.refresh("CMD-20001") == "cached"  # still within the cache
    assert stored(sqlite_shop, "CMD-20001").status == "shipped"
    await asyncio.sleep(0.6)
    assert await live.refresh("CMD-20001") == "fetched"
    assert stored(sqlite_shop, "CMD-20001").status == "delivered"
    assert fake.count("/orders/") == 2
    await live.close()


async def test_an_order_the_platform_does_not_know_is_not_stored(fake, sqlite_shop):
    live = LiveOrders(settings_for(fake, sqlite_shop))
    assert await live.refresh("CMD-99999") == "not_found"
    assert stored(sqlite_shop, "CMD-99999") is None
    await live.close()


async def test_a_failing_platform_raises_and_leaves_the_stored_copy(fake, sqlite_shop):
    live = LiveOrders(settings_for(fake, sqlite_shop, connector_cache_s=0))
    await live.refresh("CMD-20001")
    fake.put(two_parcels(status="cancelled"))
    fake.fail_next(503, times=2)
    with pytest.raises(PlatformUnavailable):
        await live.refresh("CMD-20001")
    assert stored(sqlite_shop, "CMD-20001").status == "shipped"
    fake.fail_next(401)
    with pytest.raises(PlatformAuthFailed):
        await live.refresh("CMD-20001")
    await live.close()


async def test_a_slow_platform_is_cut_short_so_the_shopper_hears_back(fake, sqlite_shop):
    # The desk waits rasa_timeout_s for the bot: the look-up gets half of it at most.
    settings = settings_for(fake, sqlite_shop, rasa_timeout_s=1.0, connector_timeout_s=5.0)
    fake.fail_next(200, delay_s=3.0)
    live = LiveOrders(settings)
    started = time.monotonic()
    with pytest.raises(PlatformUnavailable, match=r"within 0\.5 s"):
        await live.refresh("CMD-20001")
    assert time.monotonic() - started < 1.0
    await live.close()


async def test_without_a_connector_the_database_is_read_as_it_is(sqlite_shop):
    live = LiveOrders(Settings(shop_connector="local", shop_database_url=sqlite_shop))
    assert await live.refresh("CMD-10001") == "local"


# ---------------------------------------------------------------- sync
def counts(url: str) -> tuple[int, int]:
    with sessions(url)() as session:
        orders = session.scalar(select(func.count()).select_from(Order))
        parcels = session.scalar(select(func.count()).select_from(Shipment))
    return orders, parcels


async def test_sync_pulls_every_page_and_running_it_again_changes_nothing(fake, shop_url):
    for order in many(450):
        fake.put(order)
    since = datetime.now(UTC) - timedelta(hours=1)
    async with connector_for(settings_for(fake, shop_url)) as connector:
        first = await sync_orders(connector, sessions(shop_url), since)
        second = await sync_orders(connector, sessions(shop_url), since)
    assert (first.created, first.updated) == (451, 0)
    assert (second.created, second.updated) == (0, 451)
    assert counts(shop_url) == (451, 902)
    assert fake.count("/orders", "GET") - fake.count("/orders/") == 2 * 5  # 5 pages each


async def test_two_syncs_at_the_same_moment_leave_one_copy_of_each_order(fake, postgres_shop):
    for order in many(300):
        fake.put(order)
    since = datetime.now(UTC) - timedelta(hours=1)
    settings = settings_for(fake, postgres_shop)
    async with connector_for(settings) as one, connector_for(settings) as two:
        reports = await asyncio.gather(
            sync_orders(one, sessions(postgres_shop), since),
            sync_orders(two, sessions(postgres_shop), since),
        )
    assert sum(r.created for r in reports) == 301
    assert counts(postgres_shop) == (301, 602)


@pytest.fixture
def postgres_shop(fresh_postgres_url) -> str:
    upgrade(fresh_postgres_url)
    return fresh_postgres_url


# ---------------------------------------------------------------- the desk's schedule
def test_one_desk_at_a_time_holds_the_sync(sqlite_shop):
    factory = sessions(sqlite_shop)
    first = sync_state.claim(factory, "http", "desk-a", 300)
    assert first is not None and first.since is None
    assert sync_state.claim(factory, "http", "desk-b", 300) is None
    started = datetime.now(UTC)
    sync_state.finish(factory, first, started_at=started, orders=3)
    second = sync_state.claim(factory, "http", "desk-b", 300)
    assert second is not None and second.since == started - sync_state.OVERLAP


async def test_the_desks_rounds_go_on_from_where_the_last_one_ended(fake, sqlite_shop):
    settings = settings_for(fake, sqlite_shop)
    first = await sync_once(settings, "desk-a")
    assert first.created == 1
    fake.put(two_parcels("CMD-20009"))
    second = await sync_once(settings, "desk-b")
    assert (second.created, second.updated) == (1, 1)  # the overlap sees CMD-20001 again
    listed = [c for c in fake.calls if c.path == "/orders"]
    since = datetime.fromisoformat(listed[-1].arg("updated_since"))
    assert abs(since - (first.started_at - sync_state.OVERLAP)) < timedelta(seconds=1)


async def test_two_desks_starting_together_sync_once(fake, sqlite_shop):
    for order in many(600):
        fake.put(order)
    settings = settings_for(fake, sqlite_shop)
    reports = await asyncio.gather(sync_once(settings, "desk-a"), sync_once(settings, "desk-b"))
    assert sorted(r is None for r in reports) == [False, True]
    assert counts(sqlite_shop)[0] == 601


async def test_a_refused_key_stops_the_round_and_frees_the_lease(fake, sqlite_shop):
    settings = settings_for(fake, sqlite_shop, connector_key="wrong-key-123456")
    with pytest.raises(PlatformAuthFailed):
        await sync_once(settings, "desk-a")
    with sessions(sqlite_shop)() as session:
        row = session.get(ConnectorSync, "http")
    assert row.lease_owner == "" and row.synced_until is None
    assert "refused the key" in row.last_error and "wrong-key" not in row.last_error
    assert sync_state.claim(sessions(sqlite_shop), "http", "desk-b", 300) is not None


def test_the_migration_builds_what_the_models_say(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from comptoir.shop.models import ShopBase

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    with sessions(url).kw["bind"].connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), ShopBase.metadata)
    mine = ("synced_at", "shop_connector_sync")
    assert [d for d in differences if any(word in repr(d) for word in mine)] == []


# ---------------------------------------------------------------- comptoir orders sync
def test_orders_sync_pulls_the_changed_orders_and_says_how_many(
    fake, monkeypatch, tmp_path, capsys
):
    from comptoir.cli import main
    from comptoir.settings import get_settings

    for order in many(3):
        fake.put(order)
    fake.put(two_parcels("CMD-40000"), updated_at=datetime.now(UTC) - timedelta(days=5))
    shop = f"sqlite:///{tmp_path / 'cli-shop.db'}"
    for name, value in {
        "SHOP_CONNECTOR": "http",
        "CONNECTOR_URL": fake.url,
        "CONNECTOR_KEY": TOKEN,
        "SHOP_DATABASE_URL": shop,
    }.items():
        monkeypatch.setenv(f"COMPTOIR_{name}", value)
    get_settings.cache_clear()
    try:
        assert main(["orders", "sync", "--since", "2d"]) == 0
        out = capsys.readouterr().out
        assert "4 commande(s) modifiée(s) depuis le" in out and "(4 nouvelle(s), 0 mise(s)" in out
        assert counts(shop) == (4, 8)  # CMD-40000 changed 5 days ago: not asked for
        assert main(["orders", "sync", "--since", "2026-01-01", "--lang", "en"]) == 0
        assert "5 order(s) changed since" in capsys.readouterr().out
        assert main(["orders", "sync", "--since", "last tuesday"]) == 2
        assert "n'est pas une date" in capsys.readouterr().err
        monkeypatch.setenv("COMPTOIR_CONNECTOR_KEY", "wrong-key-0123456789")
        get_settings.cache_clear()
        assert main(["orders", "sync"]) == 1
        err = capsys.readouterr().err
        assert "refuse la clé" in err and "wrong-key" not in err
    finally:
        get_settings.cache_clear()


# ---------------------------------------------------------------- order numbers
@pytest.mark.parametrize(
    ("style", "text", "number"),
    [
        ("digits", "ma commande 1727 n'arrive pas", "1727"),
        ("digits", "n° 01727", "1727"),
        ("digits", "commande 1727, code postal 75011", "1727"),
        ("digits", "1727 et 75011", None),  # two candidates: ask rather than guess
        ("hash", "#1001", "#1001"),
        ("hash", "où en est la commande 1001 ?", "#1001"),
        ("hash", "j'ai payé 1001 €", None),
        ("reference", "XKBKNABJK", "XKBKNABJK"),
        ("reference", "ma référence : xkbknabjk", "XKBKNABJK"),
        ("reference", "xkbknabjk", "XKBKNABJK"),
        ("reference", "Ma commande XKBKNABJK n'est pas arrivée", "XKBKNABJK"),
        ("reference", "commandes", None),  # a word, not a reference
        ("reference", "ma commande recherche", None),
        ("cmd", "n° 10001", "CMD-10001"),
    ],
)
def test_order_numbers_as_shoppers_type_them_on_each_platform(style, text, number):
    from comptoir.shop.numbers import normalise_order_number

    assert normalise_order_number(text, style) == number


def test_each_platform_numbers_orders_its_own_way_and_an_own_api_may_choose():
    from comptoir.shop.numbers import number_style

    assert number_style(Settings(shop_connector="shopify")) == "hash"
    assert number_style(Settings(shop_connector="prestashop")) == "reference"
    assert number_style(Settings(shop_connector="woocommerce", order_numbers="cmd")) == "digits"
    assert number_style(Settings(shop_connector="http")) == "cmd"
    assert number_style(Settings(shop_connector="http", order_numbers="digits")) == "digits"


def test_an_import_keeps_the_shops_own_numbers_when_told(sqlite_shop):
    from comptoir.shop.importer import import_records

    with sessions(sqlite_shop)() as session:
        report = import_records(session, [two_parcels("1234")], numbers="digits")
        assert (report.created, report.errors) == (1, [])
        assert import_records(session, [two_parcels("1234")]).created == 1  # as CMD-1234
    assert stored(sqlite_shop, "1234") is not None and stored(sqlite_shop, "CMD-1234") is not None
