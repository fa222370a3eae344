"""Load generator, run as its own process: conversations over loopback, bounded in count.

Usage: python -m benchmarks.load TARGET URL CONCURRENCY CONVERSATIONS
TARGET is "desk" (POST /api/conversations/{id}/messages) or "rasa" (the REST channel).
Prints one JSON object: latencies in ms, turns per second, errors.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid

import httpx

TURNS = [
    "Bonjour",
    "tu es un robot ?",
    "combien de temps pour être remboursé ?",
    "merci beaucoup",
    "au revoir",
]


async def conversation(
    client: httpx.AsyncClient, target: str, url: str, latencies: list[float], errors: list[str]
) -> None:
    conversation_id = f"bench-{uuid.uuid4().hex[:12]}"
    token = {}  # the conversation token, as the widget keeps it after the first answer
    for text in TURNS:
        started = time.perf_counter()
        try:
            if target == "desk":
                response = await client.post(
                    f"{url}/api/conversations/{conversation_id}/messages",
                    json={"text": text},
                    headers=token,
                )
                if response.status_code == 200:
                    token = {"X-Conversation-Token": response.json()["conversation_token"]}
            else:
                response = await client.post(
                    f"{url}/webhooks/rest/webhook",
                    json={"sender": conversation_id, "message": text, "metadata": {"lang": "fr"}},
                )
            if response.status_code != 200:
                errors.append(str(response.status_code))
                continue
        except httpx.HTTPError as error:
            errors.append(type(error).__name__)
            continue
        latencies.append((time.perf_counter() - started) * 1000)


async def main(target: str, url: str, concurrency: int, conversations: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=concurrency)
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def bounded() -> None:
            async with semaphore:
                await conversation(client, target, url, latencies, errors)

        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(bounded() for _ in range(conversations))), 900)
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    return {
        "target": target,
        "concurrency": concurrency,
        "turns": len(latencies),
        "errors": len(errors),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "turns_per_s": round(len(latencies) / elapsed, 1),
    }


if __name__ == "__main__":
    target, url, concurrency, conversations = sys.argv[1:5]
    print(json.dumps(asyncio.run(main(target, url, int(concurrency), int(conversations)))))
