"""The desk's database schema, versioned with Alembic.

A shop upgrading Comptoir keeps its conversations, tickets and accounts: each change to
the desk's tables comes as a migration in ``migrations/versions``, applied when the desk
starts. Databases created before migrations existed (by ``create_all``) are recognised
and stamped at the first revision, then upgraded like any other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, inspect
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001_desk"
VERSION_TABLE = "desk_alembic_version"


def desk_metadata() -> MetaData:
    """Every desk table (the modules that declare them are imported here)."""
    from comptoir.desk import accounts, tickets  # noqa: F401  (they register their tables)
    from comptoir.desk.store import Base

    return Base.metadata


def sync_url(url: str) -> str:
    """The same database through a synchronous driver, which Alembic needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        parsed = parsed.set(drivername="sqlite")
    elif parsed.drivername in ("postgresql+asyncpg", "postgresql+psycopg_async"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_desk(url: str) -> None:
    """Bring the desk's tables to the latest revision (idempotent)."""
    url = sync_url(url)
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    config = _config(url)
    if "desk_messages" in tables and VERSION_TABLE not in tables:
        command.stamp(config, BASELINE)  # made by create_all before migrations existed
    command.upgrade(config, "head")
