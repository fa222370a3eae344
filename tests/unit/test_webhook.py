"""Handoff webhooks: signed bodies, retries with backoff, no retry on a refusal."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from comptoir.desk.webhook import WebhookSender, signature_is_valid

SECRET = "shop-webhook-secret"


class Receiver:
    """A real HTTP server that fails the first ``failures`` posts with ``status``."""

    def __init__(self, failures: int, status: int = 503) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = status if len(receiver.received) <= failures else 204
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver_factory():
    made: list[Receiver] = []
    yield lambda *args: made.append(Receiver(*args)) or made[-1]
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
    assert signature_is_valid(SECRET, body, headers["X-Comptoir-Signature"])
    assert not signature_is_valid("another-secret", body, headers["X-Comptoir-Signature"])
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
