"""The desk's database schema, versioned with Alembic.

A shop upgrading Comptoir keeps its conversations, tickets and accounts: each change to
the desk's tables comes as a migration in ``migrations/versions``, applied when the desk
starts (and by the command line before it touches the database). Databases created
before migrations existed (by ``create_all``) are recognised and stamped at the first
revision, then upgraded like any other.

This module sits above the table modules: it imports them all (so that the metadata is
complete) and none of them imports it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, inspect
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from comptoir.desk import accounts, late_notices, shop_notices, store, ticket_mail, tickets, votes
from comptoir.desk.db import Base, sync_url
from comptoir.desk.mail import outbox as mail_outbox
from comptoir.desk.reports import tables as report_tables

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001_desk"
VERSION_TABLE = "desk_alembic_version"
TABLE_MODULES = (
    store,
    votes,
    accounts,
    tickets,
    report_tables,
    mail_outbox,
    ticket_mail,
    shop_notices,
    late_notices,
)
"""Each declares its tables on ``Base`` when imported; listed so none is forgotten."""


def desk_metadata() -> MetaData:
    """Every desk table (what the migrations must describe, checked by the tests)."""
    return Base.metadata


def _config(url: str) -> Config:
    """Alembic's configuration without an ini file (the URL's ``%`` escaped for it)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_desk(url: str) -> None:
    """Bring the desk's tables to the latest revision (idempotent, blocking)."""
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


async def upgrade_schema(url: str) -> None:
    """``upgrade_desk`` off the event loop, safe when several processes start together.

    Two processes starting together may both find a table missing; the loser of that
    race sees "already exists" and simply checks again.
    """
    for attempt in range(3):
        try:
            await asyncio.to_thread(upgrade_desk, url)
            return
        except (IntegrityError, ProgrammingError, OperationalError):
            if attempt == 2:
                raise
            await asyncio.sleep(0.5)
