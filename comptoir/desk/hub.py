"""Live delivery of a conversation's new messages to its open WebSockets.

The widget keeps one WebSocket per conversation; whatever is appended to the
conversation (the bot's replies now, an agent's messages later) is pushed to it. Every
message carries its ``seq``, so a reconnecting widget asks for what came after the last
one it saw and gets each message once, in order, whatever was missed while offline.

This hub is in-process: one desk process serves the conversation. Several desk
processes behind one port need a shared bus (Redis pub/sub) with the same interface.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

log = logging.getLogger("comptoir.desk.hub")


class Hub:
    """Fan-out of new messages to the subscribers of each conversation."""

    def __init__(self, queue_size: int = 256) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._queue_size = queue_size

    def subscribe(self, conversation_id: str) -> asyncio.Queue[dict[str, Any]]:
        """A queue that receives every message published to the conversation from now on."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._queue_size)
        self._subscribers[conversation_id].add(queue)
        return queue

    def unsubscribe(self, conversation_id: str, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Stop delivering to ``queue`` (the socket closed)."""
        subscribers = self._subscribers.get(conversation_id)
        if subscribers is not None:
            subscribers.discard(queue)
            if not subscribers:
                del self._subscribers[conversation_id]

    def publish(self, conversation_id: str, message: dict[str, Any]) -> None:
        """Hand a stored message to every open socket of the conversation.

        A socket too slow to keep up is dropped from the hub rather than slowing the
        others; its widget reconnects and catches up from the history by ``seq``.
        """
        for queue in list(self._subscribers.get(conversation_id, ())):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                log.warning("conversation %s: a slow socket was dropped", conversation_id)
                self.unsubscribe(conversation_id, queue)
                _close_quietly(queue)

    @asynccontextmanager
    async def subscription(self, channel: str) -> AsyncIterator[Stream]:
        """Follow a channel for the lifetime of a socket (subscribed on entry)."""
        queue = self.subscribe(channel)
        try:
            yield Stream(queue)
        finally:
            self.unsubscribe(channel, queue)

    def listeners(self, conversation_id: str) -> int:
        """How many sockets follow the conversation (for tests and health)."""
        return len(self._subscribers.get(conversation_id, ()))


CLOSE = {"__close__": True}


def _close_quietly(queue: asyncio.Queue[dict[str, Any]]) -> None:
    """Make room for the close sentinel so the socket loop ends and the widget reconnects."""
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(CLOSE)


class Stream:
    """The messages of one subscription; ``None`` every ``ping_s`` of silence, so the
    socket loop can ping and notice a client that went away."""

    def __init__(self, queue: asyncio.Queue[dict[str, Any]], ping_s: float = 20.0) -> None:
        self._queue = queue
        self._ping_s = ping_s
        self.dropped = False  # True when it ended because the client was too slow

    async def __aiter__(self) -> AsyncIterator[dict[str, Any] | None]:
        while True:
            try:
                item = await asyncio.wait_for(self._queue.get(), timeout=self._ping_s)
            except TimeoutError:
                yield None
                continue
            if item is CLOSE:
                self.dropped = True
                return
            yield item
