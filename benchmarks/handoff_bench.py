"""Handoff message latency: a shopper's message reaching the agent's console, live.

``conversations`` shoppers are handed to one agent, who claims them all. We time each
shopper message from the POST to the moment the agent's console WebSocket shows it,
twice: in a steady state (each shopper writing about every 10 s, as people type) and in
a burst (every shopper in the same instant, the worst case). Nothing here goes through Rasa: it is the desk's
own path (store, pub/sub, socket).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from comptoir.stack import PROJECT_ROOT, Stack, isolated_stack

PASSWORD = "benchmark password"
STEADY_ROUNDS = 3
STEADY_SPREAD_S = 10.0


def _agent_session(stack: Stack) -> tuple[httpx.Client, str]:
    username = f"bench-{uuid.uuid4().hex[:6]}"
    command = [str(PROJECT_ROOT / ".venv" / "bin" / "comptoir"), "users", "add", username]
    subprocess.run(
        [*command, "--name", "Bench", "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        env=stack.environment(),
    )
    client = httpx.Client(base_url=stack.config.desk_url, timeout=60)
    signed = client.post("/console/api/login", json={"username": username, "password": PASSWORD})
    signed.raise_for_status()
    return client, signed.json()["csrf"]


async def _measure(
    stack: Stack,
    client: httpx.Client,
    conversations: list[str],
    tokens: dict[str, str],
    *,
    rounds: int,
    spread_s: float,
) -> list[float]:
    """Each shopper sends ``rounds`` messages, each at a random moment of a
    ``spread_s``-second window (0 = all at the same instant); latencies in ms."""
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws_url = stack.config.desk_url.replace("http", "ws") + "/console/ws"
    sent: dict[str, float] = {}
    latencies: list[float] = []
    expected = len(conversations) * rounds
    rng = random.Random(7)
    tag = uuid.uuid4().hex[:6]
    async with connect(ws_url, additional_headers={"Cookie": cookie}, max_queue=None) as socket:

        async def receive() -> None:
            while len(latencies) < expected:
                frame = json.loads(await socket.recv())
                message = frame.get("message") or {}
                if frame.get("event") == "message" and message.get("text") in sent:
                    latencies.append((time.perf_counter() - sent[message["text"]]) * 1000)

        async def shopper(http: httpx.AsyncClient, conversation: str) -> None:
            for round_ in range(rounds):
                await asyncio.sleep(rng.uniform(0, spread_s))
                text = f"bench {tag} {conversation} {round_}"
                sent[text] = time.perf_counter()
                await http.post(
                    f"/api/conversations/{conversation}/messages",
                    json={"text": text},
                    headers={"X-Conversation-Token": tokens[conversation]},
                    timeout=120,
                )

        receiver = asyncio.create_task(receive())
        limits = httpx.Limits(max_connections=len(conversations))
        async with httpx.AsyncClient(base_url=stack.config.desk_url, limits=limits) as http:
            await asyncio.gather(*(shopper(http, c) for c in conversations))
        await asyncio.wait_for(receiver, timeout=120)
    return sorted(latencies)


def _figures(latencies: list[float]) -> dict:
    return {
        "delivered": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[max(int(0.95 * len(latencies)) - 1, 0)], 1),
        "max_ms": round(latencies[-1], 1),
    }


def handoff_latency(stack: Stack, conversations: int = 200) -> dict:
    """p50/p95 shopper → agent with ``conversations`` handed-off chats at once."""
    client, csrf = _agent_session(stack)
    ids = [f"handoff-bench-{i}-{uuid.uuid4().hex[:6]}" for i in range(conversations)]
    tokens: dict[str, str] = {}
    with httpx.Client(base_url=stack.config.desk_url, timeout=120) as http:
        for conversation in ids:  # through Rasa: the shopper asks for a person
            reply = http.post(
                f"/api/conversations/{conversation}/messages",
                json={"text": "je veux parler à un conseiller"},
            )
            tokens[conversation] = reply.json()["conversation_token"]
    tickets = client.get("/console/api/tickets").json()["tickets"]
    by_conversation = {t["conversation_id"]: t["id"] for t in tickets}
    for conversation in ids:
        client.post(
            f"/console/api/tickets/{by_conversation[conversation]}/claim",
            headers={"X-CSRF-Token": csrf},
        )
    # Steady: every shopper writes about once every 10 s (20 messages/s in all).
    steady = asyncio.run(
        _measure(stack, client, ids, tokens, rounds=STEADY_ROUNDS, spread_s=STEADY_SPREAD_S)
    )
    # Burst: all of them in the same instant, the worst case.
    burst = asyncio.run(_measure(stack, client, ids, tokens, rounds=1, spread_s=0.0))
    client.close()
    return {
        "conversations": conversations,
        "steady": {
            "messages_per_s": round(conversations / STEADY_SPREAD_S, 1),
            **_figures(steady),
        },
        "burst": _figures(burst),
    }


def _reachable(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _scale_out_env() -> Iterator[dict[str, str] | None]:
    """Two desk processes, PostgreSQL (a fresh database, dropped after) and Redis;
    ``None`` when either server is not running here."""
    if not (_reachable(5432) and _reachable(6379)):
        yield None
        return
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(
        os.environ.get(
            "COMPTOIR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    )
    name = f"comptoir_bench_{uuid.uuid4().hex[:10]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        yield {
            "COMPTOIR_TRACKER_DATABASE_URL": url.replace("+psycopg", ""),
            "COMPTOIR_DESK_DATABASE_URL": url,
            "COMPTOIR_REDIS_URL": "redis://127.0.0.1:6379/14",
            "COMPTOIR_DESK_WORKERS": "2",
        }
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _on_own_stack(model: Path, env: dict[str, str], conversations: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="comptoir-bench-handoff-"))
    stack, _ = isolated_stack(model, folder, env)
    stack.start()
    try:
        return handoff_latency(stack, conversations)
    finally:
        stack.stop()
        shutil.rmtree(folder, ignore_errors=True)


def handoff_runs(model: Path, base_env: dict[str, str], conversations: int) -> dict:
    """The handoff figures on the embedded defaults (one desk process, SQLite) and on
    the scale-out path (two desk processes behind one port, PostgreSQL, Redis)."""
    results = {"embedded": _on_own_stack(model, base_env, conversations)}
    print(f"handoff, embedded (1 desk process, SQLite): {results['embedded']}")
    with _scale_out_env() as scale_env:
        if scale_env is None:
            print("handoff, scale-out: skipped (PostgreSQL or Redis not running)")
        else:
            results["scale_out"] = _on_own_stack(model, base_env | scale_env, conversations)
            print(
                f"handoff, scale-out (2 desk processes, PostgreSQL, Redis): {results['scale_out']}"
            )
    return results
