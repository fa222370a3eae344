"""The "your own API" connector against a real fake back office on loopback.

The fake (tests/fakes/own_api.py) answers the contract of docs/own-api.openapi.yaml; its
answers are checked against that document, so the fake cannot drift from what shops
are told to build. Each failure (401, 429, 5xx, timeout) is produced by the server
itself, and the client's behaviour is read from what reached the server.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import jsonschema_rs
import pytest
import yaml

from comptoir.settings import Settings
from comptoir.shop.connectors import connector_for
from comptoir.shop.connectors.base import (
    ConnectorNotConfigured,
    PlatformAnsweredBadly,
    PlatformAuthFailed,
    PlatformUnavailable,
)
from comptoir.shop.connectors.http import retry_after_s, safe_url
from comptoir.shop.connectors.own_api import OwnApiConnector
from comptoir.shop.demo import demo_orders
from tests.fakes.own_api import TOKEN, OwnApiFake, many, two_parcels

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "docs" / "own-api.openapi.yaml").read_text(encoding="utf-8"))
TODAY = date.today()


def settings_for(fake: OwnApiFake, **changes: object) -> Settings:
    values: dict[str, object] = {
        "shop_connector": "http",
        "connector_url": fake.url,
        "connector_key": TOKEN,
        "connector_timeout_s": 2.0,
        "connector_retries": 2,
    }
    return Settings(**(values | changes))


@pytest.fixture
def fake():
    with OwnApiFake([*demo_orders(TODAY), two_parcels()]) as server:
        yield server


@pytest.fixture
async def connector(fake):
    connector = connector_for(settings_for(fake))
    yield connector
    await connector.close()


# ---------------------------------------------------------------- the contract
def validator(schema: str) -> jsonschema_rs.Validator:
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/components/schemas/{schema}",
        "components": SPEC["components"],
    }
    return jsonschema_rs.Draft202012Validator(document, validate_formats=True)


def test_the_fakes_answers_follow_the_published_contract(fake):
    client = httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {TOKEN}"})
    order = client.get("/orders/CMD-20001")
    validator("Order").validate(order.json())
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    page = client.get("/orders", params={"updated_since": since, "limit": 5})
    validator("OrderPage").validate(page.json())
    assert page.json()["next_cursor"]
    for response in (client.get("/orders/CMD-99999"), httpx.get(f"{fake.url}/orders/CMD-20001")):
        assert response.status_code in (404, 401)
        validator("Error").validate(response.json())
    broken = dict(order.json(), status="lost in space")
    assert not validator("Order").is_valid(broken)  # the check can fail


def test_the_contract_is_a_valid_openapi_3_1_document():
    # The official OpenAPI 3.1 meta-schema, as schemathesis (a dev dependency) ships it.
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    jsonschema_rs.validator_for(OPENAPI_31).validate(SPEC)


def test_the_contract_lists_both_requests_with_their_answers():
    order, listing = SPEC["paths"]["/orders/{number}"]["get"], SPEC["paths"]["/orders"]["get"]
    assert set(order["responses"]) >= {"200", "404", "401", "429"}
    assert {p["name"] for p in listing["parameters"]} == {"updated_since", "cursor", "limit"}
    assert SPEC["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    statuses = SPEC["components"]["schemas"]["Order"]["properties"]["status"]["enum"]
    from comptoir.shop.models import ORDER_STATUSES

    assert tuple(statuses) == ORDER_STATUSES


# ---------------------------------------------------------------- one order
async def test_an_order_is_found_with_its_parcels_and_scans(connector, fake):
    order = await connector.fetch_order("CMD-20001")
    assert order is not None and order.number == "CMD-20001"
    assert order.email.lower() == "lea.martin@example.fr" and order.language == "fr"
    assert [(s.carrier, s.tracking_number, s.lines) for s in order.shipments] == [
        ("colissimo", "6A12345678901", ["LAMP-ORSAY"]),
        ("chronopost", "XR123456785FR", ["THROW-CEVENNES"]),
    ]
    assert order.shipments[0].events[0].status == "in_transit"
    call = fake.calls[-1]
    assert call.path == "/orders/CMD-20001" and call.headers["authorization"] == f"Bearer {TOKEN}"


async def test_an_unknown_order_is_none_and_asked_once(connector, fake):
    assert await connector.fetch_order("CMD-99999") is None
    assert fake.count("/orders/CMD-99999") == 1


async def test_a_late_order_keeps_its_promised_and_revised_dates(connector):
    late = await connector.fetch_order("CMD-10003")  # the demo shop's late order
    assert late.promised_delivery == TODAY - timedelta(days=3)
    assert late.revised_delivery == TODAY + timedelta(days=2)


async def test_a_number_is_sent_url_encoded_in_the_shops_own_style(fake):
    fake.put(two_parcels("1234"))
    async with connector_for(settings_for(fake, order_numbers="digits")) as connector:
        order = await connector.fetch_order("1234")
    assert order.number == "1234"
    assert fake.calls[-1].path == "/orders/1234"


async def test_an_order_that_breaks_the_contract_is_a_clear_error(connector, fake):
    fake.put(two_parcels("CMD-20002", email="not an address"))
    with pytest.raises(PlatformAnsweredBadly, match="CMD-20002 does not follow the contract"):
        await connector.fetch_order("CMD-20002")


# ---------------------------------------------------------------- updated orders
async def test_updated_orders_come_page_by_page_until_the_last(fake):
    fake.orders.clear()
    for order in many(250):
        fake.put(order)
    fake.put(two_parcels("CMD-40000"), updated_at=datetime.now(UTC) - timedelta(days=3))
    async with connector_for(settings_for(fake)) as connector:
        since = datetime.now(UTC) - timedelta(days=1)
        numbers = [o.number async for o in connector.updated_since(since)]
    assert sorted(numbers) == sorted(f"CMD-{30000 + i}" for i in range(250))  # not CMD-40000
    pages = [c for c in fake.calls if c.path == "/orders"]
    assert len(pages) == 3
    assert "cursor" not in pages[0].query and pages[1].arg("cursor") != pages[2].arg("cursor")
    assert pages[0].arg("updated_since") == since.isoformat()


async def test_an_unreadable_order_in_a_page_is_skipped_and_logged(fake, caplog):
    fake.orders.clear()
    fake.put(two_parcels("CMD-20003"))
    fake.put(two_parcels("CMD-20004", lines=[]))
    caplog.set_level(logging.WARNING, "comptoir.shop.connectors")
    async with connector_for(settings_for(fake)) as connector:
        since = datetime.now(UTC) - timedelta(hours=1)
        numbers = [o.number async for o in connector.updated_since(since)]
    assert numbers == ["CMD-20003"]
    assert "CMD-20004 skipped" in caplog.text


# ---------------------------------------------------------------- failures
async def test_a_wrong_key_fails_at_once_and_never_shows_the_key(fake, caplog):
    caplog.set_level(logging.DEBUG)
    async with connector_for(settings_for(fake, connector_key="wrong-key-123456")) as connector:
        with pytest.raises(PlatformAuthFailed) as refused:
            await connector.fetch_order("CMD-10001")
    assert refused.value.status == 401
    assert fake.count() == 1  # no retry on 401
    assert "wrong-key-123456" not in str(refused.value) + caplog.text


async def test_429_waits_as_asked_then_succeeds(connector, fake):
    fake.fail_next(429, headers={"Retry-After": "1"})
    started = time.monotonic()
    order = await connector.fetch_order("CMD-10001")
    assert order is not None and order.number == "CMD-10001"
    assert time.monotonic() - started >= 0.95
    assert fake.count("/orders/CMD-10001") == 2


async def test_429_with_an_http_date_is_honoured_too(connector, fake):
    when = datetime.now(UTC) + timedelta(seconds=2)
    fake.fail_next(429, headers={"Retry-After": format_datetime(when, usegmt=True)})
    started = time.monotonic()
    assert await connector.fetch_order("CMD-10001") is not None
    assert time.monotonic() - started >= 0.5  # the date has a one-second resolution


async def test_a_platform_that_asks_to_wait_too_long_is_unavailable_at_once(connector, fake):
    fake.fail_next(429, headers={"Retry-After": "600"})
    with pytest.raises(PlatformUnavailable, match="asked to wait 600 s"):
        await connector.fetch_order("CMD-10001")
    assert fake.count() == 1


async def test_5xx_is_retried_then_unavailable(connector, fake):
    fake.fail_next(503, times=2)
    assert await connector.fetch_order("CMD-10001") is not None  # third try
    fake.reset()
    fake.fail_next(500, times=3)
    with pytest.raises(PlatformUnavailable, match="HTTP 500") as down:
        await connector.fetch_order("CMD-10001")
    assert down.value.status == 500 and fake.count() == 3  # 1 + connector_retries


async def test_a_slow_platform_times_out_as_unavailable(fake):
    fake.fail_next(200, delay_s=1.5, times=2)
    settings = settings_for(fake, connector_timeout_s=0.3, connector_retries=1)
    async with connector_for(settings) as connector:
        started = time.monotonic()
        with pytest.raises(PlatformUnavailable, match=r"did not answer within 0\.3 s"):
            await connector.fetch_order("CMD-10001")
    assert time.monotonic() - started < 1.5
    assert fake.count() == 2


async def test_a_platform_that_is_not_there_is_unavailable():
    from comptoir.stack import free_port

    settings = Settings(
        shop_connector="http",
        connector_url=f"http://127.0.0.1:{free_port()}",
        connector_key=TOKEN,
        connector_retries=1,
    )
    async with connector_for(settings) as connector:
        with pytest.raises(PlatformUnavailable, match="could not be reached"):
            await connector.fetch_order("CMD-10001")


def test_no_address_is_a_setting_problem_not_a_crash():
    with pytest.raises(ConnectorNotConfigured, match="COMPTOIR_CONNECTOR_URL"):
        OwnApiConnector(Settings(shop_connector="http", connector_url=None))
    assert connector_for(Settings(shop_connector="local")) is None


def test_logged_addresses_hide_secrets():
    url = "https://KEY:x@shop.example/api/orders?ws_key=S3CR3T&output_format=JSON&access_token=T"
    shown = safe_url(url)
    assert "S3CR3T" not in shown and "KEY" not in shown and "=T" not in shown
    assert "output_format=JSON" in shown and "shop.example/api/orders" in shown


def test_retry_after_in_seconds_or_as_a_date():
    def answer(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert retry_after_s(answer("3"), now) == 3.0
    assert retry_after_s(answer("Mon, 02 Nov 2026 10:00:30 GMT"), now) == 30.0
    assert retry_after_s(answer("yesterday"), now) is None
    assert retry_after_s(httpx.Response(429), now) is None


# ---------------------------------------------------------------- comptoir connector check
@pytest.fixture
def cli_env(fake, monkeypatch, tmp_path):
    from comptoir.settings import get_settings

    def use(**values: str) -> None:
        base = {
            "SHOP_CONNECTOR": "http",
            "CONNECTOR_URL": fake.url,
            "CONNECTOR_KEY": TOKEN,
            "CONNECTOR_RETRIES": "0",
            "RUN_DIR": str(tmp_path),
        }
        for name, value in (base | values).items():
            monkeypatch.setenv(f"COMPTOIR_{name}", value)
        get_settings.cache_clear()

    use()
    yield use
    get_settings.cache_clear()


def run_cli(*argv: str) -> int:
    from comptoir.cli import main

    return main(list(argv))


def test_check_says_the_key_works_and_what_one_order_holds(cli_env, capsys):
    assert run_cli("connector", "check", "cmd 20001") == 0
    out = capsys.readouterr().out
    assert "Plateforme : l'API de votre boutique" in out
    assert "Accès accepté par l'API de votre boutique en " in out
    assert "Commande CMD-20001 trouvée en" in out and "elle est expédiée" in out
    assert "E-mail : le***@example.fr · code postal : 75•••" in out
    assert "Colis 1 : Colissimo, n° de suivi 6A12345678901" in out
    assert "Colis 2 : Chronopost, n° de suivi XR123456785FR" in out
    assert "lea.martin" not in out and TOKEN not in out


def test_check_in_english_without_an_order(cli_env, capsys):
    assert run_cli("connector", "check", "--lang", "en") == 0
    out = capsys.readouterr().out
    assert "Access accepted by your shop's own API in" in out and "Order" not in out


def test_check_fails_in_one_sentence_when_the_key_is_refused(cli_env, capsys):
    cli_env(CONNECTOR_KEY="wrong-key-0123456789")
    assert run_cli("connector", "check", "CMD-20001") == 1
    out = capsys.readouterr().out
    assert "refuse la clé (HTTP 401) : vérifiez COMPTOIR_CONNECTOR_KEY" in out
    assert "wrong-key-0123456789" not in out and "Traceback" not in out


def test_check_fails_for_an_unknown_order_or_a_down_platform(cli_env, capsys, fake):
    assert run_cli("connector", "check", "CMD-99999") == 1
    assert "La commande CMD-99999 est introuvable sur l'API de votre boutique" in (
        capsys.readouterr().out
    )
    fake.fail_next(503)
    assert run_cli("connector", "check") == 1
    assert "ne répond pas correctement pour le moment. Détail : http answered HTTP 503" in (
        capsys.readouterr().out
    )


def test_check_without_a_connector_says_how_to_choose_one(cli_env, capsys):
    cli_env(SHOP_CONNECTOR="local")
    assert run_cli("connector", "check") == 1
    assert "Aucun connecteur n'est choisi" in capsys.readouterr().out
