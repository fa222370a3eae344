"""The real stack (action server, Rasa, desk) for end-to-end and security tests, started once per session."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from comptoir.stack import Stack, isolated_stack

# Agents "work" around the clock in the test stack, so a live handoff does not depend on
# when CI runs; out-of-hours behaviour has its own desk (tests/e2e/test_handoff.py).
ALWAYS_OPEN = (
    '{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "00:00", "closes": "23:59:59", '
    '"skip_public_holidays": false}'
)


def make_stack(
    model: Path, tmp: Path, extra_env: dict[str, str] | None = None
) -> tuple[Stack, Path]:
    """A stack on free ports, with its own run folder and its own copy of the articles."""
    return isolated_stack(model, tmp, {"COMPTOIR_BUSINESS_HOURS": ALWAYS_OPEN, **(extra_env or {})})


@pytest.fixture(scope="session")
def stack_and_knowledge(rasa_model: Path, tmp_path_factory) -> Iterator[tuple[Stack, Path]]:
    stack, knowledge = make_stack(rasa_model, tmp_path_factory.mktemp("stack"))
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
