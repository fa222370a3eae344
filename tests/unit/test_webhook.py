"""Handoff webhooks: signed deliveries and their check, retries with backoff, no retry on a
refusal."""

from __future__ import annotations

import json
import time

import pytest

from comptoir.desk.webhook import (
    DeliveryLog,
    WebhookRejected,
    WebhookSender,
    sign,
    verify_webhook,
)
from tests.helpers import WebhookReceiver

SECRET = "shop-webhook-secret"


@pytest.fixture
def receiver_factory():
    made: list[WebhookReceiver] = []
    yield lambda *args: made.append(WebhookReceiver(*args)) or made[-1]
    for receiver in made:
        receiver.close()


async def test_event_is_signed_and_retried_until_accepted(receiver_factory):
    receiver = receiver_factory(2)
    sender = WebhookSender(receiver.url, SECRET, attempts=4, first_delay_s=0.05)
    assert await sender.deliver("ticket_opened", {"id": 7, "reason": "refund_overdue"})
    await sender.close()
    assert len(receiver.received) == 3
    deliveries = {headers["X-Comptoir-Delivery"] for headers, _ in receiver.received}
    assert len(deliveries) == 1  # the same delivery id on every retry
    headers, body = receiver.received[-1]
    assert verify_webhook(headers, body, SECRET) == headers["X-Comptoir-Delivery"]
    with pytest.raises(WebhookRejected):
        verify_webhook(headers, body, "another-secret")
    event = json.loads(body)
    assert event["event"] == "ticket_opened" and event["data"]["reason"] == "refund_overdue"


async def test_gives_up_after_the_last_attempt(receiver_factory):
    receiver = receiver_factory(10)
    sender = WebhookSender(receiver.url, SECRET, attempts=3, first_delay_s=0.01)
    assert not await sender.deliver("ticket_opened", {"id": 1})
    await sender.close()
    assert len(receiver.received) == 3


async def test_a_refusal_is_not_retried(receiver_factory):
    receiver = receiver_factory(10, 400)
    sender = WebhookSender(receiver.url, SECRET, attempts=3, first_delay_s=0.01)
    assert not await sender.deliver("ticket_opened", {"id": 1})
    await sender.close()
    assert len(receiver.received) == 1


async def test_an_unreachable_receiver_is_retried_then_given_up():
    sender = WebhookSender("http://127.0.0.1:9/hook", SECRET, attempts=2, first_delay_s=0.01)
    assert not await sender.deliver("ticket_opened", {"id": 1})
    await sender.close()


def delivery(secret: str = SECRET, at: float | None = None, body: bytes = b'{"event":"x"}'):
    """Headers and body as the sender signs them."""
    stamp = str(int(time.time() if at is None else at))
    headers = {
        "X-Comptoir-Timestamp": stamp,
        "X-Comptoir-Delivery": "d-1",
        "X-Comptoir-Signature": sign(secret, stamp, "d-1", body),
    }
    return headers, body


def reason(*args, **kwargs) -> str:
    with pytest.raises(WebhookRejected) as caught:
        verify_webhook(*args, **kwargs)
    return caught.value.reason


def test_the_signature_covers_timestamp_delivery_and_body():
    headers, body = delivery()
    assert verify_webhook(headers, body, SECRET) == "d-1"
    lower = {key.lower(): value for key, value in headers.items()}
    assert verify_webhook(lower, body, SECRET) == "d-1", "header names in any case"
    for name in ("X-Comptoir-Timestamp", "X-Comptoir-Delivery"):
        changed = {**headers, name: headers[name] + "1"}
        assert reason(changed, body, SECRET) == "bad_signature", name
    assert reason(headers, body + b"\n", SECRET) == "bad_signature"
    body_only = {**headers, "X-Comptoir-Signature": sign(SECRET, "", "", body)}
    assert reason(body_only, body, SECRET) == "bad_signature"
    for missing in headers:
        assert reason({k: v for k, v in headers.items() if k != missing}, body, SECRET) == (
            "missing"
        )


def test_old_future_and_repeated_deliveries_are_refused():
    now = time.time()
    headers, body = delivery(at=now - 301)
    assert reason(headers, body, SECRET, now=now, window=300) == "stale"
    assert verify_webhook(headers, body, SECRET, now=now, window=400) == "d-1"
    ahead, body = delivery(at=now + 301)
    assert reason(ahead, body, SECRET, now=now, window=300) == "stale"
    fresh, body = delivery(at=now)
    seen = DeliveryLog()
    assert verify_webhook(fresh, body, SECRET, now=now, seen=seen) == "d-1"
    assert reason(fresh, body, SECRET, now=now + 5, seen=seen) == "replayed"
    forged, _ = delivery(secret="wrong", at=now)
    assert reason(forged, body, SECRET, now=now, seen=DeliveryLog()) == "bad_signature"


async def test_each_retry_is_signed_afresh_with_the_same_delivery_id(receiver_factory):
    receiver = receiver_factory(1)
    sender = WebhookSender(receiver.url, SECRET, attempts=2, first_delay_s=1.1)
    assert await sender.deliver("ticket_opened", {"id": 3})
    await sender.close()
    (first, body), (second, _) = receiver.received
    assert first["X-Comptoir-Delivery"] == second["X-Comptoir-Delivery"]
    assert int(second["X-Comptoir-Timestamp"]) > int(first["X-Comptoir-Timestamp"])
    seen = DeliveryLog()
    assert verify_webhook(second, body, SECRET, seen=seen)
    assert reason(first, body, SECRET, seen=seen) == "replayed", "the receiver saw it once"
