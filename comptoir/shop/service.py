"""Order look-ups for the conversation, on the configured shop database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from comptoir.shop.db import sessions
from comptoir.shop.models import Order, Shipment


def load_order(session: Session, number: str) -> Order | None:
    """An order with its lines, parcels and tracking events, in one round of queries."""
    return session.scalar(
        select(Order)
        .where(Order.number == number)
        .options(
            selectinload(Order.lines),
            selectinload(Order.shipments).selectinload(Shipment.events),
        )
    )


def recent_orders(session: Session, email: str, days: int = 120, limit: int = 5) -> list[Order]:
    """A signed-in shopper's latest orders, newest first."""
    since = datetime.now(UTC) - timedelta(days=days)
    return list(
        session.scalars(
            select(Order)
            .where(Order.email == email.strip().lower(), Order.placed_at >= since)
            .options(selectinload(Order.lines))
            .order_by(Order.placed_at.desc())
            .limit(limit)
        )
    )


def open_session(url: str) -> Session:
    """A session on the shop database."""
    return sessions(url)()
