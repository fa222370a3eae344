"""The bot's first word to a signed-in shopper is said once, even when two tabs open the
widget at the same moment (two ``/hello`` calls racing on a new conversation).

A real ``comptoir desk`` process on the demo shop (Tom has two late orders), SQLite and
PostgreSQL; the calls go over HTTP at once from threads, as two tabs would.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import httpx
import pytest

from comptoir.shop.demo import seed
from comptoir.stack import free_port, random_secrets
from tests.conftest import new_postgres_database
from tests.helpers import customer_identity
from tests.stack_fixtures import start_desk, wait_for_health

TABS = 8


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def desk(request, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """A desk on the demo shop: ``(url, identity secret)``."""
    folder = tmp_path_factory.mktemp("hello")
    (folder / "run").mkdir(mode=0o700)
    seed(f"sqlite:///{folder / 'run' / 'shop.db'}")
    with new_postgres_database() if request.param == "postgres" else nullcontext() as url:
        database = url or f"sqlite+aiosqlite:///{folder / 'desk.db'}"
        secrets = random_secrets()
        env = {
            **os.environ,
            **secrets,
            "COMPTOIR_DEMO_MODE": "0",
            "COMPTOIR_RUN_DIR": str(folder / "run"),
            "COMPTOIR_DESK_DATABASE_URL": database,
        }
        port = free_port()
        process = start_desk(port, env, log=folder / "desk.log")
        url = f"http://127.0.0.1:{port}"
        try:
            assert wait_for_health(url, 60, healthy=False, process=process), (
                folder / "desk.log"
            ).read_text()
            yield url, secrets["COMPTOIR_IDENTITY_SECRET"]
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_two_tabs_opening_the_widget_at_once_are_greeted_once(desk):
    url, secret = desk
    tom = customer_identity("tom.bernard@example.fr", secret, int(time.time()) + 600)
    conversation = f"hello-{uuid.uuid4().hex[:12]}"

    def hello(_: int) -> httpx.Response:
        return httpx.post(
            f"{url}/api/conversations/{conversation}/hello",
            json={"lang": "fr", "customer": tom},
            timeout=30,
        )

    with ThreadPoolExecutor(TABS) as pool:
        answers = list(pool.map(hello, range(TABS)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * (TABS - 1), [a.text for a in answers]
    (first,) = [a.json() for a in answers if a.status_code == 200]
    said = [m["custom"]["order_number"] for m in first["messages"]]
    assert said == ["CMD-10010", "CMD-10003"]  # the demo's two late orders, newest first
    for refused in (a.json() for a in answers if a.status_code == 409):
        assert refused["error"] == "conversation_started"

    history = httpx.get(
        f"{url}/api/conversations/{conversation}/messages",
        headers={"X-Conversation-Token": first["conversation_token"]},
        timeout=30,
    ).json()["messages"]
    assert [(m["sender"], m["custom"]["order_number"]) for m in history] == [
        ("bot", "CMD-10010"),
        ("bot", "CMD-10003"),
    ]
