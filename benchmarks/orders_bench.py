"""Order look-up latency with 100,000 orders, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert, text

from comptoir.shop.db import sessions, upgrade
from comptoir.shop.models import Customer, Order, OrderLine, Shipment, TrackingEvent
from comptoir.shop.service import load_order
from comptoir.shop.verification import proof_matches, read_proof


def fill(url: str, count: int, seed: int = 11) -> None:
    """Insert ``count`` orders (with lines, parcels and scans) in bulk."""
    rng = random.Random(seed)
    engine = create_engine(url)
    now = datetime.now(UTC)
    customers = max(1, count // 5)
    with engine.begin() as conn:
        conn.execute(
            insert(Customer),
            [
                {"id": i + 1, "email": f"shopper{i}@example.fr", "first_name": "Alex"}
                for i in range(customers)
            ],
        )
        for start in range(0, count, 5000):
            orders, lines, parcels, events = [], [], [], []
            for i in range(start, min(count, start + 5000)):
                oid = i + 1
                customer = rng.randrange(customers)
                placed = now - timedelta(days=rng.randint(0, 365))
                orders.append(
                    {
                        "id": oid,
                        "number": f"CMD-{200000 + i}",
                        "customer_id": customer + 1,
                        "email": f"shopper{customer}@example.fr",
                        "postcode": "75011",
                        "placed_at": placed,
                        "status": "in_transit",
                        "promised_delivery": (placed + timedelta(days=4)).date(),
                    }
                )
                lines.append(
                    {
                        "order_id": oid,
                        "sku": "LAMP-ORSAY",
                        "name": "Lampe Orsay",
                        "qty": 1,
                        "unit_price": 89,
                        "category": "lighting",
                    }
                )
                parcels.append(
                    {
                        "id": oid,
                        "order_id": oid,
                        "carrier": "colissimo",
                        "tracking_number": f"6A{oid:011d}",
                        "tracking_url": "",
                        "skus": ["LAMP-ORSAY"],
                    }
                )
                events.extend(
                    {
                        "shipment_id": oid,
                        "at": placed + timedelta(days=d),
                        "status": "in_transit",
                        "location": "Lyon",
                        "description": "scan",
                    }
                    for d in (1, 2)
                )
            conn.execute(insert(Order), orders)
            conn.execute(insert(OrderLine), lines)
            conn.execute(insert(Shipment), parcels)
            conn.execute(insert(TrackingEvent), events)
    engine.dispose()


def lookup_latency(url: str, count: int, samples: int = 1000) -> dict:
    """p50/p95 of finding an order, checking the proof and loading its parcels."""
    rng = random.Random(3)
    factory = sessions(url)
    timings = []
    with factory() as session:
        for _ in range(samples):
            number = f"CMD-{200000 + rng.randrange(count)}"
            started = time.perf_counter()
            order = load_order(session, number)
            assert order is not None and proof_matches(order, read_proof(order.email))
            _ = [e.at for s in order.shipments for e in s.events]
            timings.append((time.perf_counter() - started) * 1000)
            session.expunge_all()
    timings.sort()
    return {
        "orders": count,
        "samples": samples,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * samples) - 1], 2),
    }


def run(sqlite_url: str, postgres_admin_url: str | None, count: int = 100_000) -> dict:
    """Both backends, each in a database of its own."""
    results = {}
    upgrade(sqlite_url)
    fill(sqlite_url, count)
    results["sqlite"] = lookup_latency(sqlite_url, count)
    if postgres_admin_url:
        admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS comptoir_bench"))
            conn.execute(text("CREATE DATABASE comptoir_bench"))
        admin.dispose()
        url = postgres_admin_url.rsplit("/", 1)[0] + "/comptoir_bench"
        upgrade(url)
        fill(url, count)
        results["postgresql"] = lookup_latency(url, count)
    return results
