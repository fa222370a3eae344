"""When Rasa or the action server is down, the shopper gets a polite 503 and loses nothing.

This module runs its own stack, because it stops parts of it.
"""

from __future__ import annotations

import httpx
import pytest

from tests.stack_fixtures import make_stack, token_client


@pytest.fixture(scope="module")
def fragile_stack(rasa_model, tmp_path_factory):
    stack, _ = make_stack(rasa_model, tmp_path_factory.mktemp("outage"))
    stack.start()
    yield stack
    stack.stop()


SHOPPER = token_client("http://placeholder")  # the widget's side: keeps the token


def send(stack, conversation: str, text: str) -> httpx.Response:
    return SHOPPER.post(
        f"{stack.config.desk_url}/api/conversations/{conversation}/messages",
        json={"text": text},
    )


def history(stack, conversation: str) -> list[dict]:
    url = f"{stack.config.desk_url}/api/conversations/{conversation}/messages"
    return SHOPPER.get(url).json()["messages"]


def test_actions_down_then_rasa_down(fragile_stack):
    assert send(fragile_stack, "outage-1", "Bonjour").status_code == 200

    fragile_stack.stop_one("actions")
    response = send(fragile_stack, "outage-1", "comment payer en plusieurs fois ?")
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "bot_unavailable"
    assert "n'est pas perdu" in body["messages"][0]["text"]
    saved = history(fragile_stack, "outage-1")[-1]
    assert saved["text"] == "comment payer en plusieurs fois ?" and saved["delivered"] is False

    health = httpx.get(f"{fragile_stack.config.desk_url}/health", timeout=10)
    assert health.status_code == 503 and health.json()["actions"]["ok"] is False

    fragile_stack.stop_one("rasa")
    response = send(fragile_stack, "outage-2", "hello, are you there?")
    assert response.status_code == 503
    assert "not lost" in response.json()["messages"][0]["text"]
    assert history(fragile_stack, "outage-2")[0]["text"] == "hello, are you there?"
