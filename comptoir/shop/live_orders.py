"""Orders from the shop's platform, kept in the shop database: live look-ups and syncs.

The shop database stays the one place the rest of Comptoir reads orders from
(``service.load_order``: the description, the proof of ownership, returns, the late
notices). With a connector, this module keeps it current. ``LiveOrders.refresh`` fetches
one order from the platform when a shopper asks about it (unless it was fetched less
than ``connector_cache_s`` ago) and upserts it; ``sync_orders`` pulls every order
updated since a time, page by page, for ``comptoir orders sync`` and the desk's
scheduled sync. Upserts are idempotent (keyed by number), so two processes storing the
same order at once, or a sync meeting a live look-up, end with one up-to-date copy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from comptoir.settings import Settings
from comptoir.shop.connectors import connector_for
from comptoir.shop.connectors.base import Connector, PlatformUnavailable
from comptoir.shop.db import sessions as shop_sessions
from comptoir.shop.importer import Known, OrderIn, upsert_order
from comptoir.shop.models import Customer, Order, Shipment

log = logging.getLogger("comptoir.shop.live_orders")

Freshness = Literal["local", "cached", "fetched", "not_found"]
BATCH = 200  # orders stored per transaction by a sync


def lookup_budget_s(settings: Settings) -> float:
    """How long a shopper's turn may wait for the platform, retries included.

    Half of the desk's wait for the bot, so the shopper hears the polite "cannot look it
    up now" rather than the desk's own apology; at most two requests' time.
    """
    return min(settings.rasa_timeout_s / 2, settings.connector_timeout_s * 2)


def store_orders(
    factory: sessionmaker, records: Iterable[OrderIn], synced_at: datetime
) -> tuple[int, int]:
    """Upsert the records and stamp them fetched now; (created, updated).

    A record that another process inserted at the same moment (unique number or e-mail)
    is stored again on its own, as the update it now is.
    """
    records = list(records)
    try:
        with factory() as session:
            counts = _upsert_all(session, records, synced_at)
            session.commit()
            return counts
    except IntegrityError:
        log.info("a concurrent writer stored some of these orders first; storing one by one")
    created = updated = 0
    for record in records:
        for attempt in range(2):
            try:
                with factory() as session:
                    new, _ = _upsert_all(session, [record], synced_at)
                    session.commit()
                created, updated = created + new, updated + 1 - new
                break
            except IntegrityError:
                if attempt:
                    raise
    return created, updated


def _upsert_all(session: Session, records: list[OrderIn], synced_at: datetime) -> tuple[int, int]:
    """Upsert a batch with one query for its customers, one for its orders, one flush."""
    emails = {record.email.lower() for record in records}
    numbers = {record.number for record in records}
    known = Known(
        customers={
            c.email: c for c in session.scalars(select(Customer).where(Customer.email.in_(emails)))
        },
        orders={
            o.number: o
            for o in session.scalars(
                select(Order)
                .where(Order.number.in_(numbers))
                .options(
                    selectinload(Order.lines),
                    selectinload(Order.shipments).selectinload(Shipment.events),
                )
            )
        },
    )
    created = 0
    with session.no_autoflush:
        for record in records:
            created += upsert_order(session, record, known)
            known.orders[record.number].synced_at = synced_at
    session.flush()
    return created, len(records) - created


class LiveOrders:
    """Live look-ups of one order for the conversation, with the short cache.

    One per process (the action server's): it keeps one connector, hence one pool of
    connections to the platform, and makes a new one if the event loop changed (an
    HTTP client belongs to the loop that opened its connections).
    """

    def __init__(
        self,
        settings: Settings,
        make_connector: Callable[[Settings], Connector | None] = connector_for,
    ) -> None:
        self.settings = settings
        self.factory = shop_sessions(settings.shop_db_url)
        self._make_connector = make_connector
        self._connector: Connector | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def enabled(self) -> bool:
        """Whether orders come from a platform (not only from imports)."""
        return self.settings.shop_connector != "local"

    def _current_connector(self) -> Connector | None:
        loop = asyncio.get_running_loop()
        if self._connector is None or self._loop is not loop:
            self._connector = self._make_connector(self.settings)
            self._loop = loop
        return self._connector

    def _fetched_recently(self, number: str, now: datetime) -> bool:
        with self.factory() as session:
            synced = session.scalar(select(Order.synced_at).where(Order.number == number))
        if synced is None:
            return False
        if synced.tzinfo is None:  # SQLite gives naive datetimes back
            synced = synced.replace(tzinfo=UTC)
        return now - synced < timedelta(seconds=self.settings.connector_cache_s)

    async def refresh(self, number: str) -> Freshness:
        """Bring the local copy of ``number`` up to date before it is read.

        "local": no connector; "cached": fetched less than ``connector_cache_s`` ago;
        "fetched": stored now; "not_found": the platform does not know it (the shopper
        then hears the usual "unknown order"). Raises ``ConnectorError`` when the
        platform is down, too slow (``lookup_budget_s``) or refuses the key.
        """
        if not self.enabled:
            return "local"
        connector = self._current_connector()
        if connector is None:
            return "local"
        now = datetime.now(UTC)
        if self._fetched_recently(number, now):
            return "cached"
        started = time.perf_counter()
        try:
            async with asyncio.timeout(lookup_budget_s(self.settings)):
                record = await connector.fetch_order(number)
        except TimeoutError:
            raise PlatformUnavailable(
                f"{connector.name} did not give order {number} within "
                f"{lookup_budget_s(self.settings):g} s",
                platform=connector.name,
            ) from None
        if record is None or record.number != number:
            log.info(
                "%s: order %s not found (%.0f ms)",
                connector.name,
                number,
                (time.perf_counter() - started) * 1000,
            )
            return "not_found"
        store_orders(self.factory, [record], now)
        return "fetched"

    async def close(self) -> None:
        """Close the connector's connections."""
        if self._connector is not None:
            await self._connector.close()
            self._connector = None


@dataclass
class SyncReport:
    """What a sync did, for the command line and the desk's log."""

    created: int = 0
    updated: int = 0
    started_at: datetime | None = None
    seconds: float = 0.0

    @property
    def orders(self) -> int:
        return self.created + self.updated


async def sync_orders(
    connector: Connector,
    factory: sessionmaker,
    since: datetime,
    *,
    on_batch: Callable[[SyncReport], Awaitable[None]] | None = None,
) -> SyncReport:
    """Pull every order updated since ``since`` into the shop database, page by page.

    Orders are stored in batches, in a worker thread (the desk's loop keeps serving)
    while the next pages are fetched; a failure midway keeps what was stored (the next
    sync covers the rest again).
    """
    report = SyncReport(started_at=datetime.now(UTC))
    started = time.perf_counter()
    batch: list[OrderIn] = []
    pending: asyncio.Task[tuple[int, int]] | None = None

    def store(records: list[OrderIn]) -> asyncio.Task[tuple[int, int]]:
        return asyncio.create_task(
            asyncio.to_thread(store_orders, factory, records, datetime.now(UTC))
        )

    async def settle() -> None:
        """Wait for the batch being stored (one at a time), and count it."""
        nonlocal pending
        if pending is not None:
            task, pending = pending, None
            created, updated = await task
            report.created += created
            report.updated += updated
            if on_batch is not None:
                await on_batch(report)

    try:
        async for record in connector.updated_since(since):
            batch.append(record)
            if len(batch) >= BATCH:
                await settle()
                pending, batch = store(batch), []
        await settle()
        if batch:
            pending = store(batch)
    finally:
        await settle()  # what was fetched before a failure is kept
    report.seconds = time.perf_counter() - started
    return report
