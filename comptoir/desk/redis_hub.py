"""The hub across desk processes: Redis pub/sub in front of each process's local hub.

With several desk processes behind one port, a shopper's WebSocket and the request
that produces a message for it may land in different processes. Every message is
published to Redis once, in order (one publisher task per process); every process
relays what Redis delivers to its own local subscribers. Messages carry their ``seq``,
and a reconnecting socket catches up from the database, so a message published while
nobody listened is still delivered once, in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as redis

from comptoir.desk.hub import Hub, Stream

log = logging.getLogger("comptoir.desk.redis_hub")
PREFIX = "comptoir:desk:"


class RedisHub:
    """Same interface as :class:`Hub`, shared by every desk process through Redis."""

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url)
        # Pub/sub channels are server-wide, not per database: the database number keeps
        # two deployments (or test runs) on one Redis apart.
        self._prefix = f"{PREFIX}{self._redis.connection_pool.connection_kwargs.get('db', 0)}:"
        self._local = Hub()
        self._outbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = asyncio.Event()

    async def start(self) -> None:
        """Subscribe, then start publishing (nothing is published before we listen)."""
        self._tasks = [
            asyncio.create_task(self._listen(), name="redis-hub-listen"),
            asyncio.create_task(self._publish_loop(), name="redis-hub-publish"),
        ]
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def close(self) -> None:
        """Stop the publisher and the listener, then release the connection."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._redis.aclose()

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        """Queue for Redis; the single publisher keeps this process's order."""
        self._outbox.put_nowait((channel, message))

    @asynccontextmanager
    async def subscription(self, channel: str) -> AsyncIterator[Stream]:
        """Served by the local hub: the listener feeds it what every process published."""
        async with self._local.subscription(channel) as stream:
            yield stream

    def listeners(self, channel: str) -> int:
        """This process's sockets on the channel (as ``Hub.listeners``)."""
        return self._local.listeners(channel)

    async def _publish_loop(self) -> None:
        """One publisher, so this process's messages reach Redis in the order written."""
        while True:
            channel, message = await self._outbox.get()
            payload = json.dumps(message, default=str)
            for attempt in range(5):
                try:
                    await self._redis.publish(self._prefix + channel, payload)
                    break
                except redis.RedisError as error:
                    log.warning("publish to Redis failed (%s), attempt %d", error, attempt + 1)
                    await asyncio.sleep(0.2 * 2**attempt)
            else:  # Redis is down: keep this process's own sockets served at least
                self._local.publish(channel, message)

    async def _listen(self) -> None:
        """Relay every channel from Redis to the local hub; reconnect if Redis drops."""
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(self._prefix + "*")
                    self._ready.set()
                    async for item in pubsub.listen():
                        if item.get("type") != "pmessage":
                            continue
                        channel = item["channel"].decode().removeprefix(self._prefix)
                        self._local.publish(channel, json.loads(item["data"]))
            except asyncio.CancelledError:
                raise
            except redis.RedisError as error:
                # Sockets reconnect and catch up by seq from the database meanwhile.
                log.warning("Redis subscription lost (%s); reconnecting", error)
                await asyncio.sleep(1)
