"""Proactive delay notices, end to end: real desk processes, a real SMTP server.

The shop's back office makes orders late in the shop database (a re-import, as a shop
does); the desks' scheduled check notices and e-mails each shopper once, in their
language, with the dates and the tracking link. Restarting the desk and running a
second desk process on the same databases sends nothing again; a new revised date
sends a second e-mail.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from comptoir.shop import wording
from comptoir.shop.db import sessions as shop_sessions
from comptoir.shop.db import upgrade as upgrade_shop
from comptoir.shop.importer import import_records
from comptoir.shop.lateness import LateRules
from comptoir.stack import free_port, random_secrets
from tests.conftest import new_postgres_database
from tests.helpers import customer_identity
from tests.mail_fixtures import SmtpSink
from tests.stack_fixtures import start_desk, wait_for_health

TODAY = LateRules().today(datetime.now(UTC))  # the shop's day (Paris)
QUIET_PERIODS_S = 4.0  # several check periods (1 s) in which nothing more may arrive


def order(number: str, email: str, language: str, **changes: object) -> dict:
    """An order on its way and on time: due in three days, scanned this morning."""
    tracking = f"6A{number[-5:]}"
    return {
        "number": number,
        "email": email,
        "postcode": "75011",
        "first_name": "Léa" if language == "fr" else "James",
        "placed_at": (datetime.now(UTC) - timedelta(days=4)).isoformat(),
        "status": "in_transit",
        "language": language,
        "promised_delivery": (TODAY + timedelta(days=3)).isoformat(),
        "lines": [{"sku": "LAMP", "name": "Lampe Orsay", "qty": 1, "unit_price": 89}],
        "shipments": [
            {
                "carrier": "colissimo",
                "tracking_number": tracking,
                "tracking_url": f"https://suivi.example/{tracking}",
                "lines": ["LAMP"],
                "events": [
                    {
                        "at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
                        "status": "in_transit",
                    }
                ],
            }
        ],
        **changes,
    }


class Desks:
    """Desk processes sharing one shop database, one desk database and one SMTP server."""

    def __init__(self, folder: Path, desk_url: str, sink: SmtpSink | None) -> None:
        self.folder = folder
        self.shop_url = f"sqlite:///{folder / 'shop.db'}"
        self.sink = sink
        self.env = {
            **os.environ,
            **random_secrets(),
            "COMPTOIR_DEMO_MODE": "0",
            "COMPTOIR_RUN_DIR": str(folder / "run"),
            "COMPTOIR_DESK_DATABASE_URL": desk_url,
            "COMPTOIR_SHOP_DATABASE_URL": self.shop_url,
            "COMPTOIR_MAIL_FROM": "Atelier Lumière <support@atelier-lumiere.example>",
            "COMPTOIR_MAIL_POLL_S": "0.5",
            "COMPTOIR_PUBLIC_URL": "https://aide.atelier-lumiere.example",
            "COMPTOIR_NOTIFY_LATE_CHECK_S": "1",
            "COMPTOIR_NOTIFY_QUIET_HOURS": "",
        }
        if sink is not None:
            self.env |= {
                "COMPTOIR_SMTP_HOST": "127.0.0.1",
                "COMPTOIR_SMTP_PORT": str(sink.port),
                "COMPTOIR_SMTP_SECURITY": "none",
            }
        self.processes: list[subprocess.Popen] = []
        self.urls: list[str] = []
        upgrade_shop(self.shop_url)

    def put(self, *records: dict) -> None:
        """What the shop's back office does: (re-)import orders."""
        with shop_sessions(self.shop_url)() as session:
            assert import_records(session, list(records)).errors == []

    def start(self) -> subprocess.Popen:
        port = free_port()
        log = self.folder / f"desk-{port}.log"
        process = start_desk(port, self.env, log=log)
        url = f"http://127.0.0.1:{port}"
        assert wait_for_health(url, 60, healthy=False, process=process), log.read_text()
        self.processes.append(process)
        self.urls.append(url)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        process.terminate()
        process.wait(timeout=30)
        self.processes.remove(process)

    def stop_all(self) -> None:
        for process in list(self.processes):
            self.stop(process)


@pytest.fixture(params=["sqlite", "postgres"])
def desk_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
        return
    with new_postgres_database() as url:
        yield url


@pytest.fixture
def desks(tmp_path, desk_database, smtp_sink) -> Iterator[Desks]:
    running = Desks(tmp_path, desk_database, smtp_sink)
    yield running
    running.stop_all()


def still(sink: SmtpSink, count: int) -> list[EmailMessage]:
    """The messages after several check periods, asserting none more arrived."""
    time.sleep(QUIET_PERIODS_S)
    found = sink.messages()
    assert len(found) == count, [m["Subject"] for m in found]
    return found


def by_recipient(messages: list[EmailMessage]) -> dict[str, list[EmailMessage]]:
    grouped: dict[str, list[EmailMessage]] = {}
    for message in messages:
        grouped.setdefault(str(message["To"]), []).append(message)
    return grouped


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_a_late_order_gets_one_email_whatever_the_desks_and_a_new_date_a_second(desks):
    french = order("CMD-30001", "lea.martin@example.fr", "fr")
    english = order("CMD-30002", "james.wilson@example.co.uk", "en")
    desks.put(french, english)
    first = desks.start()
    still(desks.sink, 0)  # on time: nothing

    # The back office learns of the delays: a new date for one, a date passed for the other.
    revised = TODAY + timedelta(days=7)
    promised_en = TODAY - timedelta(days=1)
    desks.put(
        {**french, "revised_delivery": revised.isoformat()},
        {**english, "promised_delivery": promised_en.isoformat()},
    )
    received = by_recipient(desks.sink.wait_for(2, timeout_s=30))
    [fr] = received["lea.martin@example.fr"]
    [en] = received["james.wilson@example.co.uk"]

    assert fr["Subject"] == "Votre commande CMD-30001 aura du retard"
    assert fr["From"] == "Atelier Lumière <support@atelier-lumiere.example>"
    assert fr["List-Unsubscribe"].startswith("<https://aide.atelier-lumiere.example/mail/unsub")
    text, html = bodies(fr)
    assert "Bonjour Léa," in text
    promised_fr = wording.day(TODAY + timedelta(days=3), "fr")
    assert f"ne pourra pas arriver le {promised_fr}" in text
    assert f"Nouvelle date de livraison estimée : {wording.day(revised, 'fr')}." in text
    assert "Colissimo, n° de suivi 6A30001" in text
    assert 'href="https://suivi.example/6A30001"' in html
    assert "Suivre le colis 6A30001" in html
    assert "support@atelier-lumiere.example" in text  # how to reach a person

    assert en["Subject"] == "Your order CMD-30002 is running late"
    text, html = bodies(en)
    assert "Hello James," in text
    assert f"was due on {wording.day(promised_en, 'en')}" in text
    assert "We do not have a new date yet" in text
    assert 'href="https://suivi.example/6A30002"' in html
    assert "business hours" in text and "commande" not in text

    still(desks.sink, 2)
    # A restart, and a second desk process on the same databases: nothing new to say.
    desks.stop(first)
    desks.start()
    desks.start()
    still(desks.sink, 2)

    # A new revised date is news: one more e-mail, to that shopper only.
    moved = TODAY + timedelta(days=10)
    desks.put({**french, "revised_delivery": moved.isoformat()})
    messages = desks.sink.wait_for(3, timeout_s=30)
    [again] = [m for m in messages if m["Message-ID"] not in (fr["Message-ID"], en["Message-ID"])]
    assert str(again["To"]) == "lea.martin@example.fr"
    assert f"Nouvelle date de livraison estimée : {wording.day(moved, 'fr')}." in bodies(again)[0]
    still(desks.sink, 3)


# ------------------------------------------------------------- the bot says it first
@contextmanager
def serve_page(body: str) -> Iterator[str]:
    """The shop's own page, served on loopback like a shop's server would (Chromium lets
    a page reach the desk on 127.0.0.1 only from a local address)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/mon-compte"
    finally:
        server.shutdown()
        server.server_close()


def signed(desks: Desks, email: str) -> dict:
    expires = int(time.time()) + 600
    return customer_identity(email, desks.env["COMPTOIR_IDENTITY_SECRET"], expires)


@pytest.fixture
def widget_desk(tmp_path) -> Iterator[Desks]:
    """One desk (no SMTP, no Rasa: the widget's first words need neither)."""
    running = Desks(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}", None)
    running.put(
        order(
            "CMD-30003",
            "lea.martin@example.fr",
            "fr",
            revised_delivery=(TODAY + timedelta(days=6)).isoformat(),
        ),
        order("CMD-30004", "tom.bernard@example.fr", "fr"),  # on time
        order("CMD-30005", "chloe.petit@example.fr", "fr", status="delivery_exception"),
    )
    running.start()
    yield running
    running.stop_all()


@pytest.mark.browser
def test_a_signed_in_shopper_opening_the_widget_is_told_of_their_late_order(widget_desk, context):
    desk = widget_desk.urls[0]
    identity = signed(widget_desk, "lea.martin@example.fr")
    page = context.new_page()
    shop_page = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Boutique</title></head>'
        f'<body><h1>Mon compte</h1><script src="{desk}/widget.js" data-comptoir-url="{desk}" '
        f'data-customer-email="{identity["email"]}" data-customer-signature="{identity["signature"]}" '
        f'data-customer-expires="{identity["expires"]}"></script></body></html>'
    )
    with serve_page(shop_page) as shop:
        page.goto(shop)
    page.get_by_role("button", name=re.compile("Ouvrir la discussion")).click()
    first = page.locator("#comptoir-widget .msg.bot").first
    first.wait_for()
    text = first.inner_text()
    assert "CMD-30003" in text and "toutes nos excuses" in text
    assert wording.day(TODAY + timedelta(days=6), "fr") in text  # the new estimate
    link = first.get_by_role("link", name="Suivre le colis 6A30003")
    assert link.get_attribute("href") == "https://suivi.example/6A30003"
    assert page.locator("#comptoir-widget .msg").count() == 1  # before the shopper wrote

    # Stored like any bot message: the history (what the console's transcript reads) has it.
    conversation = page.evaluate(
        "Object.entries(localStorage).find(([k]) => k.endsWith(':id'))[1]"
    ).strip('"')
    token = page.evaluate(
        "Object.entries(localStorage).find(([k]) => k.endsWith(':token'))[1]"
    ).strip('"')
    history = httpx.get(
        f"{desk}/api/conversations/{conversation}/messages",
        headers={"X-Conversation-Token": token},
    ).json()["messages"]
    assert [(m["sender"], m["custom"].get("kind")) for m in history] == [("bot", "delay_notice")]
    assert history[0]["custom"]["order_number"] == "CMD-30003"


def test_only_the_signed_in_shoppers_own_late_orders_and_never_for_a_guest(widget_desk):
    desk = widget_desk.urls[0]
    with httpx.Client(base_url=desk, timeout=30) as client:

        def hello(conversation: str, **body: object) -> dict:
            answer = client.post(f"/api/conversations/{conversation}/hello", json=body)
            assert answer.status_code == 200, answer.text
            return answer.json()

        on_time = hello("hello-tom", customer=signed(widget_desk, "tom.bernard@example.fr"))
        assert on_time["messages"] == [] and "conversation_token" not in on_time
        with sqlite3.connect(widget_desk.folder / "desk.db") as db:
            started = db.execute("select id from desk_conversations").fetchall()
        assert started == []  # nothing to say: nothing created

        forged = signed(widget_desk, "chloe.petit@example.fr") | {"signature": "0" * 64}
        assert hello("hello-forged", customer=forged)["messages"] == []

        chloe = hello(
            "hello-chloe", lang="en", customer=signed(widget_desk, "chloe.petit@example.fr")
        )
        [said] = chloe["messages"]
        assert "CMD-30005" in said["text"] and "delivery problem" in said["text"]
        assert "CMD-30003" not in said["text"]  # Léa's order is Léa's business
        again = client.post(
            "/api/conversations/hello-chloe/hello",
            json={"customer": signed(widget_desk, "chloe.petit@example.fr")},
        )
        assert again.status_code == 409 and again.json()["error"] == "conversation_started"

        guest = client.post("/api/conversations/hello-guest/hello", json={"lang": "fr"})
        assert guest.status_code == 400 and "customer" in guest.json()["detail"]


def test_a_signed_in_shopper_starting_a_chat_hears_it_before_the_bots_answer(
    desk, stack_and_knowledge
):
    """Through the whole stack (Rasa answers after): the demo shop's Tom has two late
    orders (a moved date, a delivery problem); Léa has none."""
    secret = stack_and_knowledge[0].environment()["COMPTOIR_IDENTITY_SECRET"]
    expires = int(time.time()) + 600
    tom = customer_identity("tom.bernard@example.fr", secret, expires)
    conversation = f"late-{uuid.uuid4().hex[:8]}"
    first = desk.post(
        f"/api/conversations/{conversation}/messages", json={"text": "bonjour", "customer": tom}
    )
    assert first.status_code == 200, first.text
    messages = first.json()["messages"]
    told = [m for m in messages if m["custom"].get("kind") == "delay_notice"]
    assert messages[: len(told)] == told  # first, before the bot's own answer
    assert [m["custom"]["order_number"] for m in told] == ["CMD-10010", "CMD-10003"]
    assert "problème de livraison" in told[0]["text"]
    assert "[Suivre le colis" in told[1]["text"]
    assert len(messages) > len(told)  # and the bot still answers the greeting

    later = desk.post(
        f"/api/conversations/{conversation}/messages", json={"text": "merci", "customer": tom}
    ).json()["messages"]
    assert not [m for m in later if m["custom"].get("kind") == "delay_notice"]

    lea = customer_identity("lea.martin@example.fr", secret, expires)
    other = desk.post(
        f"/api/conversations/late-{uuid.uuid4().hex[:8]}/messages",
        json={"text": "bonjour", "customer": lea},
    ).json()["messages"]
    assert not [m for m in other if m["custom"].get("kind") == "delay_notice"]
