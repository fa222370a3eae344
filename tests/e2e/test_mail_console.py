"""The console's « E-mails » page in Chromium, against a real desk and a real SMTP server.

A desk of its own (no Rasa needed: only the outbox is used) sends to ``tests.smtp_sink``.
The server goes down with answers waiting: an agent sees the warning above the console
(« Le serveur d'envoi ne répond pas : 3 e-mails en attente, prochain essai à … ») and
the e-mails, addresses masked; in English too. The server comes back, an admin sends a
failed e-mail again from the page, and everything that waited goes out, each once.
"""

from __future__ import annotations

import asyncio
import os
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, update

from comptoir.desk.db import open_engine, session_factory, sync_url
from comptoir.desk.mail.outbox import Outbox, OutboxMail
from comptoir.stack import free_port, random_secrets
from tests.e2e.test_handoff import PASSWORD, add_agent
from tests.helpers import serious_accessibility_violations
from tests.mail_fixtures import SmtpSink
from tests.stack_fixtures import start_desk, wait_for_health
from tests.unit.test_mail_outbox import answer, mail_settings

pytestmark = pytest.mark.browser

PARIS = ZoneInfo("Europe/Paris")
SHOPPERS = ("lea.martin@example.fr", "paul@example.fr", "zoe@example.fr")


@pytest.fixture(scope="module")
def mail_desk(tmp_path_factory):
    """(desk URL, its environment, its SMTP server, its database URL)."""
    folder = tmp_path_factory.mktemp("mail-console")
    sink = SmtpSink(free_port(), folder / "maildir", folder / "tempfail").start()
    port = free_port()
    database = f"sqlite+aiosqlite:///{folder / 'desk.db'}"
    env = {
        **os.environ,
        **random_secrets(),
        "COMPTOIR_DEMO_MODE": "0",
        "COMPTOIR_RUN_DIR": str(folder / "run"),
        "COMPTOIR_DESK_DATABASE_URL": database,
        "COMPTOIR_SMTP_HOST": "127.0.0.1",
        "COMPTOIR_SMTP_PORT": str(sink.port),
        "COMPTOIR_SMTP_SECURITY": "none",
        "COMPTOIR_MAIL_POLL_S": "0.5",
        "COMPTOIR_MAIL_FIRST_RETRY_S": "600",
    }
    process = start_desk(port, env, log=folder / "desk.log")
    url = f"http://127.0.0.1:{port}"
    assert wait_for_health(url, 60, healthy=False, process=process)
    yield url, env, sink, database
    process.terminate()
    process.wait(timeout=20)
    sink.stop()


def in_thread(work):
    """Run an async job beside Playwright's own event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work()).result()


def queue_answers(database: str, port: int) -> list[int]:
    async def work() -> list[int]:
        engine = open_engine(database)
        outbox = Outbox(session_factory(engine), mail_settings(port))
        ids = [
            await outbox.enqueue(
                answer(outbox.settings, to, n), dedupe_key=f"a:{to}", purpose="ticket_answer"
            )
            for n, to in enumerate(SHOPPERS)
        ]
        # Wait until the desk's worker has tried each once (the server is down).
        for _ in range(100):
            states = [await outbox.state(mail_id) for mail_id in ids]
            if all(s.attempts >= 1 and s.status == "pending" for s in states):
                break
            await asyncio.sleep(0.1)
        await engine.dispose()
        return ids

    return in_thread(work)


def next_try(database: str, port: int) -> datetime:
    async def work() -> datetime:
        engine = open_engine(database)
        overview = await Outbox(session_factory(engine), mail_settings(port)).overview()
        await engine.dispose()
        return overview.next_try

    return in_thread(work)


def signed_in(browser, url: str, username: str):
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url + "/console/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    return context, page, problems


def test_sending_trouble_shows_then_an_admin_sends_a_failed_one_again(browser, mail_desk):
    url, env, sink, database = mail_desk
    sink.stop()
    ids = queue_answers(database, sink.port)
    at = next_try(database, sink.port).astimezone(PARIS)

    # An agent: the warning above the queue, then the E-mails page.
    context, page, problems = signed_in(browser, url, add_agent(env, "Camille"))
    try:
        warning = page.locator("#mail-warning")
        expected = f"Le serveur d'envoi ne répond pas : 3 e-mails en attente, prochain essai à {at.hour:02d} h {at.minute:02d}."
        warning.get_by_text(expected).wait_for()
        page.get_by_role("navigation", name="Pages de la console").get_by_role(
            "link", name="E-mails"
        ).click()
        rows = page.locator("#outbox-body tbody tr")
        rows.nth(2).wait_for()
        texts = rows.all_inner_texts()
        assert len(texts) == 3 and all("en attente" in text for text in texts), texts
        assert any("l•••@example.fr" in text for text in texts)
        assert not any("lea.martin" in text for text in texts), "agents see addresses masked"
        assert all(
            "Le serveur d'envoi ne répond pas" in text and "Prochain essai" in text
            for text in texts
        )
        assert page.get_by_role("button", name=re.compile("Renvoyer")).count() == 0
        assert serious_accessibility_violations(page, "#outbox") == []

        page.get_by_role("button", name="English").click()
        warning.get_by_text(
            f"The mail server does not answer: 3 e-mails waiting, next try at {at:%H:%M}."
        ).wait_for()
        assert page.get_by_role("columnheader", name="Tries").is_visible()
        assert problems == []
    finally:
        context.close()

    # One of them used all its tries meanwhile; the server comes back.
    engine = create_engine(sync_url(database))
    with engine.begin() as connection:
        connection.execute(
            update(OutboxMail).where(OutboxMail.id == ids[0]).values(status="failed")
        )
    engine.dispose()
    sink.start()

    context, page, problems = signed_in(browser, url, add_agent(env, "Margaux", "admin"))
    try:
        page.goto(url + "/console/#emails")
        failed = page.locator(f'#outbox-body tr[data-id="{ids[0]}"]')
        assert "abandonné après plusieurs essais" in failed.inner_text()
        assert "lea.martin@example.fr" in failed.inner_text(), "admins see the full address"
        failed.get_by_role("button", name="Renvoyer l'e-mail à lea.martin@example.fr").click()
        page.get_by_text("L'e-mail repart : il sera envoyé dans quelques secondes.").wait_for()
        received = sink.wait_for(3, timeout_s=20)
        recipients = sorted(m["To"].addresses[0].addr_spec for m in received)
        assert recipients == sorted(SHOPPERS), "the retried one, and those that waited, once each"
        page.reload()
        page.locator('#outbox-body tr[data-status="sent"]').nth(2).wait_for()
        assert page.locator("#mail-warning").is_hidden()
        assert problems == []
    finally:
        context.close()


def opted_out(database: str, env: dict[str, str], address: str) -> bool:
    async def work() -> bool:
        engine = open_engine(database)
        settings = mail_settings(25, conversation_secret=env["COMPTOIR_CONVERSATION_SECRET"])
        found = await Outbox(session_factory(engine), settings).opted_out(address)
        await engine.dispose()
        return found

    return in_thread(work)


def test_an_admin_stops_then_restarts_the_notices_to_one_address(browser, mail_desk):
    """A shopper asked by phone to get no more delay notices, then changed their mind."""
    url, env, _sink, database = mail_desk
    address = "camille.durand@example.fr"
    context, page, problems = signed_in(browser, url, add_agent(env, "Inès", "admin"))
    try:
        page.goto(url + "/console/#emails")
        form = page.locator("#optout-form")
        form.get_by_role("heading", name="Avis de retard pour un client").wait_for()
        said = form.get_by_role("status")
        field = form.get_by_label("Adresse e-mail du client")

        field.fill("camille.durand@example")  # no dot in the domain: refused, nothing sent
        form.get_by_role("button", name="Ne plus envoyer d'avis à cette adresse").click()
        said.get_by_text(
            "Indiquez une seule adresse e-mail, par exemple lea@exemple.fr."
        ).wait_for()
        assert field.get_attribute("aria-invalid") == "true"

        field.fill(address)
        form.get_by_role("button", name="Ne plus envoyer d'avis à cette adresse").click()
        said.get_by_text(f"{address} ne recevra plus d'avis de retard.").wait_for()
        assert opted_out(database, env, address)
        assert serious_accessibility_violations(page, "#outbox") == []

        page.get_by_role("button", name="English").click()
        said.get_by_text(f"{address} will no longer get delay notices.").wait_for()
        form.get_by_role("button", name="Send notices to this address again").click()
        said.get_by_text(
            f"{address} will get delay notices again, from the next delay found."
        ).wait_for()
        assert not opted_out(database, env, address)
        form.get_by_role("button", name="Send notices to this address again").click()
        said.get_by_text(f"{address} was already getting notices: nothing changed.").wait_for()
        assert problems == []
    finally:
        context.close()

    # An agent has no such form: the desk would refuse them anyway (403).
    context, page, problems = signed_in(browser, url, add_agent(env, "Hugo"))
    try:
        page.goto(url + "/console/#emails")
        page.locator("#outbox-body").get_by_role("heading", name="Derniers e-mails").wait_for()
        assert page.locator("#optout-form").count() == 0
        assert problems == []
    finally:
        context.close()
