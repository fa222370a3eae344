"""Handoff events posted to the shop's own tools (help desk, Slack bridge, CRM).

Each event is a JSON body posted with three headers: ``X-Comptoir-Timestamp`` (Unix
seconds when this attempt was signed), ``X-Comptoir-Delivery`` (an id that stays the
same across retries) and ``X-Comptoir-Signature: sha256=<hex>``, the HMAC-SHA256 with
the shared secret of ``timestamp + "." + delivery + "." + body`` (the exact bytes sent).
A receiver checks all three with ``verify_webhook``: a captured delivery cannot be
re-dated (the timestamp is signed), is refused once older than the replay window, and
refused as a repeat within it when the receiver keeps a ``DeliveryLog``.

Delivery runs in the background so a shopper never waits for a third party, and is
retried with exponential backoff on network errors, 429 and 5xx, each attempt signed
afresh (same delivery id, new timestamp).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

log = logging.getLogger("comptoir.desk.webhook")

TIMESTAMP = "X-Comptoir-Timestamp"
DELIVERY = "X-Comptoir-Delivery"
SIGNATURE = "X-Comptoir-Signature"


def sign(secret: str, timestamp: str, delivery: str, body: bytes) -> str:
    """The ``X-Comptoir-Signature`` value for one attempt."""
    signed = f"{timestamp}.{delivery}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class WebhookRejected(ValueError):
    """A delivery the receiver must refuse; ``reason`` is one of ``missing``,
    ``bad_signature``, ``stale`` (outside the replay window) or ``replayed``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryLog:
    """Delivery ids already accepted, kept as long as the replay window (in memory;
    several receiver processes would share a table or Redis instead)."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}

    def first_time(self, delivery: str, now: float, window: float) -> bool:
        """Remember ``delivery``; ``False`` if it was already accepted."""
        for old in [d for d, at in self._seen.items() if at < now - 2 * window]:
            del self._seen[old]
        if delivery in self._seen:
            return False
        self._seen[delivery] = now
        return True


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    now: float | None = None,
    window: float = 300,
    seen: DeliveryLog | None = None,
) -> str:
    """The delivery id of a genuine, fresh, first-seen delivery; else raises
    ``WebhookRejected``. ``headers`` as received (any case), ``body`` the raw bytes,
    ``window`` the accepted age in seconds (``COMPTOIR_WEBHOOK_REPLAY_WINDOW_S``),
    ``seen`` the receiver's log of accepted ids (without it, repeats within the window
    are not detected: the delivery id is then the receiver's to de-duplicate)."""
    given = {key.lower(): value for key, value in headers.items()}
    timestamp = given.get(TIMESTAMP.lower(), "")
    delivery = given.get(DELIVERY.lower(), "")
    signature = given.get(SIGNATURE.lower(), "")
    if not (timestamp.isdigit() and delivery and signature):
        raise WebhookRejected("missing")
    if not hmac.compare_digest(sign(secret, timestamp, delivery, body), signature):
        raise WebhookRejected("bad_signature")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > window:
        raise WebhookRejected("stale")
    if seen is not None and not seen.first_time(delivery, now, window):
        raise WebhookRejected("replayed")
    return delivery


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
        delay = self.first_delay_s
        for attempt in range(1, self.attempts + 1):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Comptoir-Event": event,
                TIMESTAMP: timestamp,
                DELIVERY: delivery,
                SIGNATURE: sign(self.secret, timestamp, delivery, body),
            }
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
