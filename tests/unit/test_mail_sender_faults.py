"""The sender when things go wrong: a row that cannot be sent, a server refusing the
session, a slow server, addresses in the server's answers, notices in the quiet hours.

Same setting as ``test_mail_outbox``: two desks' outboxes on one real database (SQLite
and PostgreSQL), a real SMTP server process (``tests.smtp_sink``) made to refuse or to
take its time, and what it received read back from its Maildir.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from comptoir.desk.db import utc_now
from comptoir.desk.mail.api import overview_json
from comptoir.desk.mail.outbox import OutboxMail
from comptoir.desk.schema import upgrade_schema
from tests.unit.test_mail_outbox import Desk, answer, mail_settings, notice


@pytest.fixture
async def desks(desk_url, smtp_sink) -> AsyncIterator[list[Desk]]:
    """Two desk processes' outboxes on the same (migrated) database."""
    await upgrade_schema(desk_url)
    made = [Desk(desk_url, mail_settings(smtp_sink.port)) for _ in range(2)]
    yield made
    for desk in made:
        await desk.engine.dispose()


def received(sink) -> list[str]:
    """The recipient of every message the server took, in order."""
    return [m["To"].addresses[0].addr_spec for m in sink.messages()]


async def change_row(desk: Desk, mail_id: int, **values) -> None:
    """What a database can hold whatever the code that wrote it (an older desk, a bug)."""
    async with desk.outbox.sessions.begin() as session:
        await session.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(**values))


def use(desk: Desk, **changes) -> None:
    """Other settings for this desk's outbox and worker."""
    settings = mail_settings(desk.outbox.settings.smtp_port, **changes)
    desk.outbox.settings = desk.worker.settings = settings


# ------------------------------------------------------------ a row that cannot be sent
async def test_a_row_that_cannot_become_a_message_is_rejected_alone(desks, smtp_sink, caplog):
    """A line break in a stored address (a platform's order e-mail) or subject made the
    MIME library raise: the batch stopped, its rows stayed ``sending`` and came back
    first after every lease, for ever. Now that row is rejected and the others go."""
    desk = desks[0]
    settings = desk.outbox.settings
    ids = [
        await desk.outbox.enqueue(
            answer(settings, f"client{n}@example.fr", n), dedupe_key=f"a:{n}", purpose="answer"
        )
        for n in range(4)
    ]
    await change_row(desk, ids[1], to_address="lea@example.fr\r\nBcc: spy@evil.example")
    await change_row(desk, ids[2], subject="Votre commande\r\nBcc: spy@evil.example")
    caplog.set_level(logging.INFO, logger="comptoir.mail")

    assert await desk.worker.run_once() == 4
    states = [await desk.outbox.state(mail_id) for mail_id in ids]
    assert [(s.status, s.error_kind) for s in states] == [
        ("sent", ""),
        ("rejected", "bad_address"),
        ("rejected", "bad_message"),
        ("sent", ""),
    ]
    assert "ValueError" in states[2].last_error, "the reason, for the admin"
    assert sorted(received(smtp_sink)) == ["client0@example.fr", "client3@example.fr"]
    assert await desk.worker.run_once() == 0, "nothing left half-sent to come back"
    assert "spy@evil.example" not in caplog.text and "lea@example.fr" not in caplog.text


async def test_a_row_whose_desk_died_on_its_last_try_is_given_up(desks, smtp_sink):
    """A try counts when it is claimed; a row that took its desk down on each of its
    tries allowed used to be claimed again after every lease, for ever."""
    first, second = desks
    mail_id = await first.outbox.enqueue(
        answer(first.outbox.settings, "lea@example.fr"), dedupe_key="a:1", purpose="answer"
    )
    for _ in range(first.outbox.settings.mail_max_attempts):
        assert [row.id for row in await first.worker.claim()] == [mail_id]
        # ...and the desk dies mid-send: the lease runs out.
        await change_row(first, mail_id, lease_until=utc_now() - timedelta(seconds=1))

    assert await second.worker.run_once() == 0
    state = await second.outbox.state(mail_id)
    assert (state.status, state.attempts, state.error_kind) == ("failed", 4, "interrupted")
    overview = overview_json(await second.outbox.overview(), admin=False)
    assert overview["counts"]["failed"] == 1, "the console counts it among the given up"
    assert await second.outbox.retry_failed(mail_id), "an admin may give it another round"
    assert await second.worker.run_once() == 1
    assert received(smtp_sink) == ["lea@example.fr"]


async def test_what_can_never_be_sent_is_refused_when_queued(desks, smtp_sink, caplog):
    desk = desks[0]
    settings = desk.outbox.settings
    caplog.set_level(logging.WARNING, logger="comptoir.mail")
    good = answer(settings, "lea@example.fr")
    bad_addresses = [
        "lea@example.fr\r\nBcc: spy@evil.example",
        "lea@example.fr, paul@example.fr",
        "pas-une-adresse",
        "lea@localhost",
        "",
    ]
    for number, address in enumerate(bad_addresses):
        mail = replace(good, to=address)
        assert await desk.outbox.enqueue(mail, dedupe_key=f"bad:{number}", purpose="answer") is None
    broken = replace(good, subject="Bonjour\nBcc: spy@evil.example")
    assert await desk.outbox.enqueue(broken, dedupe_key="bad:subject", purpose="answer") is None
    async with desk.outbox.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMail)) == 0
    assert "not one well-formed address" in caplog.text and "line break" in caplog.text
    assert "lea@example.fr" not in caplog.text and "l•••@example.fr" in caplog.text
    assert "\r\nBcc" not in caplog.text, "one log line per refusal"
    named = replace(good, to="Léa Martin <lea@example.fr>")
    assert await desk.outbox.enqueue(named, dedupe_key="good", purpose="answer") is not None


# ------------------------------------------------------------ the server's refusals
async def test_a_server_refusing_the_session_keeps_the_e_mails_for_later(desks, smtp_sink):
    """A 5xx to EHLO (or the greeting, or AUTH) is the server's trouble, not the
    shoppers' addresses: the e-mails wait and go once it serves again."""
    desk = desks[0]
    settings = desk.outbox.settings
    ids = [
        await desk.outbox.enqueue(
            answer(settings, to, n), dedupe_key=f"a:{to}", purpose="ticket_answer"
        )
        for n, to in enumerate(("lea@example.fr", "paul@example.fr"))
    ]
    smtp_sink.refuse_sessions(True)
    assert await desk.worker.run_once() == 2
    for mail_id in ids:
        state = await desk.outbox.state(mail_id)
        assert (state.status, state.error_kind) == ("pending", "unavailable"), state
        assert state.last_error.startswith("554")
    overview = await desk.outbox.overview()
    assert overview.trouble is not None and overview.trouble.error_kind == "unavailable"

    smtp_sink.refuse_sessions(False)
    for mail_id in ids:
        await desk.make_due(mail_id)
    assert await desk.worker.run_once() == 2
    assert [await desk.outbox.status(mail_id) for mail_id in ids] == ["sent", "sent"]
    assert sorted(received(smtp_sink)) == ["lea@example.fr", "paul@example.fr"]


async def test_agents_and_logs_see_the_servers_answer_with_the_address_hidden(
    desks, smtp_sink, caplog
):
    """The server quotes the recipient (« 550 5.1.1 <rejected-lea@example.fr>: … »)."""
    desk = desks[0]
    caplog.set_level(logging.DEBUG, logger="comptoir.mail")
    address = "rejected-lea.martin@example.fr"
    mail_id = await desk.outbox.enqueue(
        answer(desk.outbox.settings, address), dedupe_key="a:1", purpose="ticket_answer"
    )
    await desk.worker.run_once()
    state = await desk.outbox.state(mail_id)
    assert state.status == "rejected" and address in state.last_error, "kept whole for admins"

    overview = await desk.outbox.overview()
    for_admin = overview_json(overview, admin=True)["mails"][0]
    for_agent = overview_json(overview, admin=False)["mails"][0]
    assert for_admin["last_error"] == state.last_error
    assert for_agent["last_error"].startswith("550 5.1.1 <r•••@example.fr>")
    assert address not in str(for_agent)
    assert "r•••@example.fr" in caplog.text and address not in caplog.text


# ------------------------------------------------------------ a slow server
async def test_a_slow_server_never_lets_a_second_desk_send_the_same_e__mail(desks, smtp_sink):
    """Each message takes 6.5 s; the first desk's lease is 12 s. Without a renewal the
    lease runs out during the second message, the other desk claims it and sends it
    too: the shopper gets it twice."""
    first, second = desks
    for desk in desks:
        use(desk, smtp_timeout_s=8)
    first.worker.lease_s = 12
    smtp_sink.slow_down(6.5)
    ids = [
        await first.outbox.enqueue(
            answer(first.outbox.settings, f"slow-{n}@example.fr", n),
            dedupe_key=f"slow:{n}",
            purpose="ticket_answer",
        )
        for n in range(2)
    ]
    sending = asyncio.create_task(first.worker.run_once())
    taken_over = 0
    while not sending.done():
        taken_over += await second.worker.run_once()
        await asyncio.sleep(0.2)
    assert await sending == 2
    assert taken_over == 0, "the other desk found nothing to claim"
    assert [await first.outbox.status(mail_id) for mail_id in ids] == ["sent", "sent"]
    await asyncio.sleep(0.5)
    assert sorted(received(smtp_sink)) == ["slow-0@example.fr", "slow-1@example.fr"]


async def test_a_row_another_desk_took_over_is_not_sent_by_the_first(desks, smtp_sink):
    """When the renewal finds a row no longer ours (its lease had run out and another
    desk claimed it), it is left to its new owner: one e-mail, one record."""
    first, second = desks
    settings = first.outbox.settings
    ids = [
        await first.outbox.enqueue(answer(settings, to, n), dedupe_key=to, purpose="answer")
        for n, to in enumerate(("lea@example.fr", "paul@example.fr"))
    ]
    claimed = await first.worker.claim()
    await change_row(first, ids[1], lease_until=utc_now() - timedelta(seconds=1))
    assert await second.worker.run_once() == 1  # paul's, taken over
    await first.worker._send(claimed, lease_end=0.0)  # the first desk, late: it renews
    assert [await first.outbox.status(mail_id) for mail_id in ids] == ["sent", "sent"]
    await asyncio.sleep(0.3)
    assert sorted(received(smtp_sink)) == ["lea@example.fr", "paul@example.fr"]


# ------------------------------------------------------------ quiet hours
def quiet_window(start: datetime, hours: int = 3) -> tuple[str, datetime]:
    """Quiet hours from the minute of ``start`` (the shop's time) for ``hours``, as the
    setting writes them, and their end (UTC)."""
    local = start.astimezone(ZoneInfo("Europe/Paris")).replace(second=0, microsecond=0)
    end = local + timedelta(hours=hours)
    return f"{local:%H:%M}-{end:%H:%M}", end.astimezone(UTC)


async def test_a_notice_retried_into_the_quiet_hours_waits_for_their_end(desks, smtp_sink):
    desk = desks[0]
    spec, end = quiet_window(utc_now() + timedelta(seconds=80))  # quiet in 20 to 80 s
    use(desk, notify_quiet_hours=spec, mail_first_retry_s=120)
    settings = desk.outbox.settings
    smtp_sink.stop()
    late = await desk.outbox.enqueue(
        notice(settings, "lea@example.fr"), dedupe_key="d:1", purpose="delay_notice"
    )
    reply = await desk.outbox.enqueue(
        answer(settings, "paul@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    before = utc_now()
    assert await desk.worker.run_once() == 2
    assert (await desk.outbox.state(late)).not_before == end, "not at night: after it"
    wait = (await desk.outbox.state(reply)).not_before - before
    assert timedelta(seconds=120) <= wait < timedelta(seconds=140), "an answer is no notice"


async def test_a_notice_due_in_the_quiet_hours_waits_for_their_end(desks, smtp_sink):
    """Resumed after a server outage, retried by an admin or left by a stopped desk, a
    notice due at night is not sent at night; an answer is."""
    desk = desks[0]
    settings = desk.outbox.settings
    smtp_sink.stop()
    late = await desk.outbox.enqueue(
        notice(settings, "lea@example.fr"), dedupe_key="d:1", purpose="delay_notice"
    )
    waited = await desk.outbox.enqueue(
        answer(settings, "paul@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    assert await desk.worker.run_once() == 2  # both wait for the server
    far = utc_now() + timedelta(hours=5)
    await change_row(desk, late, not_before=far)
    await change_row(desk, waited, not_before=far)

    spec, morning = quiet_window(utc_now() - timedelta(hours=1))  # quiet since an hour ago
    use(desk, notify_quiet_hours=spec)
    smtp_sink.start()
    fresh = await desk.outbox.enqueue(
        answer(settings, "zoe@example.fr"), dedupe_key="a:2", purpose="ticket_answer"
    )
    assert await desk.worker.run_once() == 1 and await desk.outbox.status(fresh) == "sent"
    # Sending works again: the answer that waited is due now, the notice in the morning.
    assert (await desk.outbox.state(waited)).not_before <= utc_now()
    assert (await desk.outbox.state(late)).not_before == morning

    await desk.make_due(late)  # as if an admin retried it at night
    assert await desk.worker.run_once() == 1, "the answer, not the notice"
    state = await desk.outbox.state(late)
    assert (state.status, state.attempts) == ("pending", 1), "no try counted"
    assert sorted(received(smtp_sink)) == ["paul@example.fr", "zoe@example.fr"]
    assert [row.id for row in await desk.worker.claim(now=morning)] == [late], "then it goes"


async def test_a_batch_claimed_just_before_the_quiet_hours_keeps_its_notice(desks, smtp_sink):
    desk = desks[0]
    settings = desk.outbox.settings
    late = await desk.outbox.enqueue(
        notice(settings, "lea@example.fr"), dedupe_key="d:1", purpose="delay_notice"
    )
    reply = await desk.outbox.enqueue(
        answer(settings, "paul@example.fr"), dedupe_key="a:1", purpose="ticket_answer"
    )
    claimed = await desk.worker.claim()  # not quiet yet...
    spec, morning = quiet_window(utc_now() - timedelta(minutes=1))  # ...and now it is
    use(desk, notify_quiet_hours=spec)
    await desk.worker._send(claimed, lease_end=time.monotonic() + 300)
    state = await desk.outbox.state(late)
    assert (state.status, state.attempts, state.not_before) == ("pending", 0, morning)
    assert await desk.outbox.status(reply) == "sent"
    assert received(smtp_sink) == ["paul@example.fr"]
