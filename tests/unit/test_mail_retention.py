"""What becomes of e-mail data: the retention period, erasure requests, the opt-out list.

Real rows on SQLite and PostgreSQL (``desk_url``): the real outbox, the real late-order
check over a real shop database, the real tickets and conversations, the command line
as an owner runs it, and the real sending worker against ``tests.smtp_sink``.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, Table, select, update

from comptoir.cli import main
from comptoir.desk import retention
from comptoir.desk.db import utc_now
from comptoir.desk.late_notices import DelayNotice, LateNoticeCheck
from comptoir.desk.mail import retention as mail_retention
from comptoir.desk.mail.api import overview_json
from comptoir.desk.mail.compose import Content, Link, compose
from comptoir.desk.mail.message import OutgoingMail
from comptoir.desk.mail.outbox import Outbox, OutboxMail, ticket_reference, transcript_reference
from comptoir.desk.mail.unsubscribe import unsubscribe_url
from comptoir.desk.mail.worker import MailWorker
from comptoir.desk.store import Conversation, ConversationStore
from comptoir.desk.ticket_mail import TicketMail, TicketMailStore
from comptoir.desk.tickets import TicketStore
from comptoir.settings import Settings, get_settings
from tests.helpers import backdate_ticket
from tests.unit.test_late_notices import Shop

SECRET = "s" * 40
LEA = "Léa Martin <Lea@Example.fr>"


@dataclass
class Desk:
    """One desk's view of its database: the stores a purpose and the retention use."""

    settings: Settings
    store: ConversationStore
    outbox: Outbox
    tickets: TicketStore
    mails: TicketMailStore

    @property
    def sessions(self):
        return self.store.sessions


def desk_settings(desk_url: str, tmp_path, **changes) -> Settings:
    values = {
        "run_dir": tmp_path / "run",
        "desk_database_url": desk_url,
        "shop_database_url": f"sqlite:///{tmp_path / 'shop.db'}",
        "conversation_secret": SECRET,
        "public_url": "https://aide.atelier-lumiere.example",
        "mail_from": "Atelier Lumière <support@atelier-lumiere.example>",
        "notify_quiet_hours": "",
        "notify_late_max_age_days": 45,
        **changes,
    }
    return Settings(**values)


@pytest.fixture
async def desk(desk_store: ConversationStore, desk_url: str, tmp_path) -> AsyncIterator[Desk]:
    (tmp_path / "run").mkdir(mode=0o700)
    settings = desk_settings(desk_url, tmp_path)
    tickets = TicketStore(desk_store.sessions)
    yield Desk(
        settings,
        desk_store,
        Outbox(desk_store.sessions, settings),
        tickets,
        TicketMailStore(desk_store.sessions, tickets),
    )


def mail(settings: Settings, to: str, tag: str, *, notice: bool = False) -> OutgoingMail:
    """An e-mail as a purpose writes it (a notice carries its unsubscribe link)."""
    content = Content(
        subject="Votre commande CMD-10001 aura du retard" if notice else "Votre demande",
        greeting="Bonjour Léa,",
        paragraphs=("Nous vous écrivons au sujet de votre commande CMD-10001.",),
        links=(Link("Suivre le colis", "https://suivi.example/6A10001"),),
    )
    link = unsubscribe_url(settings, to) if notice else None
    return compose(settings, content, to=to, language="fr", tag=tag, unsubscribe_url=link)


async def settle(desk: Desk, mail_id: int, status: str, days_ago: float, **values) -> None:
    """Make an e-mail look queued, tried and finished (or not) ``days_ago``."""
    at = utc_now() - timedelta(days=days_ago)
    fields = {"status": status, "created_at": at, "not_before": at}
    if status != "pending":
        fields |= {"tried_at": at, "attempts": 1}
    if status == "sent":
        fields["sent_at"] = at
    async with desk.sessions.begin() as session:
        await session.execute(
            update(OutboxMail).where(OutboxMail.id == mail_id).values(**fields, **values)
        )


async def queue(desk: Desk, to: str, key: str, purpose: str, reference: str = "") -> int:
    notice = purpose == "delay_notice"
    queued = await desk.outbox.enqueue(
        mail(desk.settings, to, reference or "mail", notice=notice),
        dedupe_key=key,
        purpose=purpose,
        reference=reference,
    )
    assert queued is not None
    return queued


async def row(desk: Desk, mail_id: int) -> OutboxMail | None:
    async with desk.sessions() as session:
        return await session.get(OutboxMail, mail_id)


async def raw_values(desk: Desk, table: str) -> list[str]:
    """Every value of every row of ``table``, as text: what someone reading the database
    (a backup, a dump) would see."""

    def read(connection) -> list[str]:
        found = Table(table, MetaData(), autoload_with=connection)
        return [str(value) for line in connection.execute(select(found)) for value in line]

    async with desk.store.engine.connect() as connection:
        return await connection.run_sync(read)


def readable(values: list[str]) -> bool:
    """Whether Léa's address (or her name) can be read among ``values``."""
    return any("example.fr" in value.lower() or "léa" in value.lower() for value in values)


async def conversation(desk: Desk, *texts: str, idle_days: int = 0) -> str:
    cid = f"m-{uuid.uuid4().hex[:10]}"
    for text in texts or ("bonjour",):
        await desk.store.append(cid, "shopper", text, language="fr")
    if idle_days:
        async with desk.sessions.begin() as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == cid)
                .values(updated_at=datetime.now(UTC) - timedelta(days=idle_days))
            )
    return cid


async def offline_ticket(desk: Desk, cid: str, email: str) -> int:
    ticket, _ = await desk.tickets.open(cid, "shopper_request", status="collecting")
    done = await desk.tickets.collect(ticket.id, email=email, request="Ma facture est fausse.")
    assert done is not None
    return ticket.id


async def answer(desk: Desk, ticket_id: int, to: str, status: str, days_ago: float) -> int:
    """An agent's answer, as the console's route keeps and queues it."""
    reference = ticket_reference(ticket_id)
    outgoing = mail(desk.settings, to, reference)
    kept, _ = await desk.mails.start_answer(
        ticket_id,
        dedupe_key=uuid.uuid4().hex,
        message_id=outgoing.message_id,
        agent_name="Inès",
        text="Voici votre facture corrigée.",
    )
    queued = await desk.outbox.enqueue(
        outgoing,
        dedupe_key=f"ticket-answer:{kept.id}",
        purpose="ticket_answer",
        reference=reference,
    )
    assert queued is not None
    await desk.mails.queued(kept.id, queued)
    await settle(desk, queued, status, days_ago)
    async with desk.sessions.begin() as session:
        written = utc_now() - timedelta(days=days_ago)
        await session.execute(
            update(TicketMail).where(TicketMail.id == kept.id).values(created_at=written)
        )
    return queued


# ------------------------------------------------------------------ the retention period


async def test_purge_blanks_old_finished_e_mails_keeps_their_keys_and_leaves_the_rest(desk):
    notice = await queue(
        desk, LEA, "late:CMD-10001:revised:2026-12-01", "delay_notice", "CMD-10001"
    )
    await settle(desk, notice, "sent", 40)
    refused = await queue(desk, LEA, "ticket-answer:7", "ticket_answer", "ticket-7")
    await settle(desk, refused, "rejected", 40, last_error="550 5.1.1 <lea@example.fr> unknown")
    transcript_key = "transcript:c-1:4:lea@example.fr"
    failed = await queue(desk, LEA, transcript_key, "transcript", "transcript-c-1")
    await settle(desk, failed, "failed", 40)
    waiting = await queue(desk, LEA, "ticket-answer:8", "ticket_answer", "ticket-8")
    await settle(desk, waiting, "pending", 40)  # no mail server yet: it waits, kept
    recent = await queue(desk, LEA, "ticket-answer:9", "ticket_answer", "ticket-9")
    await settle(desk, recent, "sent", 5)

    dry = await retention.purge(desk.settings, desk.sessions, 30, dry_run=True)
    assert (dry.mails_erased, dry.mails_deleted) == (3, 0)
    assert (await row(desk, notice)).to_address == LEA, "a dry run changes nothing"

    report = await retention.purge(desk.settings, desk.sessions, 30)
    assert (report.mails_erased, report.mails_deleted, report.delay_notices) == (3, 0, 0)
    for mail_id, status in ((notice, "sent"), (refused, "rejected"), (failed, "failed")):
        erased = await row(desk, mail_id)
        assert (erased.status, erased.attempts) == (status, 1), "still counted as it ended"
        assert erased.created_at is not None and erased.tried_at is not None
        assert (erased.to_address, erased.subject, erased.body_text, erased.body_html) == (
            "",
            "",
            "",
            "",
        )
        assert erased.unsubscribe_url is None and erased.last_error == ""
    assert (await row(desk, notice)).dedupe_key == "late:CMD-10001:revised:2026-12-01"
    assert (await row(desk, failed)).dedupe_key == f"erased:{failed}", "no address in a key"
    for kept in (waiting, recent):
        assert (await row(desk, kept)).to_address == LEA, "pending and recent are untouched"

    # "Never sent twice" still holds for the erased ones, and nothing erased goes again.
    again = mail(desk.settings, LEA, "CMD-10001", notice=True)
    assert (
        await desk.outbox.enqueue(
            again, dedupe_key="late:CMD-10001:revised:2026-12-01", purpose="delay_notice"
        )
        is None
    )
    assert (
        await desk.outbox.enqueue(again, dedupe_key="ticket-answer:7", purpose="ticket_answer")
        is None
    )
    assert not await desk.outbox.retry_failed(failed), "nothing left to send"
    assert (await desk.outbox.state(failed)).erased
    shown = overview_json(await desk.outbox.overview(), admin=True)["mails"]
    assert {m["id"]: m["erased"] for m in shown} == {
        notice: True,
        refused: True,
        failed: True,
        waiting: False,
        recent: False,
    }
    second = await retention.purge(desk.settings, desk.sessions, 30)
    assert second.mails_erased == 0, "done once, even when two desks purge"


async def test_no_address_is_left_readable_in_the_outbox_once_purged(desk):
    for index, purpose in enumerate(("delay_notice", "ticket_answer", "transcript")):
        key = f"transcript:c-{index}:1:lea@example.fr" if purpose == "transcript" else f"k{index}"
        await settle(desk, await queue(desk, LEA, key, purpose, f"r{index}"), "sent", 40)
    assert readable(await raw_values(desk, "mail_outbox"))
    await retention.purge(desk.settings, desk.sessions, 30)
    assert not readable(await raw_values(desk, "mail_outbox"))


def order(number: str, email: str, now: datetime) -> dict:
    """An order placed four days ago, in transit, announced six days late."""
    today = now.date()
    return {
        "number": number,
        "email": email,
        "postcode": "75011",
        "first_name": "Léa",
        "placed_at": (now - timedelta(days=4)).isoformat(),
        "status": "in_transit",
        "language": "fr",
        "promised_delivery": (today + timedelta(days=2)).isoformat(),
        "revised_delivery": (today + timedelta(days=8)).isoformat(),
        "lines": [{"sku": "LAMP", "name": "Lampe Orsay", "qty": 1, "unit_price": 89}],
        "shipments": [
            {
                "carrier": "colissimo",
                "tracking_number": f"6A{number[-5:]}",
                "tracking_url": f"https://suivi.example/6A{number[-5:]}",
                "lines": ["LAMP"],
                "events": [{"at": (now - timedelta(hours=3)).isoformat(), "status": "in_transit"}],
            }
        ],
    }


async def test_delay_notices_go_for_good_once_their_order_is_out_of_the_check_s_window(desk):
    now = utc_now()
    shop = Shop(desk.settings.shop_db_url)
    shop.put(order("CMD-20001", "lea@example.fr", now), order("CMD-20002", "tom@example.fr", now))
    check = LateNoticeCheck(desk.settings, desk.sessions, desk.outbox)
    assert (await check.run(now=now)).queued == 2
    async with desk.sessions() as session:
        sent, held = list(await session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
    await settle(desk, sent.id, "sent", 0)  # the other waits (no mail server yet)

    # Past the retention period, inside the window: content blanked, records kept.
    counts = await mail_retention.purge_mail(
        desk.settings, desk.sessions, 10, now=now + timedelta(days=20)
    )
    assert (counts.erased, counts.deleted, counts.delay_notices) == (1, 0, 0)
    again = await check.run(now=now)
    assert (again.queued, again.already_notified) == (0, 2), "the same state: no new e-mail"

    # Past the window (+ margin): nothing more to guard, the rows and records go.
    later = now + timedelta(days=45 + mail_retention.MARGIN_DAYS + 1)
    counts = await mail_retention.purge_mail(desk.settings, desk.sessions, 10, now=later)
    assert (counts.deleted, counts.delay_notices) == (1, 2)
    async with desk.sessions() as session:
        assert [r.id for r in await session.scalars(select(OutboxMail))] == [held.id]
        assert list(await session.scalars(select(DelayNotice))) == []
    late = await check.run(now=later)
    assert (late.queued, late.too_old) == (0, 2), "those orders are never written about again"


# ------------------------------------------------------------------ erasing conversations


async def test_forgetting_a_conversation_erases_its_ticket_answers_and_transcripts(desk):
    cid = await conversation(desk, "je veux parler à quelqu'un")
    ticket = await offline_ticket(desk, cid, "lea@example.fr")
    answered = await answer(desk, ticket, "lea@example.fr", "sent", 1)
    waiting = await answer(desk, ticket, "lea@example.fr", "pending", 0)
    key = f"transcript:{cid}:1:lea@example.fr"
    transcript = await queue(desk, "lea@example.fr", key, "transcript", transcript_reference(cid))
    other = await conversation(desk, "bonjour")
    theirs = await queue(
        desk,
        "tom@example.fr",
        f"transcript:{other}:1:tom",
        "transcript",
        transcript_reference(other),
    )

    report = await retention.forget(desk.settings, desk.sessions, [cid])
    assert (report.conversations, report.tickets, report.mails_deleted) == (1, 1, 3)
    for gone in (answered, waiting, transcript):
        assert await row(desk, gone) is None, "an erasure request takes the waiting one too"
    assert (await row(desk, theirs)).to_address == "tom@example.fr"


async def test_a_purged_conversation_takes_its_sent_e_mails_and_leaves_waiting_ones(desk):
    cid = await conversation(desk, "ma facture", idle_days=400)
    ticket = await offline_ticket(desk, cid, "lea@example.fr")
    await backdate_ticket(desk.sessions, ticket, utc_now() - timedelta(days=400), closed=True)
    answered = await answer(desk, ticket, "lea@example.fr", "sent", 400)
    waiting = await answer(desk, ticket, "lea@example.fr", "pending", 400)

    report = await retention.purge(desk.settings, desk.sessions, 365)
    assert (report.conversations, report.mails_deleted) == (1, 1)
    assert await row(desk, answered) is None
    assert (await row(desk, waiting)).status == "pending", "nothing waiting is lost"


# ------------------------------------------------------------------ an erasure by e-mail


async def test_forget_address_erases_everything_but_the_opt_out_which_holds_no_address(
    desk, smtp_sink
):
    settings = desk.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_sink.port, "smtp_security": "none"}
    )
    outbox = Outbox(desk.sessions, settings)
    await outbox.opt_out(LEA, "unsubscribe-link")
    optouts = await raw_values(desk, "mail_optouts")
    assert optouts and not any("lea" in v.lower() or "example" in v for v in optouts)

    by_ticket = await conversation(desk, "je voudrais une facture")
    ticket = await offline_ticket(desk, by_ticket, "Lea@example.fr")
    typed = await conversation(desk, "Écrivez-moi à LEA@example.fr.")
    someone_else = await conversation(desk, "mon adresse : olea@example.fr")
    sent = await queue(desk, "lea@example.fr", "ticket-answer:old", "ticket_answer", "x-1")
    await settle(desk, sent, "sent", 2)
    waiting = await queue(desk, LEA, "ticket-answer:new", "ticket_answer", "x-2")
    other = await queue(desk, "olea@example.fr", "ticket-answer:olea", "ticket_answer", "x-3")
    await settle(desk, other, "sent", 2)

    dry, ids = await retention.forget_address(settings, desk.sessions, LEA, dry_run=True)
    assert ids == sorted([by_ticket, typed])
    assert (dry.conversations, dry.mails_erased, dry.mails_cancelled) == (2, 1, 1)
    assert await desk.store.history(typed) is not None, "a dry run erases nothing"

    report, _ = await retention.forget_address(settings, desk.sessions, "lea@example.fr")
    assert (report.conversations, report.tickets) == (2, 1)
    assert (report.mails_erased, report.mails_cancelled) == (1, 1)
    assert await desk.store.history(by_ticket) is None and await desk.store.history(typed) is None
    assert await desk.tickets.get(ticket) is None
    assert await desk.store.history(someone_else) is not None
    assert (await row(desk, other)).to_address == "olea@example.fr"
    stopped = await row(desk, waiting)
    assert (stopped.status, stopped.error_kind, stopped.to_address) == ("cancelled", "erased", "")
    assert await MailWorker(outbox).run_once() == 0, "the cancelled answer never leaves"
    assert smtp_sink.messages() == []

    # The opt-out outlives the erasure: a new notice to her is still refused.
    assert await outbox.opted_out("lea@example.fr")
    fresh = mail(settings, "lea@example.fr", "CMD-10009", notice=True)
    assert (
        await outbox.enqueue(fresh, dedupe_key="late:CMD-10009:x", purpose="delay_notice") is None
    )
    remaining = await raw_values(desk, "mail_outbox")
    assert not any("lea@example.fr" in v.lower().replace("olea@", "") for v in remaining)
    assert not any("lea" in v.lower() for v in await raw_values(desk, "mail_optouts"))


async def test_opt_outs_written_under_another_secret_are_reported(desk):
    await desk.outbox.opt_out("lea@example.fr", "unsubscribe-link")
    changed = desk.settings.model_copy(update={"conversation_secret": "t" * 40})
    report = await retention.purge(changed, desk.sessions, 30)
    assert report.optouts_other_key == 1
    assert not await Outbox(desk.sessions, changed).opted_out("lea@example.fr")
    assert (await retention.purge(desk.settings, desk.sessions, 30)).optouts_other_key == 0


# ------------------------------------------------------------------ the command line


@pytest.fixture
def owner_env(desk_url: str, tmp_path, monkeypatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("COMPTOIR_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMPTOIR_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("COMPTOIR_DESK_DATABASE_URL", desk_url)
    monkeypatch.setenv("COMPTOIR_CONVERSATION_SECRET", SECRET)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_privacy_forget_address_from_the_command_line(desk, owner_env, capsys):
    cid = await conversation(desk, "je veux parler à quelqu'un")
    await offline_ticket(desk, cid, "lea@example.fr")
    sent = await queue(desk, "lea@example.fr", "ticket-answer:1", "ticket_answer", "x-1")
    await settle(desk, sent, "sent", 1)
    command = ["privacy", "forget-address"]

    assert await asyncio.to_thread(main, [*command, "pas-une-adresse"]) == 2
    assert "« pas-une-adresse » n’est pas une adresse e-mail" in capsys.readouterr().err

    assert await asyncio.to_thread(main, [*command, "Lea@Example.fr", "--dry-run"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["dry_run"] and dry["conversation_ids"] == [cid] and dry["mails_erased"] == 1
    assert (await row(desk, sent)).to_address == "lea@example.fr"

    assert await asyncio.to_thread(main, [*command, "lea@example.fr", "--no-more-notices"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert (done["conversations"], done["mails_erased"], done["opted_out"]) == (1, 1, True)
    assert (await row(desk, sent)).to_address == ""
    assert await desk.store.history(cid) is None
    assert await desk.outbox.opted_out("LEA@example.fr")
