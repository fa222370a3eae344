"""The desk's scheduled sync with the shop's platform (for the late-order check).

Every ``connector_sync_s`` seconds, when a connector is set, the desk pulls the orders
updated on the platform into the shop database (``live_orders.sync_orders``), so the
delay notices and the agents' view do not depend on a shopper asking first. Several
desks may share the shop database: one takes the sync's lease (``sync_state``) and the
others skip the round; the lease is renewed after each stored batch. A platform that is
down or refuses the key is logged and tried again next round; the desk keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from comptoir.settings import Settings
from comptoir.shop import sync_state
from comptoir.shop.connectors import connector_for
from comptoir.shop.connectors.base import ConnectorError
from comptoir.shop.db import sessions as shop_sessions
from comptoir.shop.live_orders import SyncReport, sync_orders

log = logging.getLogger("comptoir.desk.order_sync")
MIN_LEASE_S = 300.0


def owner_name() -> str:
    """This desk process, as the lease records it."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def first_since(settings: Settings) -> datetime:
    """Where the very first sync starts: as far back as the late-order check looks."""
    return datetime.now(UTC) - timedelta(days=settings.notify_late_max_age_days)


async def sync_once(settings: Settings, owner: str) -> SyncReport | None:
    """One round: the orders updated since the last complete sync; None when another
    desk holds the lease. Raises ``ConnectorError`` (logged by the caller)."""
    factory = shop_sessions(settings.shop_db_url)
    lease_s = max(MIN_LEASE_S, settings.connector_sync_s)
    connector = connector_for(settings)  # a missing setting fails here, before the lease
    assert connector is not None, "sync_once needs a connector"
    held = await asyncio.to_thread(
        sync_state.claim, factory, settings.shop_connector, owner, lease_s
    )
    if held is None:
        await connector.close()
        log.debug("another desk is syncing with %s; skipping this round", settings.shop_connector)
        return None

    async def keep_lease(report: SyncReport) -> None:
        await asyncio.to_thread(sync_state.extend, factory, held, lease_s)

    try:
        report = await sync_orders(
            connector, factory, held.since or first_since(settings), on_batch=keep_lease
        )
    except ConnectorError as error:
        await asyncio.to_thread(sync_state.finish, factory, held, started_at=None, error=str(error))
        raise
    except BaseException as error:  # stopped, or the database failed: free the lease
        problem = type(error).__name__
        await asyncio.to_thread(sync_state.finish, factory, held, started_at=None, error=problem)
        raise
    finally:
        await connector.close()
    await asyncio.to_thread(
        sync_state.finish, factory, held, started_at=report.started_at, orders=report.orders
    )
    return report


async def sync_forever(settings: Settings) -> None:
    """The desk's background task: a sync round every ``connector_sync_s`` seconds."""
    owner = owner_name()
    while True:
        try:
            report = await sync_once(settings, owner)
            if report is not None:
                log.info(
                    "%s: %d orders synced (%d new) in %.1f s",
                    settings.shop_connector,
                    report.orders,
                    report.created,
                    report.seconds,
                )
        except ConnectorError as error:
            log.warning("order sync with %s failed: %s", settings.shop_connector, error)
        except Exception:
            log.exception("order sync with %s failed", settings.shop_connector)
        await asyncio.sleep(settings.connector_sync_s)


def sync_wanted(settings: Settings) -> bool:
    """Whether this desk should run the scheduled sync."""
    return settings.shop_connector != "local" and settings.connector_sync_s > 0
