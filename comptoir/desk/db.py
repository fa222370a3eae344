"""The desk's database: its declarative base, its engine and the engine's settings.

Every desk table (history, votes, accounts, tickets) derives from ``Base`` here, and
every part of the desk opens the database through ``open_engine``, so SQLite always
gets the same settings and PostgreSQL the same pool, whoever opens it (the desk
process, the command line, the retention task). The tables' times are written with
``utc_now`` and read back with ``as_utc``. This module imports no other desk module:
the table modules import it, never the reverse.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of the desk's tables."""


def utc_now() -> datetime:
    """Now, in UTC: the time every desk table writes."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A datetime read back from a desk table, in UTC (SQLite gives naive datetimes back;
    they were written in UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL journal: readers do not wait for the writer, and a commit costs no full fsync.

    With the default rollback journal every message meant a synced file rewrite, and a
    burst of shoppers' messages queued behind it. ``busy_timeout`` lets a second desk
    process wait for the lock instead of failing.
    """
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def open_engine(url: str) -> AsyncEngine:
    """An async engine for the desk database (the SQLite folder is created if needed)."""
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, pool_pre_ping=True)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions whose objects stay readable after commit (the desk returns them)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (Alembic and maintenance need it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        parsed = parsed.set(drivername="sqlite")
    elif parsed.drivername in ("postgresql+asyncpg", "postgresql+psycopg_async"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)
