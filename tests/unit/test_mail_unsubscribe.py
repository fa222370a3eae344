"""The e-mail routes of a real desk process: the unsubscribe link and the console's outbox.

A real ``comptoir desk`` runs with its SMTP settings pointing at ``tests.smtp_sink``;
the test queues e-mails in the desk's database, the desk's own worker sends them, and
the links and headers of what arrives are what the test then follows, as a shopper's
mail client would. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from comptoir.desk.db import open_engine, session_factory
from comptoir.desk.mail.outbox import Outbox
from comptoir.desk.mail.unsubscribe import unsubscribe_url, verified_address
from comptoir.desk.schema import upgrade_schema
from comptoir.stack import free_port, random_secrets
from tests.conftest import new_postgres_database
from tests.e2e.test_handoff import Console, add_agent
from tests.mail_fixtures import SmtpSink
from tests.stack_fixtures import start_desk, wait_for_health
from tests.unit.test_mail_outbox import answer, mail_settings, notice


def test_a_link_is_signed_for_its_address_only():
    settings = mail_settings(25, conversation_secret="s" * 40)
    url = unsubscribe_url(settings, "Léa <Lea@Example.fr>")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://aide.atelier-lumiere.example/mail/unsubscribe?")
    assert verified_address(settings, query["a"][0], query["s"][0]) == "lea@example.fr"
    other = parse_qs(urlsplit(unsubscribe_url(settings, "paul@example.fr")).query)
    assert verified_address(settings, other["a"][0], query["s"][0]) is None, "swapped address"
    assert verified_address(settings, query["a"][0], query["s"][0][:-1] + "A") is None
    elsewhere = mail_settings(25, conversation_secret="t" * 40)
    assert verified_address(elsewhere, query["a"][0], query["s"][0]) is None, "another shop"
    assert verified_address(settings, "%%%", "x") is None


@dataclass
class RunningDesk:
    url: str
    env: dict[str, str]
    outbox: Outbox
    sink: SmtpSink


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('desk') / 'desk.db'}"
        return
    with new_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def desk_process(database, tmp_path_factory) -> Iterator[tuple[str, dict[str, str], SmtpSink]]:
    """A desk sending to its own SMTP sink (polling the outbox every half second)."""
    folder = tmp_path_factory.mktemp("mail-desk")
    sink = SmtpSink(free_port(), folder / "maildir", folder / "tempfail").start()
    port = free_port()
    env = {
        **os.environ,
        **random_secrets(),
        "COMPTOIR_DEMO_MODE": "0",
        "COMPTOIR_RUN_DIR": str(folder / "run"),
        "COMPTOIR_DESK_DATABASE_URL": database,
        "COMPTOIR_SMTP_HOST": "127.0.0.1",
        "COMPTOIR_SMTP_PORT": str(sink.port),
        "COMPTOIR_SMTP_SECURITY": "none",
        "COMPTOIR_MAIL_FROM": "Atelier Lumière <support@atelier-lumiere.example>",
        "COMPTOIR_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "COMPTOIR_MAIL_POLL_S": "0.5",
        "COMPTOIR_MAIL_FIRST_RETRY_S": "1",
        "COMPTOIR_MAIL_MAX_ATTEMPTS": "2",
        "COMPTOIR_NOTIFY_QUIET_HOURS": "",  # the tests run at any hour
    }
    process = start_desk(port, env, log=folder / "desk.log")
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for_health(url, 60, healthy=False, process=process), (
            folder / "desk.log"
        ).read_text()
        yield url, env, sink
    finally:
        process.terminate()
        process.wait(timeout=20)
        sink.stop()


@pytest.fixture
async def desk(desk_process, database) -> AsyncIterator[RunningDesk]:
    """The running desk and an outbox on its database (as a purpose module would use)."""
    url, env, sink = desk_process
    await upgrade_schema(database)
    engine = open_engine(database)
    settings = mail_settings(
        sink.port, conversation_secret=env["COMPTOIR_CONVERSATION_SECRET"], public_url=url
    )
    yield RunningDesk(url, env, Outbox(session_factory(engine), settings), sink)
    await engine.dispose()


async def wait_status(outbox: Outbox, mail_id: int, status: str, timeout_s: float = 20) -> str:
    for _ in range(int(timeout_s * 10)):
        if (found := await outbox.status(mail_id)) == status:
            return found
        await asyncio.sleep(0.1)
    return await outbox.status(mail_id) or "unknown"


def received_by(sink: SmtpSink, address: str, count: int = 1) -> list:
    """The messages ``address`` received (waiting until there are ``count``)."""
    for _ in range(100):
        found = [m for m in sink.messages() if m["To"].addresses[0].addr_spec == address]
        if len(found) >= count:
            return found
        sink.wait_for(len(sink.messages()) + 1, timeout_s=0.2)
    return found


async def test_one_click_from_a_received_notice_stops_notices_but_not_answers(desk):
    address = f"lea-{os.urandom(3).hex()}@example.fr"
    settings = desk.outbox.settings
    first = await desk.outbox.enqueue(
        notice(settings, address, "A1"), dedupe_key=f"d1:{address}", purpose="delay_notice"
    )
    assert await wait_status(desk.outbox, first, "sent") == "sent", "the desk's worker sends"
    [message] = received_by(desk.sink, address)
    link = message["List-Unsubscribe"].strip("<>")
    assert link.startswith(desk.url + "/mail/unsubscribe?")

    # What a mail client does with RFC 8058's header: POST the body to the link.
    done = httpx.post(
        link,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200 and address in done.text
    assert "ne recevra plus nos avis" in done.text and "will no longer receive" in done.text
    assert await desk.outbox.opted_out(address)

    later = await desk.outbox.enqueue(
        notice(settings, address, "A2"), dedupe_key=f"d2:{address}", purpose="delay_notice"
    )
    reply = await desk.outbox.enqueue(
        answer(settings, address), dedupe_key=f"a:{address}", purpose="ticket_answer"
    )
    assert later is None
    assert await wait_status(desk.outbox, reply, "sent") == "sent"
    assert [m["Subject"] for m in received_by(desk.sink, address, 2)][1] == (
        "Réponse à votre demande"
    )


async def test_the_link_asks_before_unsubscribing_and_the_button_does_it(desk):
    address = f"paul-{os.urandom(3).hex()}@example.fr"
    link = unsubscribe_url(desk.outbox.settings, address)
    page = httpx.get(link)
    assert page.status_code == 200 and address in page.text
    assert "Me désabonner" in page.text and "Unsubscribe" in page.text
    assert not await desk.outbox.opted_out(address), "opening the link changes nothing"
    action = page.text.split('action="')[1].split('"')[0].replace("&amp;", "&")
    pressed = httpx.post(desk.url + action, data={})
    assert pressed.status_code == 200
    assert await desk.outbox.opted_out(address)


async def test_a_forged_or_altered_link_is_refused_politely(desk):
    address = f"zoe-{os.urandom(3).hex()}@example.fr"
    link = unsubscribe_url(desk.outbox.settings, address)
    forged = unsubscribe_url(mail_settings(25, conversation_secret="x" * 40), address)
    forged = desk.url + forged[forged.index("/mail/") :]
    cut = link[:-3]
    for bad in (forged, cut, desk.url + "/mail/unsubscribe"):
        for method in ("GET", "POST"):
            refused = httpx.request(method, bad, content=b"List-Unsubscribe=One-Click")
            assert refused.status_code == 400, (method, bad)
            assert "n’est pas valide" in refused.text and "is not valid" in refused.text
            assert "Traceback" not in refused.text
    assert not await desk.outbox.opted_out(address)


@pytest.fixture(scope="module")
def people(desk_process) -> dict[str, Console]:
    url, env, _sink = desk_process
    roles = {"agent": "agent", "admin": "admin", "owner": "owner", "editor": "editor"}
    return {name: Console(url, add_agent(env, name.title(), role)) for name, role in roles.items()}


async def test_the_console_shows_the_outbox_to_agents_and_admins(desk, people):
    address = f"camille.durand-{os.urandom(3).hex()}@example.fr"
    mail_id = await desk.outbox.enqueue(
        answer(desk.outbox.settings, address), dedupe_key=f"c:{address}", purpose="ticket_answer"
    )
    await wait_status(desk.outbox, mail_id, "sent")
    seen = {}
    for who in ("agent", "admin"):
        body = people[who].http.get("/console/api/outbox").json()
        assert body["configured"] is True and body["counts"]["sent"] >= 1
        seen[who] = next(m for m in body["mails"] if m["id"] == mail_id)
    assert seen["admin"]["to"] == address
    assert seen["agent"]["to"] == "c•••@example.fr", "agents see the address masked"
    assert seen["agent"]["status"] == "sent" and seen["agent"]["purpose"] == "ticket_answer"
    for who in ("owner", "editor"):
        refused = people[who].http.get("/console/api/outbox")
        assert (refused.status_code, refused.json()["error"]) == (403, "role")
    assert httpx.get(desk.url + "/console/api/outbox").status_code == 401


async def test_a_refused_address_shows_and_an_admin_retries_a_failed_one(desk, people):
    settings = desk.outbox.settings
    bad = f"rejected-{os.urandom(3).hex()}@example.fr"
    rejected = await desk.outbox.enqueue(
        answer(settings, bad), dedupe_key=f"r:{bad}", purpose="ticket_answer"
    )
    assert await wait_status(desk.outbox, rejected, "rejected") == "rejected"
    body = people["admin"].http.get("/console/api/outbox").json()
    row = next(m for m in body["mails"] if m["id"] == rejected)
    assert row["error_kind"] == "rejected" and row["last_error"].startswith(f"550 5.1.1 <{bad}>")
    # The server quoted the address: an agent sees it hidden there too.
    body = people["agent"].http.get("/console/api/outbox").json()
    row = next(m for m in body["mails"] if m["id"] == rejected)
    assert row["last_error"].startswith("550 5.1.1 <r•••@example.fr>") and bad not in str(body)

    desk.sink.fail_temporarily(True)
    try:
        address = f"jules-{os.urandom(3).hex()}@example.fr"
        failing = await desk.outbox.enqueue(
            answer(settings, address), dedupe_key=f"f:{address}", purpose="ticket_answer"
        )
        # Two tries (the desk's setting), a second apart, then given up.
        assert await wait_status(desk.outbox, failing, "failed") == "failed"
        body = people["agent"].http.get("/console/api/outbox").json()
        assert body["counts"]["failed"] >= 1
    finally:
        desk.sink.fail_temporarily(False)

    agent_try = people["agent"].post(f"/outbox/{failing}/retry")
    assert (agent_try.status_code, agent_try.json()["error"]) == (403, "role")
    not_failed = people["admin"].post(f"/outbox/{rejected}/retry")
    assert (not_failed.status_code, not_failed.json()["error"]) == (409, "not_failed")
    assert people["admin"].post("/outbox/999999/retry").status_code == 404
    assert people["admin"].post("/outbox/abc/retry").status_code == 404
    no_csrf = people["admin"].http.post(f"/console/api/outbox/{failing}/retry")
    assert no_csrf.status_code == 403 and await desk.outbox.status(failing) == "failed"

    again = people["admin"].post(f"/outbox/{failing}/retry")
    assert again.status_code == 200 and again.json()["status"] == "pending"
    assert await wait_status(desk.outbox, failing, "sent") == "sent"
    assert len(received_by(desk.sink, address)) == 1


async def test_an_admin_stops_and_restarts_the_notices_to_one_address(desk, people):
    """A shopper asked by phone: « Ne plus envoyer d'avis à cette adresse »."""
    address = f"Lou.{os.urandom(3).hex()}@Example.fr"
    settings = desk.outbox.settings
    stop = people["admin"].post("/outbox/optouts", {"address": f" {address} ", "stop": True})
    assert stop.status_code == 200 and stop.json() == {"opted_out": True, "changed": True}
    assert await desk.outbox.opted_out(address.lower())
    late = notice(settings, address.lower(), "A7")
    assert (
        await desk.outbox.enqueue(late, dedupe_key=f"o1:{address}", purpose="delay_notice") is None
    )
    again = people["admin"].post("/outbox/optouts", {"address": address, "stop": True})
    assert again.json() == {"opted_out": True, "changed": False}

    resume = people["admin"].post("/outbox/optouts", {"address": address, "stop": False})
    assert resume.json() == {"opted_out": False, "changed": True}
    assert not await desk.outbox.opted_out(address)
    mail_id = await desk.outbox.enqueue(
        notice(settings, address.lower(), "A8"), dedupe_key=f"o2:{address}", purpose="delay_notice"
    )
    assert await wait_status(desk.outbox, mail_id, "sent") == "sent"

    for body, code in (
        ({"address": "lea@example.fr\r\nBcc: x@y.fr", "stop": True}, "invalid_address"),
        ({"address": "lea@example.fr, paul@example.fr", "stop": True}, "invalid_address"),
        ({"address": 42, "stop": True}, "invalid_address"),
        ({"address": "lea@example.fr", "stop": "yes"}, "invalid_stop"),
        ({"address": "lea@example.fr"}, "invalid_stop"),
    ):
        refused = people["admin"].post("/outbox/optouts", body)
        assert (refused.status_code, refused.json()["error"]) == (400, code), body
    not_json = people["admin"].http.post(
        "/console/api/outbox/optouts",
        content=b"{",
        headers={"X-CSRF-Token": people["admin"].csrf, "Content-Type": "application/json"},
    )
    assert (not_json.status_code, not_json.json()["error"]) == (400, "invalid_json")
    agent = people["agent"].post("/outbox/optouts", {"address": address, "stop": True})
    assert (agent.status_code, agent.json()["error"]) == (403, "role")
    no_csrf = people["admin"].http.post(
        "/console/api/outbox/optouts", json={"address": address, "stop": True}
    )
    assert no_csrf.status_code == 403 and not await desk.outbox.opted_out(address)
