"""Connectors: the order-status turn with each platform, and a sync of 10,000 orders.

For each platform whose fake exists (tests/fakes/platforms.py): a full stack (desk,
Rasa, action server) whose connector points at the platform's fake on loopback, with
no cache, so every verification asks the platform live; we time the turn that checks
the proof and describes the order (the shopper's e-mail, POSTed to the desk) over
``BENCH_CONNECTOR_TURNS`` conversations: p50/p95, and the same turn on the local
database for comparison is ``order_status_turn`` in bench.json. Then the fake gets
``BENCH_SYNC_ORDERS`` (10,000) more orders and ``sync_orders`` pulls them all, page by
page, into an empty SQLite shop database: the time, orders per second, requests made.
The fakes answer from memory, so the figures are Comptoir's side (mapping, HTTP
client, upserts) plus loopback, not a real platform's latency.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from comptoir.settings import Settings
from comptoir.shop.connectors import connector_for
from comptoir.shop.db import sessions, upgrade
from comptoir.shop.live_orders import sync_orders
from comptoir.stack import isolated_stack
from tests.fakes import FakePlatform
from tests.fakes.platforms import available
from tests.fakes.server import FakeServer

ALWAYS_OPEN = (
    '{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "00:00", "closes": "23:59:59", '
    '"skip_public_holidays": false}'
)


def _percentiles(timings: list[float]) -> dict:
    timings = sorted(timings)
    return {
        "samples": len(timings),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(0.95 * len(timings)) - 1)], 1),
    }


def verification_turns(platform: FakePlatform, fake: FakeServer, model: Path, turns: int) -> dict:
    """p50/p95 of the proof turn through the desk, the order fetched live each time."""
    folder = Path(tempfile.mkdtemp(prefix=f"comptoir-bench-{platform.connector}-"))
    env = {
        "COMPTOIR_BUSINESS_HOURS": ALWAYS_OPEN,
        "COMPTOIR_CONNECTOR_CACHE_S": "0",
        "COMPTOIR_CONNECTOR_SYNC_S": "0",
        # One load generator on one address: the per-address abuse limits would stop it.
        "COMPTOIR_LIMIT_MESSAGES_PER_ADDRESS_PER_MINUTE": "100000",
        "COMPTOIR_LIMIT_NEW_CONVERSATIONS_PER_ADDRESS_PER_HOUR": "100000",
        **platform.settings(fake),
    }
    stack, _ = isolated_stack(model, folder, env)
    stack.start()
    scenario = platform.scenario
    timings = []
    try:
        with httpx.Client(base_url=stack.config.desk_url, timeout=60) as client:
            for turn in range(turns):
                url = f"/api/conversations/connector-bench-{turn}/messages"
                first = client.post(url, json={"text": f"où est ma commande {scenario.typed} ?"})
                first.raise_for_status()
                mine = {"X-Conversation-Token": first.json()["conversation_token"]}
                started = time.perf_counter()
                reply = client.post(url, json={"text": scenario.email}, headers=mine).json()
                timings.append((time.perf_counter() - started) * 1000)
                text = "\n".join(m["text"] for m in reply["messages"])
                assert scenario.expected[0] in text, text
    finally:
        stack.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return _percentiles(timings) | {"platform_requests": fake.count()}


def sync_time(platform: FakePlatform, fake: FakeServer, count: int) -> dict:
    """Seconds to pull ``count`` changed orders into an empty shop database."""
    platform.add_orders(fake, count)
    fake.reset()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/shop.db"
        upgrade(url)
        env = platform.settings(fake)
        settings = Settings(
            **{k.removeprefix("COMPTOIR_").lower(): v for k, v in env.items()},
            shop_database_url=url,
        )

        async def pull() -> tuple[int, float]:
            async with connector_for(settings) as connector:
                since = datetime.now(UTC) - timedelta(hours=1)
                report = await sync_orders(connector, sessions(url), since)
            return report.orders, report.seconds

        orders, seconds = asyncio.run(pull())
    return {
        "orders": orders,
        "seconds": round(seconds, 1),
        "orders_per_s": round(orders / seconds) if seconds else None,
        "requests": fake.count(),
    }


def run(model: Path) -> dict:
    """Every available platform: its turn latency, then its 10k sync."""
    turns = int(os.environ.get("BENCH_CONNECTOR_TURNS", "20"))
    count = int(os.environ.get("BENCH_SYNC_ORDERS", "10000"))
    results: dict = {}
    for name, platform in sorted(available().items()):
        with platform.make() as fake:
            turn = verification_turns(platform, fake, model, turns)
            print(
                f"  {name:<12} verification turn p50 {turn['p50_ms']} ms "
                f"p95 {turn['p95_ms']} ms ({turns} turns)"
            )
            if name == "shopify":
                # A standard plan restores 100 query points a second: that, not
                # Comptoir, sets a big sync's pace. Measured on a few hundred orders;
                # the 10k figure below is the connector's own cost, bucket unlimited.
                results["shopify_standard_plan_sync"] = _print_sync(
                    f"{name} (standard plan bucket)", sync_time(platform, fake, THROTTLED)
                )
        if name == "shopify":
            with platform.make(maximum=1_000_000.0, restore_rate=1_000_000.0) as fake:
                synced = _print_sync(f"{name} (no throttle)", sync_time(platform, fake, count))
        else:
            with platform.make() as fake:
                synced = _print_sync(name, sync_time(platform, fake, count))
        results[name] = {"verification_turn": turn, "sync": synced}
    return results


THROTTLED = int(os.environ.get("BENCH_SHOPIFY_THROTTLED_ORDERS", "300"))


def _print_sync(name: str, synced: dict) -> dict:
    """Print one sync's figures; returns them."""
    print(
        f"  {name:<12} sync of {synced['orders']} orders: {synced['seconds']} s "
        f"({synced['orders_per_s']} orders/s, {synced['requests']} requests)"
    )
    return synced
