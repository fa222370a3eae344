"""Unit-test fixtures: the desk's database on both backends, fresh for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from comptoir.desk.schema import upgrade_schema
from comptoir.desk.store import ConversationStore


@pytest.fixture(params=["sqlite", "postgres"])
def desk_url(request, tmp_path) -> str:
    """An empty desk database: SQLite in the test's folder, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    return request.getfixturevalue("fresh_postgres_url")


@pytest.fixture
async def desk_store(desk_url: str) -> AsyncIterator[ConversationStore]:
    """The desk's history store on a migrated database (closed after the test)."""
    await upgrade_schema(desk_url)
    store = ConversationStore(desk_url)
    yield store
    await store.close()


@pytest.fixture
async def sqlite_desk(tmp_path) -> AsyncIterator[tuple[str, ConversationStore]]:
    """A migrated SQLite desk database in the test's folder: its URL and its store."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    await upgrade_schema(url)
    store = ConversationStore(url)
    yield url, store
    await store.close()
