"""The real stack (action server, Rasa, desk) for end-to-end and security tests, started once per session."""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from comptoir.stack import PROJECT_ROOT, Stack, isolated_stack

COMPTOIR = str(PROJECT_ROOT / ".venv" / "bin" / "comptoir")

# Agents "work" around the clock in the test stack, so a live handoff does not depend on
# when CI runs; out-of-hours behaviour has its own desk (tests/e2e/test_handoff.py).
ALWAYS_OPEN = (
    '{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "00:00", "closes": "23:59:59", '
    '"skip_public_holidays": false}'
)

# The suite sends hundreds of conversations from 127.0.0.1 and opens many sockets on one
# conversation (the scale-out test): test stacks get room, the limits have their own
# tests (tests/security/test_desk_input.py, with small limits given in ``extra_env``).
GENEROUS_LIMITS = {
    "COMPTOIR_LIMIT_NEW_CONVERSATIONS_PER_ADDRESS_PER_HOUR": "100000",
    "COMPTOIR_LIMIT_MESSAGES_PER_ADDRESS_PER_MINUTE": "100000",
    "COMPTOIR_LIMIT_SOCKETS_PER_CONVERSATION": "100",
    "COMPTOIR_LIMIT_TICKETS_PER_CONVERSATION_PER_DAY": "100",
    "COMPTOIR_LIMIT_FEEDBACK_PER_CONVERSATION": "1000",
}


def make_stack(
    model: Path, tmp: Path, extra_env: dict[str, str] | None = None
) -> tuple[Stack, Path]:
    """A stack on free ports, with its own run folder and its own copy of the articles."""
    env = {"COMPTOIR_BUSINESS_HOURS": ALWAYS_OPEN, **GENEROUS_LIMITS, **(extra_env or {})}
    return isolated_stack(model, tmp, env)


@pytest.fixture(scope="session")
def stack_and_knowledge(rasa_model: Path, tmp_path_factory) -> Iterator[tuple[Stack, Path]]:
    # A random token may begin with "-" (one in 64): the shared stack's always does, so
    # a command line that would take it for an option fails every session, not one in 64.
    leading_dash = {"COMPTOIR_RASA_TOKEN": "-" + secrets.token_urlsafe(32)}
    stack, knowledge = make_stack(rasa_model, tmp_path_factory.mktemp("stack"), leading_dash)
    stack.start()
    yield stack, knowledge
    stack.stop()


class TokenKeeper:
    """Keeps each conversation's token from the desk's answers and sends it back, as the
    widget does (a conversation is only readable and writable with its token)."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def on_request(self, request: httpx.Request) -> None:
        found = re.search(r"/api/conversations/([^/]+)/", request.url.path)
        if (
            found
            and found.group(1) in self.tokens
            and "x-conversation-token" not in request.headers
        ):
            request.headers["X-Conversation-Token"] = self.tokens[found.group(1)]

    def on_response(self, response: httpx.Response) -> None:
        if "/api/conversations/" not in response.request.url.path:
            return
        if not response.headers.get("content-type", "").startswith("application/json"):
            return
        response.read()
        data = response.json()
        if isinstance(data, dict) and data.get("conversation_token"):
            self.tokens[data["conversation_id"]] = data["conversation_token"]


def token_client(base_url: str, timeout: float = 60) -> httpx.Client:
    """An HTTP client that behaves like the widget with conversation tokens
    (``client.tokens`` maps conversation ids to their tokens)."""
    keeper = TokenKeeper()
    client = httpx.Client(
        base_url=base_url,
        timeout=timeout,
        event_hooks={"request": [keeper.on_request], "response": [keeper.on_response]},
    )
    client.tokens = keeper.tokens
    return client


@pytest.fixture(scope="session")
def desk(stack_and_knowledge) -> Iterator[httpx.Client]:
    stack, _ = stack_and_knowledge
    with token_client(stack.config.desk_url) as client:
        yield client


@pytest.fixture(scope="session")
def knowledge_dir(stack_and_knowledge) -> Path:
    return stack_and_knowledge[1]


class Chat:
    """A shopper's conversation through the desk API."""

    def __init__(self, client: httpx.Client, lang: str | None = None) -> None:
        self.client = client
        self.id = f"t-{uuid.uuid4().hex[:12]}"
        self.lang = lang

    def say(self, text: str) -> list[dict]:
        body = {"text": text} | ({"lang": self.lang} if self.lang else {})
        response = self.client.post(f"/api/conversations/{self.id}/messages", json=body)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def text(self, text: str) -> str:
        """Everything the bot answered to one message, as one string."""
        return "\n".join(m["text"] for m in self.say(text))


def start_desk(
    port: int, env: dict[str, str], *, log: Path | None = None, **popen: Any
) -> subprocess.Popen:
    """One more desk process (``comptoir desk``) on ``port``, beside the session's stack:
    its output appended to ``log``, or dropped without one."""
    out = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [COMPTOIR, "desk", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        **popen,
    )


def wait_for_health(
    url: str, timeout_s: float, *, healthy: bool = True, process: subprocess.Popen | None = None
) -> bool:
    """Poll the desk at ``url`` until its ``/health`` answers (with 200 when ``healthy``,
    anything otherwise): False when ``timeout_s`` passes first, or ``process`` exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200 or not healthy:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def socket_close_code(url: str, wait_s: float = 10) -> int | None:
    """Open a WebSocket on ``url`` and wait for its first frame: the code the desk closed
    it with, None when it sent a frame instead (or closed without a code)."""

    async def attempt() -> int | None:
        async with connect(url) as socket:
            try:
                await asyncio.wait_for(socket.recv(), wait_s)
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    return asyncio.run(attempt())


@pytest.fixture
def chat(desk) -> Chat:
    return Chat(desk)


@pytest.fixture
def chat_factory(desk):
    return lambda lang=None: Chat(desk, lang)


# ---------------------------------------------------------------- browser (Chromium)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium's own background traffic is refused by this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPLY_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    yield context
    context.close()
