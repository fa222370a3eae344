"""The late-order check over 100,000 orders: how long a pass takes, first and again.

A shop with 100k orders in its database (four months of history, most delivered, a few
per cent of the open ones late for each of the four reasons) in a temporary SQLite
file, and an empty desk database beside it. The first pass finds every late order and
queues its notice in the outbox (nothing is sent: no SMTP server, the sending has its
own benchmark, ``benchmarks/mail.py``); the second finds the same states and queues
nothing. Both are what the desk does every ``notify_late_check_s``.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert

from comptoir.desk.late_notices import LateNoticeCheck
from comptoir.desk.mail.outbox import Outbox
from comptoir.desk.schema import upgrade_schema
from comptoir.desk.store import ConversationStore
from comptoir.settings import Settings
from comptoir.shop.db import upgrade
from comptoir.shop.models import Customer, Order, OrderLine, Shipment, TrackingEvent

HISTORY_DAYS = 120
KINDS = (("on_time", 0.85), ("revised", 0.05), ("overdue", 0.04), ("no_scan", 0.04))
"""What becomes of an open order; the rest (2 %) get a delivery exception."""


def _open_order(rng: random.Random, placed: datetime, now: datetime) -> tuple[dict, list]:
    """Status, dates and scans of an order still on its way, late or not."""
    promised = (placed + timedelta(days=4)).date()
    roll, kind = rng.random(), "exception"
    for name, share in KINDS:
        if roll < share:
            kind = name
            break
        roll -= share
    last_scan = now - timedelta(hours=rng.randint(1, 30))
    fields = {"status": "in_transit", "promised_delivery": max(promised, now.date())}
    if kind == "revised":
        fields["revised_delivery"] = fields["promised_delivery"] + timedelta(days=rng.randint(2, 9))
    elif kind == "overdue":
        fields["promised_delivery"] = now.date() - timedelta(days=rng.randint(1, 6))
    elif kind == "no_scan":
        last_scan = now - timedelta(days=rng.randint(6, 12))
    elif kind == "exception":
        fields["status"] = "delivery_exception"
    last_scan = max(last_scan, placed + timedelta(hours=1))  # never before the order
    scans = [(min(placed + timedelta(days=1), last_scan), "shipped"), (last_scan, "in_transit")]
    if kind == "exception":
        scans[-1] = (last_scan, "delivery_exception")
    return fields, scans


def fill(url: str, count: int, seed: int = 17) -> None:
    """``count`` orders with one parcel each and their scans, in bulk."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = create_engine(url)
    customers = max(1, count // 3)
    with engine.begin() as conn:
        conn.execute(
            insert(Customer),
            [
                {"id": i + 1, "email": f"client{i}@example.fr", "first_name": "Alex"}
                for i in range(customers)
            ],
        )
        for start in range(0, count, 5000):
            orders, lines, parcels, events = [], [], [], []
            for oid in range(start + 1, min(count, start + 5000) + 1):
                customer = rng.randrange(customers)
                placed = now - timedelta(days=rng.uniform(0, HISTORY_DAYS))
                age = (now - placed).days
                if age > 10 and rng.random() < 0.97:
                    arrived = placed + timedelta(days=3)
                    fields = {
                        "status": "delivered",
                        "promised_delivery": (placed + timedelta(days=4)).date(),
                    }
                    scans = [(placed + timedelta(days=1), "shipped"), (arrived, "delivered")]
                else:
                    fields, scans = _open_order(rng, placed, now)
                orders.append(
                    {
                        "id": oid,
                        "number": f"CMD-{300000 + oid}",
                        "customer_id": customer + 1,
                        "email": f"client{customer}@example.fr",
                        "postcode": "75011",
                        "placed_at": placed,
                        "language": "en" if customer % 5 == 0 else "fr",
                        "revised_delivery": None,
                        **fields,
                    }
                )
                lines.append(
                    {
                        "order_id": oid,
                        "sku": "LAMP",
                        "name": "Lampe Orsay",
                        "qty": 1,
                        "unit_price": 89,
                    }
                )
                parcels.append(
                    {
                        "id": oid,
                        "order_id": oid,
                        "carrier": "colissimo",
                        "tracking_number": f"6A{oid:011d}",
                        "tracking_url": f"https://suivi.example/6A{oid:011d}",
                        "skus": ["LAMP"],
                    }
                )
                events += [
                    {"shipment_id": oid, "at": at, "status": status, "location": "Lyon"}
                    for at, status in scans
                ]
            conn.execute(insert(Order), orders)
            conn.execute(insert(OrderLine), lines)
            conn.execute(insert(Shipment), parcels)
            conn.execute(insert(TrackingEvent), events)
    engine.dispose()


async def _passes(settings: Settings) -> dict:
    """Two timed checks on a fresh desk database."""
    await upgrade_schema(settings.desk_db_url)
    store = ConversationStore(settings.desk_db_url)
    try:
        check = LateNoticeCheck(settings, store.sessions, Outbox(store.sessions, settings))
        figures = {}
        for name in ("first_pass", "second_pass"):
            started = time.perf_counter()
            report = await check.run()
            seconds = time.perf_counter() - started
            figures[name] = {
                "seconds": round(seconds, 2),
                "orders_checked": report.checked,
                "orders_too_old": report.too_old,
                "late": report.late,
                "notices_queued": report.queued,
                "already_notified": report.already_notified,
                "orders_per_s": round(report.checked / seconds) if seconds else None,
            }
        return figures
    finally:
        await store.close()


def run(count: int = 100_000) -> dict:
    """Seed ``count`` orders, then time the check twice; the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="comptoir-late-") as folder:
        shop = f"sqlite:///{Path(folder) / 'shop.db'}"
        upgrade(shop)
        started = time.perf_counter()
        fill(shop, count)
        seeded = round(time.perf_counter() - started, 1)
        settings = Settings(
            run_dir=Path(folder),
            shop_database_url=shop,
            desk_database_url=f"sqlite+aiosqlite:///{Path(folder) / 'desk.db'}",
            conversation_secret="bench-" + "x" * 40,
            notify_quiet_hours="",
        )
        figures = asyncio.run(_passes(settings))
    return {"orders": count, "seed_seconds": seeded, **figures}


def print_figures(figures: dict) -> None:
    """One line per pass."""
    for name in ("first_pass", "second_pass"):
        f = figures[name]
        print(
            f"  {name.replace('_', ' '):<12} {f['seconds']:>7} s  {f['orders_checked']} open orders "
            f"checked ({f['orders_per_s']}/s), {f['late']} late, {f['notices_queued']} notices "
            f"queued, {f['already_notified']} already told"
        )
