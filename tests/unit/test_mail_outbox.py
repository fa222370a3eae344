"""The outbox and its worker against a real SMTP server process, on SQLite and PostgreSQL.

Every e-mail here travels over a real socket to ``tests.smtp_sink`` (aiosmtpd in its own
process) and is read back from its Maildir: what a shop's mail server would receive.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from comptoir.cli import main
from comptoir.desk.db import open_engine, session_factory, utc_now
from comptoir.desk.mail.compose import Content, Link, compose
from comptoir.desk.mail.outbox import Outbox, OutboxMail
from comptoir.desk.mail.smtp import SendResult
from comptoir.desk.mail.unsubscribe import unsubscribe_url
from comptoir.desk.mail.worker import MailWorker, retry_delay
from comptoir.desk.schema import upgrade_schema
from comptoir.settings import Settings


def mail_settings(port: int, **changes) -> Settings:
    values = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_timeout_s": 5,
        "mail_from": "Atelier Lumière <support@atelier-lumiere.example>",
        "mail_reply_to": "reponses@atelier-lumiere.example",
        "public_url": "https://aide.atelier-lumiere.example",
        "mail_first_retry_s": 60,
        "mail_max_retry_s": 600,
        "mail_max_attempts": 4,
        "notify_quiet_hours": "",  # the tests run at any hour; the quiet ones are tested apart
        **changes,
    }
    return Settings(**values)


class Desk:
    """One desk process's view of the database: its engine, its outbox, its worker."""

    def __init__(self, url: str, settings: Settings) -> None:
        self.engine = open_engine(url)
        self.outbox = Outbox(session_factory(self.engine), settings)
        self.worker = MailWorker(self.outbox)

    async def make_due(self, mail_id: int) -> None:
        """The next try's time has come (instead of waiting a minute in the test)."""
        async with self.outbox.sessions.begin() as session:
            await session.execute(
                update(OutboxMail).where(OutboxMail.id == mail_id).values(not_before=utc_now())
            )


@pytest.fixture
async def desks(desk_url, smtp_sink) -> AsyncIterator[list[Desk]]:
    """Two desk processes' outboxes on the same (migrated) database."""
    await upgrade_schema(desk_url)
    settings = mail_settings(smtp_sink.port)
    made = [Desk(desk_url, settings), Desk(desk_url, settings)]
    yield made
    for desk in made:
        await desk.engine.dispose()


def notice(settings: Settings, to: str, number: str = "A1042", language: str = "fr"):
    """A delay notice as the notices' module would write it (with its unsubscribe link)."""
    content = Content(
        subject=f"Votre commande {number} aura du retard",
        greeting="Bonjour,",
        paragraphs=("Votre colis a pris du retard ; nous en sommes désolés.",),
        links=(Link("Suivre le colis", "https://suivi.example/XY123"),),
    )
    return compose(
        settings,
        content,
        to=to,
        language=language,
        tag=f"delay-{number}",
        unsubscribe_url=unsubscribe_url(settings, to),
    )


def answer(settings: Settings, to: str, ticket: int = 12):
    """An agent's answer to the shopper's own request (no unsubscribe link)."""
    content = Content(
        subject="Réponse à votre demande",
        greeting="Bonjour,",
        paragraphs=("Votre facture est jointe à votre espace client.",),
    )
    return compose(settings, content, to=to, language="fr", tag=f"ticket-{ticket}")


async def test_an_e_mail_arrives_with_its_headers_and_both_bodies(desks, smtp_sink):
    desk = desks[0]
    settings = desk.outbox.settings
    mail = notice(settings, "Léa Martin <lea@example.fr>")
    mail_id = await desk.outbox.enqueue(
        mail, dedupe_key="delay:A1042:1", purpose="delay_notice", reference="A1042"
    )
    reply = answer(settings, "paul@example.fr")
    reply_id = await desk.outbox.enqueue(reply, dedupe_key="answer:12:1", purpose="ticket_answer")
    assert await desk.outbox.status(mail_id) == "pending"

    assert await desk.worker.run_once() == 2
    received = {m["To"].addresses[0].addr_spec: m for m in smtp_sink.wait_for(2)}
    got = received["lea@example.fr"]
    assert got["From"].addresses[0].addr_spec == "support@atelier-lumiere.example"
    assert got["Reply-To"] == "reponses@atelier-lumiere.example"
    assert got["Subject"] == "Votre commande A1042 aura du retard"
    assert got["Message-ID"] == mail.message_id and got["Date"]
    assert got["List-Unsubscribe"].startswith("<https://aide.atelier-lumiere.example/mail/")
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = got.get_body(("plain",)).get_content()
    html = got.get_body(("html",)).get_content()
    assert "nous en sommes désolés" in text and "https://suivi.example/XY123" in text
    assert "https://suivi.example/XY123" in html and "<html" in html.lower()
    assert "List-Unsubscribe" not in received["paul@example.fr"], "an answer is no notice"
    assert await desk.outbox.status(mail_id) == "sent"
    assert await desk.outbox.status(reply_id) == "sent"
    assert await desk.worker.run_once() == 0, "nothing sent twice"


async def test_the_same_event_queued_twice_by_two_processes_is_sent_once(desks, smtp_sink):
    first, second = desks
    settings = first.outbox.settings
    key = "delay:A2001:2024-05-03"
    queued = await asyncio.gather(
        *(
            desk.outbox.enqueue(
                notice(settings, "lea@example.fr", "A2001"), dedupe_key=key, purpose="delay_notice"
            )
            for desk in (first, second, first, second)
        )
    )
    assert len([q for q in queued if q is not None]) == 1, queued
    again = await second.outbox.enqueue(
        notice(settings, "lea@example.fr", "A2001"), dedupe_key=key, purpose="delay_notice"
    )
    assert again is None, "a restarted desk queuing the same event again"
    await first.worker.run_once()
    await second.worker.run_once()
    assert len(smtp_sink.wait_for(1)) == 1
    await asyncio.sleep(0.3)
    assert len(smtp_sink.messages()) == 1


async def test_two_workers_racing_send_each_e_mail_exactly_once(desks, smtp_sink):
    first, second = desks
    settings = first.outbox.settings
    for number in range(60):
        await first.outbox.enqueue(
            answer(settings, f"client{number}@example.fr", number),
            dedupe_key=f"answer:{number}",
            purpose="ticket_answer",
        )
    for worker in (first.worker, second.worker):
        worker.batch = 7  # many small claims, so the two really interleave

    async def drain(worker: MailWorker) -> int:
        sent = 0
        while claimed := await worker.run_once():
            sent += claimed
        return sent

    counts = await asyncio.gather(drain(first.worker), drain(second.worker))
    assert sum(counts) == 60 and min(counts) > 0, counts
    received = smtp_sink.wait_for(60)
    await asyncio.sleep(0.3)
    addresses = [m["To"].addresses[0].addr_spec for m in smtp_sink.messages()]
    assert len(addresses) == 60 and len(set(addresses)) == 60, len(received)


async def test_a_server_down_means_backoff_then_delivery_nothing_lost(desks, smtp_sink):
    desk = desks[0]
    mail_id = await desk.outbox.enqueue(
        answer(desk.outbox.settings, "lea@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    smtp_sink.stop()
    waits = []
    for attempt in (1, 2, 3):
        before = utc_now()
        assert await desk.worker.run_once() == 1
        state = await desk.outbox.state(mail_id)
        assert (state.status, state.attempts, state.error_kind) == ("pending", attempt, "refused")
        assert state.last_error, "a reason the console can show"
        waits.append((state.not_before - before).total_seconds())
        assert await desk.worker.run_once() == 0, "not due before its next try"
        await desk.make_due(mail_id)
    # 60 s, then 120 s, then 240 s (each plus up to 10 % jitter).
    assert 60 <= waits[0] < 67 and 120 <= waits[1] < 133 and 240 <= waits[2] < 265, waits

    smtp_sink.start()
    assert await desk.worker.run_once() == 1
    assert await desk.outbox.status(mail_id) == "sent"
    assert [m["To"].addresses[0].addr_spec for m in smtp_sink.wait_for(1)] == ["lea@example.fr"]


async def test_a_451_is_retried_and_a_550_is_rejected_for_good(desks, smtp_sink):
    desk = desks[0]
    settings = desk.outbox.settings
    bad = await desk.outbox.enqueue(
        answer(settings, "rejected-user@example.fr"), dedupe_key="a:bad", purpose="ticket_answer"
    )
    good = await desk.outbox.enqueue(
        answer(settings, "lea@example.fr"), dedupe_key="a:good", purpose="ticket_answer"
    )
    smtp_sink.fail_temporarily(True)
    assert await desk.worker.run_once() == 2
    state = await desk.outbox.state(good)
    assert (state.status, state.error_kind) == ("pending", "temporary")
    assert state.last_error.startswith("451")
    rejected = await desk.outbox.state(bad)
    assert (rejected.status, rejected.error_kind) == ("rejected", "rejected")
    assert rejected.last_error.startswith("550")

    smtp_sink.fail_temporarily(False)
    await desk.make_due(good)
    await desk.make_due(bad)
    assert await desk.worker.run_once() == 1, "the rejected one is not tried again"
    assert await desk.outbox.status(good) == "sent"
    assert await desk.outbox.status(bad) == "rejected"
    assert len(smtp_sink.wait_for(1)) == 1


async def test_after_the_last_attempt_an_e_mail_is_failed_not_retried(desks, smtp_sink):
    desk = desks[0]
    mail_id = await desk.outbox.enqueue(
        answer(desk.outbox.settings, "lea@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    smtp_sink.fail_temporarily(True)
    for _ in range(desk.outbox.settings.mail_max_attempts):
        await desk.make_due(mail_id)
        assert await desk.worker.run_once() == 1
    state = await desk.outbox.state(mail_id)
    assert (state.status, state.attempts) == ("failed", 4)
    smtp_sink.fail_temporarily(False)
    await desk.make_due(mail_id)
    assert await desk.worker.run_once() == 0
    assert smtp_sink.messages() == []


async def test_a_worker_killed_mid_send_leaves_it_to_the_next_once_its_lease_ends(desks, smtp_sink):
    first, second = desks
    mail_id = await first.outbox.enqueue(
        answer(first.outbox.settings, "lea@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    claimed = await first.worker.claim()  # ...and the process dies before sending
    assert [row.id for row in claimed] == [mail_id]
    assert await second.worker.run_once() == 0, "leased: nobody else takes it"
    async with first.outbox.sessions.begin() as session:
        expired = utc_now() - timedelta(seconds=1)
        await session.execute(
            update(OutboxMail).where(OutboxMail.id == mail_id).values(lease_until=expired)
        )
    assert await second.worker.run_once() == 1
    assert await second.outbox.status(mail_id) == "sent"
    # The dead worker's late answer changes nothing, and nothing is sent again.
    assert await first.worker.record(claimed[0], SendResult("temporary", "timeout", "x")) is None
    assert await first.outbox.status(mail_id) == "sent"
    assert await first.worker.run_once() == 0 and await second.worker.run_once() == 0
    assert len(smtp_sink.wait_for(1)) == 1


async def test_opted_out_addresses_get_answers_but_no_notices(desks, smtp_sink):
    desk = desks[0]
    settings = desk.outbox.settings
    await desk.outbox.opt_out("Lea@Example.FR", "test")
    assert await desk.outbox.opted_out("Léa <lea@example.fr>")
    skipped = await desk.outbox.enqueue(
        notice(settings, "lea@example.fr"), dedupe_key="d:1", purpose="delay_notice"
    )
    sent = await desk.outbox.enqueue(
        answer(settings, "lea@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    assert skipped is None and sent is not None
    # A notice queued before the opt-out is not sent either.
    queued = await desk.outbox.enqueue(
        notice(settings, "paul@example.fr"), dedupe_key="d:2", purpose="delay_notice"
    )
    await desk.outbox.opt_out("paul@example.fr", "test")
    await desk.worker.run_once()
    assert await desk.outbox.status(queued) == "cancelled"
    assert [m["Subject"] for m in smtp_sink.wait_for(1)] == ["Réponse à votre demande"]


async def test_without_an_smtp_server_e_mails_wait_in_the_outbox(desk_url, smtp_sink):
    await upgrade_schema(desk_url)
    desk = Desk(desk_url, mail_settings(smtp_sink.port, smtp_host=None))
    mail_id = await desk.outbox.enqueue(
        answer(desk.outbox.settings, "lea@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    assert await desk.worker.run_once() == 0
    assert await desk.outbox.status(mail_id) == "pending"
    await desk.engine.dispose()


async def test_the_background_worker_sends_at_once_when_woken(desks, smtp_sink):
    desk = desks[0]
    desk.outbox.settings = desk.worker.settings = mail_settings(smtp_sink.port, mail_poll_s=300)
    task = asyncio.create_task(desk.worker.run_forever())
    try:
        await asyncio.sleep(0.5)  # the worker now waits up to 300 s for something to do
        mail_id = await desk.outbox.enqueue(
            answer(desk.outbox.settings, "lea@example.fr"), dedupe_key="a", purpose="answer"
        )
        for _ in range(100):
            if await desk.outbox.status(mail_id) == "sent":
                break
            await asyncio.sleep(0.1)
        assert await desk.outbox.status(mail_id) == "sent"
    finally:
        task.cancel()


def test_the_backoff_doubles_up_to_its_cap():
    settings = Settings(mail_first_retry_s=60, mail_max_retry_s=600)
    waits = [retry_delay(settings, attempts) for attempts in range(1, 8)]
    assert 60 <= waits[0] <= 66 and 120 <= waits[1] <= 132 and 240 <= waits[2] <= 264, waits
    assert all(600 <= wait <= 660 for wait in waits[4:]), waits


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"smtp_security": "starttls"}, "tls"),
        ({"smtp_security": "tls"}, "tls"),
        ({"smtp_user": "boutique", "smtp_password": "Hunter2-très-secret"}, "auth"),
    ],
)
async def test_wrong_settings_are_named_and_the_password_never_stored(
    desk_url, smtp_sink, changes, kind
):
    await upgrade_schema(desk_url)
    desk = Desk(desk_url, mail_settings(smtp_sink.port, **changes))
    mail_id = await desk.outbox.enqueue(
        answer(desk.outbox.settings, "lea@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    assert await desk.worker.run_once() == 1
    state = await desk.outbox.state(mail_id)
    assert (state.status, state.error_kind) == ("pending", kind), state
    assert "Hunter2" not in state.last_error
    overview = await desk.outbox.overview()
    assert overview.trouble is not None and overview.trouble.error_kind == kind
    assert overview.counts["pending"] == 1 and overview.next_try == state.not_before
    await desk.engine.dispose()


async def test_when_the_server_is_back_what_waited_goes_at_once(desks, smtp_sink):
    desk = desks[0]
    settings = desk.outbox.settings
    smtp_sink.stop()
    waited = await desk.outbox.enqueue(
        answer(settings, "lea@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    await desk.worker.run_once()
    assert (await desk.outbox.state(waited)).not_before > utc_now() + timedelta(seconds=50)
    smtp_sink.start()
    await desk.outbox.enqueue(
        answer(settings, "paul@example.fr"), dedupe_key="a:2", purpose="ticket_answer"
    )
    assert await desk.worker.run_once() == 1, "only the new one was due"
    assert await desk.worker.run_once() == 1, "the one that waited is due again at once"
    assert await desk.outbox.status(waited) == "sent"
    assert len(smtp_sink.wait_for(2)) == 2
    overview = await desk.outbox.overview()
    assert overview.trouble is None and overview.counts["sent"] == 2


@pytest.fixture
def cli_env(tmp_path, monkeypatch, smtp_sink):
    """The command line's settings: a run folder of its own, SMTP to the test server."""
    from comptoir.settings import get_settings

    for name in list(os.environ):
        if name.startswith("COMPTOIR_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    values = {
        "RUN_DIR": str(tmp_path / "run"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_sink.port),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": "Atelier Lumière <support@atelier-lumiere.example>",
    }
    for name, value in values.items():
        monkeypatch.setenv(f"COMPTOIR_{name}", value)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_mail_test_sends_now_and_says_what_the_server_answered(cli_env, smtp_sink, capsys):
    assert main(["mail", "test", "--to", "lea@example.fr"]) == 0
    out = capsys.readouterr().out
    assert "a accepté l'e-mail d'essai pour lea@example.fr" in out
    assert "(réponse : Message accepted for delivery)" in out, "the server's own words"
    [received] = smtp_sink.wait_for(1)
    assert received["Subject"] == "Essai d'envoi de Atelier Lumière"

    assert main(["mail", "test", "--to", "rejected@example.fr", "--lang", "en"]) == 1
    refused = capsys.readouterr().out
    assert "did not go: Address refused by the server" in refused and "550 5.1.1" in refused
    smtp_sink.stop()
    assert main(["mail", "test", "--to", "lea@example.fr"]) == 1
    assert "Le serveur d’envoi ne répond pas" in capsys.readouterr().out
    assert main(["mail", "test", "--to", "pas-une-adresse"]) == 2
    assert "n'est pas une adresse e-mail" in capsys.readouterr().out


async def test_mail_status_counts_and_words_the_trouble(cli_env, smtp_sink, capsys):
    url = cli_env.desk_db_url
    await asyncio.to_thread(main, ["mail", "status"])  # migrates the empty database
    assert "L'envoi fonctionne" in capsys.readouterr().out
    desk = Desk(url, cli_env)
    await desk.outbox.enqueue(
        answer(cli_env, "lea@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    smtp_sink.stop()
    await desk.worker.run_once()
    await desk.engine.dispose()
    assert await asyncio.to_thread(main, ["mail", "status"]) == 0
    out = capsys.readouterr().out
    assert "1 en attente" in out and "0 envoyés" in out
    assert "Dernière erreur : Le serveur d’envoi ne répond pas (connexion refusée)" in out
    assert "Prochain essai le" in out
    assert await asyncio.to_thread(main, ["mail", "status", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["counts"]["pending"] == 1 and figures["trouble"]["error_kind"] == "refused"


async def test_a_notice_held_until_a_local_time_waits_until_that_moment(desks, smtp_sink):
    """A purpose may give ``not_before`` in the shop's time (the end of the quiet hours)."""
    from zoneinfo import ZoneInfo

    desk = desks[0]
    morning = (utc_now() + timedelta(hours=3)).astimezone(ZoneInfo("Europe/Paris"))
    mail_id = await desk.outbox.enqueue(
        notice(desk.outbox.settings, "lea@example.fr"),
        dedupe_key="d:quiet",
        purpose="delay_notice",
        not_before=morning,
    )
    assert (await desk.outbox.state(mail_id)).not_before == morning
    assert await desk.worker.run_once() == 0, "not before 8 h in Paris"
    assert await desk.worker.claim(now=morning + timedelta(seconds=1)), "due from then on"


async def test_staff_stop_and_restart_the_notices_to_one_address(cli_env, capsys):
    """``comptoir mail optout``: a shopper asked by phone; the list only counts."""
    run = asyncio.to_thread
    assert await run(main, ["mail", "optout", "add", "Lea.Martin@Example.fr"]) == 0
    assert "l•••@example.fr ne recevra plus d'avis de retard" in capsys.readouterr().out
    desk = Desk(cli_env.desk_db_url, cli_env)
    try:
        assert await desk.outbox.opted_out("lea.martin@example.fr")
        notice_to = notice(cli_env, "lea.martin@example.fr")
        assert (
            await desk.outbox.enqueue(notice_to, dedupe_key="d:1", purpose="delay_notice") is None
        )
        assert await run(main, ["mail", "optout", "add", "lea.martin@example.fr"]) == 0
        assert "ne recevait déjà plus d'avis" in capsys.readouterr().out
        await desk.outbox.opt_out("paul@example.fr", "unsubscribe-link")

        assert await run(main, ["mail", "optout", "list", "--lang", "en"]) == 0
        listed = capsys.readouterr().out
        assert listed.startswith("2 addresses get no notices (1 from the command line, 1 with")
        assert "lea" not in listed and "paul" not in listed, "only counts: no address is kept"

        assert await run(main, ["mail", "optout", "remove", "lea.martin@example.fr"]) == 0
        assert "recevra de nouveau les avis de retard" in capsys.readouterr().out
        assert not await desk.outbox.opted_out("lea.martin@example.fr")
        again = notice(cli_env, "lea.martin@example.fr", "A2000")
        assert await desk.outbox.enqueue(again, dedupe_key="d:2", purpose="delay_notice")
        assert await run(main, ["mail", "optout", "remove", "lea.martin@example.fr"]) == 0
        assert "n'était pas désabonnée : rien n'a changé" in capsys.readouterr().out
    finally:
        await desk.engine.dispose()
    assert await run(main, ["mail", "optout", "add", "lea@example.fr\nBcc: x@y.fr"]) == 2
    assert "n'est pas une adresse e-mail" in capsys.readouterr().out
    assert await run(main, ["mail", "optout", "remove"]) == 2
    assert "Indiquez l'adresse" in capsys.readouterr().out


def test_notify_late_refuses_while_notices_are_off_unless_forced(cli_env, monkeypatch, capsys):
    """An owner who turned the notices off must not send them by running the check."""
    import sqlite3

    from comptoir.settings import get_settings

    monkeypatch.setenv("COMPTOIR_NOTIFY_LATE_ENABLED", "false")
    monkeypatch.setenv("COMPTOIR_CONVERSATION_SECRET", "c" * 40)
    monkeypatch.setenv("COMPTOIR_NOTIFY_QUIET_HOURS", "")
    get_settings.cache_clear()
    assert main(["demo", "seed"]) == 0
    capsys.readouterr()

    def queued() -> int:
        """E-mails in the outbox (none when the desk database was not even created)."""
        with sqlite3.connect(get_settings().run_dir / "desk.db") as connection:
            tables = connection.execute("select name from sqlite_master where type = 'table'")
            if "mail_outbox" not in {name for (name,) in tables}:
                return 0
            return connection.execute("select count(*) from mail_outbox").fetchone()[0]

    assert main(["notify", "late"]) == 1
    out = capsys.readouterr().out
    assert "Les avis de retard sont désactivés" in out and "--force" in out
    assert main(["notify", "late", "--json", "--lang", "en"]) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "disabled"
    assert queued() == 0
    assert main(["notify", "late", "--dry-run"]) == 0, "seeing what would go is always fine"
    assert "3 avis partiraient" in capsys.readouterr().out and queued() == 0
    assert main(["notify", "late", "--force"]) == 0
    assert "3 avis mis en file d'envoi" in capsys.readouterr().out and queued() == 3
