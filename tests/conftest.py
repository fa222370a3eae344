"""Shared fixtures: real servers, real databases, skipped only when a server is absent."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# One real stack per test session, shared by tests/e2e and tests/security.
pytest_plugins = ["tests.stack_fixtures", "tests.mail_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "COMPTOIR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("COMPTOIR_TEST_REDIS", "redis://127.0.0.1:6379/15")


def port_open(host: str, port: int) -> bool:
    """Whether something listens there (how we tell 'server absent' from a failure)."""
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


@contextmanager
def new_postgres_database() -> Iterator[str]:
    """A brand-new PostgreSQL database, dropped afterwards (skips if there is no server).

    The server is shared with other runs (and CI runs against the server as an earlier
    session left it), so tests never touch the `test` database's own tables: whatever
    schema or Alembic revision an older checkout left there cannot leak into this run.
    """
    if not port_open("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_URL)
    name = f"comptoir_test_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test session's own."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """A database of this test's own, for tests that need one with no tables at all."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not port_open("127.0.0.1", 6379):
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return REDIS_URL


@pytest.fixture(scope="session")
def rasa_model() -> Path:
    """The trained model: from `make test` (COMPTOIR_TEST_MODEL) or trained now."""
    given = os.environ.get("COMPTOIR_TEST_MODEL")
    if given:
        return Path(given)
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "train.sh")], check=True, capture_output=True, text=True
    )
    return Path(out.stdout.strip().splitlines()[-1])
