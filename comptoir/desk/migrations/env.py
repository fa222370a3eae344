"""Alembic environment of the desk database (run by the desk at start-up)."""

from __future__ import annotations

from comptoir.alembic_env import run_migrations
from comptoir.desk.schema import VERSION_TABLE, desk_metadata

run_migrations(desk_metadata(), VERSION_TABLE)
