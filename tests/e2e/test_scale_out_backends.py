"""The scale-out path: Rasa's tracker and the desk on PostgreSQL, Rasa's locks in Redis,
and two desk processes behind one port that deliver live messages through Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text
from websockets.asyncio.client import connect

from tests.e2e.test_handoff import Console, add_agent
from tests.stack_fixtures import make_stack, token_client


@pytest.fixture(scope="module")
def server_stack(rasa_model, tmp_path_factory, postgres_url, redis_url):
    tracker_url = postgres_url.replace("+psycopg", "")
    stack, _ = make_stack(
        rasa_model,
        tmp_path_factory.mktemp("pg"),
        {
            "COMPTOIR_TRACKER_DATABASE_URL": tracker_url,
            "COMPTOIR_DESK_DATABASE_URL": postgres_url,
            "COMPTOIR_REDIS_URL": redis_url,
            "COMPTOIR_DESK_WORKERS": "2",
        },
    )
    stack.start()
    yield stack
    stack.stop()


def test_conversation_runs_on_postgres_and_redis(server_stack, postgres_url, redis_url):
    conversation = f"pg-{uuid.uuid4().hex[:10]}"
    redis_client = redis.Redis.from_url(redis_url)
    calls_before = sum(v["calls"] for v in redis_client.info("commandstats").values())
    url = f"{server_stack.config.desk_url}/api/conversations/{conversation}/messages"
    shopper = token_client(server_stack.config.desk_url)
    first = shopper.post(url, json={"text": "Bonjour"})
    assert first.status_code == 200 and "Comptoir" in first.json()["messages"][0]["text"]
    second = shopper.post(url, json={"text": "quels moyens de paiement acceptez-vous ?"})
    assert "PayPal" in "\n".join(m["text"] for m in second.json()["messages"])

    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        events = connection.execute(
            text("select count(*) from events where sender_id = :id"), {"id": conversation}
        ).scalar_one()
        desk_rows = connection.execute(
            text("select count(*) from desk_messages where conversation_id = :id"),
            {"id": conversation},
        ).scalar_one()
    engine.dispose()
    assert events > 4, "Rasa's tracker events must be in PostgreSQL"
    assert desk_rows >= 4, "the desk history must be in PostgreSQL"

    endpoints = (server_stack.config.run_dir / "endpoints.yml").read_text()
    assert "type: redis" in endpoints
    calls_after = sum(v["calls"] for v in redis_client.info("commandstats").values())
    assert calls_after > calls_before + 4, "Rasa must take its conversation locks in Redis"


def workers_behind(desk_url: str) -> set[str]:
    """The desk processes that answered bursts of concurrent requests."""
    seen: set[str] = set()
    with ThreadPoolExecutor(16) as pool:
        for _ in range(5):
            responses = pool.map(lambda _: httpx.get(f"{desk_url}/health", timeout=30), range(32))
            seen |= {r.headers["x-comptoir-worker"] for r in responses}
            if len(seen) > 1:
                break
    return seen


def test_two_desk_processes_deliver_every_message_once_in_order(server_stack):
    desk_url = server_stack.config.desk_url
    assert len(workers_behind(desk_url)) == 2, "two desk processes must share the port"
    conversation = f"pg-{uuid.uuid4().hex[:10]}"
    url = f"{desk_url}/api/conversations/{conversation}/messages"
    token = httpx.post(url, json={"text": "Bonjour"}, timeout=60).json()["conversation_token"]
    mine = {"X-Conversation-Token": token}
    ws_url = (
        desk_url.replace("http", "ws")
        + f"/api/conversations/{conversation}/ws?after=0&token={token}"
    )

    async def follow(socket, until: int) -> list[int]:
        seqs: list[int] = []
        async with asyncio.timeout(60):
            while not seqs or seqs[-1] < until:
                frame = json.loads(await socket.recv())
                if frame["type"] == "message":
                    seqs.append(frame["message"]["seq"])
        return seqs

    async def scenario() -> list[list[int]]:
        # Connecting at once spreads the sockets over both processes.
        sockets = await asyncio.gather(*(connect(ws_url) for _ in range(8)))
        try:
            for text in ("tu es un robot ?", "merci", "au revoir"):
                # A new connection each time: the request lands on either process.
                await asyncio.to_thread(
                    httpx.post, url, json={"text": text}, headers=mine, timeout=60
                )
            history = await asyncio.to_thread(httpx.get, url, headers=mine, timeout=30)
            last = history.json()["messages"][-1]["seq"]
            return await asyncio.gather(*(follow(s, last) for s in sockets))
        finally:
            for socket in sockets:
                await socket.close()

    for seqs in asyncio.run(scenario()):
        assert seqs == list(range(1, len(seqs) + 1))  # each once, in order, none missing


def test_an_agent_on_one_process_reaches_a_shopper_on_the_other(server_stack):
    desk_url = server_stack.config.desk_url
    agent = Console(desk_url, add_agent(server_stack.environment(), "Camille"))
    conversation = f"pg-{uuid.uuid4().hex[:10]}"
    url = f"{desk_url}/api/conversations/{conversation}/messages"
    reply = httpx.post(url, json={"text": "je veux parler à un conseiller"}, timeout=60)
    token = reply.json()["conversation_token"]
    ticket = agent.ticket_of(conversation)
    ws_url = desk_url.replace("http", "ws") + f"/api/conversations/{conversation}/ws"

    async def scenario() -> list[str]:
        texts: list[str] = []
        mine = {"X-Conversation-Token": token}
        last = httpx.get(url, headers=mine, timeout=30).json()["messages"][-1]["seq"]
        follow_url = f"{ws_url}?after={last}&token={token}"
        sockets = await asyncio.gather(*(connect(follow_url) for _ in range(6)))
        try:
            await asyncio.to_thread(agent.post, f"/tickets/{ticket['id']}/claim")
            await asyncio.to_thread(
                agent.post, f"/tickets/{ticket['id']}/messages", {"text": "Bonjour, ici Camille"}
            )
            for socket in sockets:
                async with asyncio.timeout(30):
                    while True:
                        frame = json.loads(await socket.recv())
                        if frame["type"] == "message" and "ici Camille" in frame["message"]["text"]:
                            texts.append(frame["message"]["text"])
                            break
        finally:
            for socket in sockets:
                await socket.close()
        return texts

    assert asyncio.run(scenario()) == ["Bonjour, ici Camille"] * 6


@pytest.mark.browser
def test_the_whole_handoff_in_chromium_on_two_desk_processes(browser, context, server_stack):
    """The widget-and-console handoff again, the two pages served by either process."""
    from tests.e2e.test_widget_browser import person_takes_over

    person_takes_over(
        browser, context, server_stack.config.desk_url + "/", server_stack.environment()
    )
