"""What the widget relies on from the desk: live delivery, retries, CORS, the script."""

from __future__ import annotations

import asyncio
import gzip
import json
import uuid

from websockets.asyncio.client import connect

from tests.stack_fixtures import socket_close_code


def new_id() -> str:
    return f"w-{uuid.uuid4().hex[:16]}"


def test_a_retried_send_is_stored_and_answered_once(desk):
    conversation = new_id()
    body = {"text": "Bonjour", "client_id": "c-1"}
    first = desk.post(f"/api/conversations/{conversation}/messages", json=body)
    again = desk.post(f"/api/conversations/{conversation}/messages", json=body)
    assert first.status_code == 200 and first.json()["messages"]
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["messages"] == []
    history = desk.get(f"/api/conversations/{conversation}/messages").json()["messages"]
    assert [m["sender"] for m in history].count("shopper") == 1


def test_replies_carry_their_seq_and_history_can_resume_after_one(desk):
    conversation = new_id()
    reply = desk.post(f"/api/conversations/{conversation}/messages", json={"text": "Bonjour"})
    seqs = [m["seq"] for m in reply.json()["messages"]]
    assert seqs and seqs[0] == 2  # the shopper's message is seq 1
    later = desk.get(f"/api/conversations/{conversation}/messages", params={"after": 1}).json()
    assert [m["seq"] for m in later["messages"]] == seqs
    bad = desk.get(f"/api/conversations/{conversation}/messages", params={"after": "x"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_after"


def test_the_socket_catches_up_then_pushes_new_messages_once_in_order(desk, stack_and_knowledge):
    stack = stack_and_knowledge[0]
    conversation = new_id()
    desk.post(f"/api/conversations/{conversation}/messages", json={"text": "Bonjour"})
    ws_url = stack.config.desk_url.replace("http", "ws") + f"/api/conversations/{conversation}/ws"

    async def scenario() -> list[dict]:
        seen: list[dict] = []
        token = desk.tokens[conversation]
        async with connect(f"{ws_url}?after=1&token={token}") as socket:
            # Catch-up: what came after seq 1 (the bot's greeting).
            frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
            seen.append(frame["message"])
            # A new message in the conversation arrives live, with the bot's answer.
            await asyncio.to_thread(
                desk.post,
                f"/api/conversations/{conversation}/messages",
                json={"text": "tu es un robot ?"},
            )
            async with asyncio.timeout(60):
                while not (seen[-1]["sender"] == "bot" and len(seen) >= 3):
                    frame = json.loads(await socket.recv())
                    if frame["type"] == "message":
                        seen.append(frame["message"])
        return seen

    seen = asyncio.run(scenario())
    seqs = [m["seq"] for m in seen]
    assert seqs == list(range(2, 2 + len(seqs)))  # each once, in order, none missing
    assert [m["sender"] for m in seen[:3]] == ["bot", "shopper", "bot"]
    assert seen[1]["text"] == "tu es un robot ?"


def test_a_shop_on_another_origin_may_call_the_api(desk):
    conversation = new_id()
    preflight = desk.options(
        f"/api/conversations/{conversation}/messages",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_widget_script_is_served_and_fits_its_budget(desk):
    script = desk.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    assert len(gzip.compress(script.content)) < 30 * 1024
    page = desk.get("/").text
    assert 'data-comptoir-url="http://' in page and "/widget.js" in page


def test_satisfaction_score_is_validated(desk):
    conversation = new_id()
    desk.post(f"/api/conversations/{conversation}/messages", json={"text": "Bonjour"})
    ok = desk.post(f"/api/conversations/{conversation}/satisfaction", json={"score": 4})
    assert ok.status_code == 200
    bad = desk.post(f"/api/conversations/{conversation}/satisfaction", json={"score": 9})
    assert bad.status_code == 400 and "score" in bad.json()["detail"]
    stranger = desk.post(f"/api/conversations/{new_id()}/satisfaction", json={"score": 3})
    assert stranger.status_code == 403  # no token for a conversation you did not start


def test_the_socket_is_closed_to_someone_without_the_token(desk, stack_and_knowledge):
    conversation = new_id()
    desk.post(f"/api/conversations/{conversation}/messages", json={"text": "Bonjour"})
    base = stack_and_knowledge[0].config.desk_url.replace("http", "ws")
    assert socket_close_code(f"{base}/api/conversations/{conversation}/ws?after=0") == 1008
