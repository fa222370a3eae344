"""Handoff events posted to the shop's own tools (help desk, Slack bridge, CRM).

Each event is a JSON body signed with HMAC-SHA256 of the exact bytes sent, with the
shared secret: ``X-Comptoir-Signature: sha256=<hex>``. Delivery runs in the background
so a shopper never waits for a third party, and is retried with exponential backoff on
network errors, 429 and 5xx; the ``X-Comptoir-Delivery`` id stays the same across
retries so the receiver can ignore a repeat.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

log = logging.getLogger("comptoir.desk.webhook")


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(secret: str, body: bytes, header: str) -> bool:
    """What a receiver checks (constant-time)."""
    return hmac.compare_digest(sign(secret, body), header or "")


class WebhookSender:
    """Posts events to one URL; ``attempts`` tries with backoff from ``first_delay_s``."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        attempts: int = 5,
        first_delay_s: float = 0.5,
        timeout_s: float = 10.0,
    ) -> None:
        self.url = url
        self.secret = secret
        self.attempts = attempts
        self.first_delay_s = first_delay_s
        self._http = httpx.AsyncClient(timeout=timeout_s)
        self._tasks: set[asyncio.Task[bool]] = set()

    def send(self, event: str, data: dict[str, Any]) -> asyncio.Task[bool]:
        """Deliver in the background; the returned task tells whether it arrived."""
        task = asyncio.get_running_loop().create_task(self.deliver(event, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def deliver(self, event: str, data: dict[str, Any]) -> bool:
        """Post one event until it is accepted (2xx) or the attempts run out."""
        delivery = uuid.uuid4().hex
        body = json.dumps(
            {"event": event, "at": datetime.now(UTC).isoformat(), "data": data},
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Comptoir-Event": event,
            "X-Comptoir-Delivery": delivery,
            "X-Comptoir-Signature": sign(self.secret, body),
        }
        delay = self.first_delay_s
        for attempt in range(1, self.attempts + 1):
            try:
                response = await self._http.post(self.url, content=body, headers=headers)
                if 200 <= response.status_code < 300:
                    return True
                if response.status_code != 429 and response.status_code < 500:
                    log.warning("webhook %s refused (HTTP %s)", event, response.status_code)
                    return False  # the receiver will not change its mind
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as error:
                problem = type(error).__name__
            if attempt < self.attempts:
                log.info("webhook %s attempt %d failed (%s), retry", event, attempt, problem)
                await asyncio.sleep(delay)
                delay *= 2
        log.error("webhook %s not delivered after %d attempts", event, self.attempts)
        return False

    async def close(self) -> None:
        """Let pending deliveries finish (briefly), then close the connections."""
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        await self._http.aclose()
