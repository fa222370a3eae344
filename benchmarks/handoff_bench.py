"""Handoff message latency: a shopper's message reaching the agent's console, live.

``conversations`` shoppers are handed to one agent, who claims them all; then every
shopper sends a message at once, and we time each one from the POST to the moment the
agent's console WebSocket shows it. Nothing here goes through Rasa: it is the desk's
own path (store, pub/sub, socket).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import time
import uuid

import httpx
from websockets.asyncio.client import connect

from comptoir.stack import PROJECT_ROOT, Stack

PASSWORD = "benchmark password"


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
    stack: Stack, client: httpx.Client, conversations: list[str], tokens: dict[str, str]
) -> list[float]:
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws_url = stack.config.desk_url.replace("http", "ws") + "/console/ws"
    sent: dict[str, float] = {}
    latencies: list[float] = []
    async with connect(ws_url, additional_headers={"Cookie": cookie}, max_queue=None) as socket:

        async def receive() -> None:
            while len(latencies) < len(conversations):
                frame = json.loads(await socket.recv())
                message = frame.get("message") or {}
                if frame.get("event") == "message" and message.get("text") in sent:
                    latencies.append((time.perf_counter() - sent[message["text"]]) * 1000)

        async def shopper(http: httpx.AsyncClient, conversation: str) -> None:
            text = f"bench {conversation}"
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
    return latencies


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
    latencies = sorted(asyncio.run(_measure(stack, client, ids, tokens)))
    client.close()
    return {
        "conversations": conversations,
        "delivered": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * len(latencies)) - 1], 1),
        "max_ms": round(latencies[-1], 1),
    }
