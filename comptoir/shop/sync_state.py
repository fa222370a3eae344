"""Who runs the scheduled sync with the shop's platform, and from when it goes on.

Several desks may share one shop database. Each wants to sync every
``connector_sync_s``; a lease (one row per platform, taken by a conditional UPDATE that
only one writer can win) lets one of them do it while the others skip that round.
Upserts being idempotent, a lease lost to a crash costs only some repeated work once it
expires. ``synced_until`` moves only after a complete sync, a little before its start,
so an order changed during a sync is fetched again by the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from comptoir.shop.models import ConnectorSync

OVERLAP = timedelta(minutes=5)  # clocks and slow commits on the platform's side


@dataclass(frozen=True)
class Claim:
    """A lease held by ``owner`` on the sync of ``platform``, and where to start."""

    platform: str
    owner: str
    since: datetime | None  # None: the first sync ever


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def claim(factory: sessionmaker, platform: str, owner: str, lease_s: float) -> Claim | None:
    """Take the lease for ``lease_s`` seconds; None when another process holds it."""
    now = datetime.now(UTC)
    with factory() as session:
        if session.get(ConnectorSync, platform) is None:
            try:
                session.add(ConnectorSync(platform=platform, lease_owner="", last_orders=0))
                session.commit()
            except IntegrityError:
                session.rollback()  # another desk created it at the same moment
        taken = session.execute(
            update(ConnectorSync)
            .where(
                ConnectorSync.platform == platform,
                (ConnectorSync.lease_until.is_(None))
                | (ConnectorSync.lease_until < now)
                | (ConnectorSync.lease_owner == owner),
            )
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_s))
        )
        session.commit()
        if taken.rowcount != 1:
            return None
        since = session.scalar(
            select(ConnectorSync.synced_until).where(ConnectorSync.platform == platform)
        )
    return Claim(platform, owner, _aware(since))


def extend(factory: sessionmaker, held: Claim, lease_s: float) -> bool:
    """Keep the lease during a long sync; False when it was lost (expired and taken)."""
    with factory() as session:
        kept = session.execute(
            update(ConnectorSync)
            .where(ConnectorSync.platform == held.platform, ConnectorSync.lease_owner == held.owner)
            .values(lease_until=datetime.now(UTC) + timedelta(seconds=lease_s))
        )
        session.commit()
        return kept.rowcount == 1


def finish(
    factory: sessionmaker,
    held: Claim,
    *,
    started_at: datetime | None,
    orders: int = 0,
    error: str = "",
) -> None:
    """Release the lease; after a complete sync (``started_at``), move ``synced_until``."""
    values: dict[str, object] = {
        "lease_owner": "",
        "lease_until": None,
        "last_finished_at": datetime.now(UTC),
        "last_orders": orders,
        "last_error": error[:300],
    }
    if started_at is not None and not error:
        values["synced_until"] = started_at - OVERLAP
    with factory() as session:
        session.execute(
            update(ConnectorSync)
            .where(ConnectorSync.platform == held.platform, ConnectorSync.lease_owner == held.owner)
            .values(**values)
        )
        session.commit()


def state(factory: sessionmaker, platform: str) -> ConnectorSync | None:
    """The sync's row (for ``comptoir connector check``), None before the first sync."""
    with factory() as session:
        return session.get(ConnectorSync, platform)
