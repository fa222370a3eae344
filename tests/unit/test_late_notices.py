"""The late-order check: one notice per late state, recorded, safe when run twice at once.

Real databases: the shop's orders in SQLite (imported like a shop's back office does),
the desk's tables on SQLite and PostgreSQL (``desk_url``), the real outbox.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from comptoir.cli import main
from comptoir.desk.delay_mail import notice_mail, quiet_until
from comptoir.desk.late_notices import DelayNotice, LateNoticeCheck
from comptoir.desk.mail.outbox import Outbox, OutboxMail
from comptoir.desk.schema import upgrade_schema
from comptoir.desk.store import ConversationStore
from comptoir.settings import Settings, get_settings
from comptoir.shop.db import sessions as shop_sessions
from comptoir.shop.db import upgrade as upgrade_shop
from comptoir.shop.importer import import_records
from comptoir.shop.lateness import lateness
from comptoir.shop.models import Order
from comptoir.shop.service import load_order

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)  # Monday, 13:00 in Paris
TODAY = date(2026, 11, 16)


def record(number: str, email: str, *, language: str = "fr", **changes) -> dict:
    """An order in the import format, in transit, due in two days unless ``changes``."""
    return {
        "number": number,
        "email": email,
        "postcode": "75011",
        "first_name": "Léa",
        "placed_at": (NOW - timedelta(days=4)).isoformat(),
        "status": "in_transit",
        "language": language,
        "promised_delivery": (TODAY + timedelta(days=2)).isoformat(),
        "lines": [{"sku": "LAMP", "name": "Lampe Orsay", "qty": 1, "unit_price": 89}],
        "shipments": [
            {
                "carrier": "colissimo",
                "tracking_number": f"6A{number[-5:]}",
                "tracking_url": f"https://suivi.example/6A{number[-5:]}",
                "lines": ["LAMP"],
                "events": [{"at": (NOW - timedelta(hours=3)).isoformat(), "status": "in_transit"}],
            }
        ],
        **changes,
    }


def revised(days: int) -> dict:
    return {"revised_delivery": (TODAY + timedelta(days=days)).isoformat()}


class Shop:
    """The shop's database as the back office fills it."""

    def __init__(self, url: str) -> None:
        self.url = url
        upgrade_shop(url)

    def put(self, *records: dict) -> None:
        with shop_sessions(self.url)() as session:
            report = import_records(session, list(records))
        assert report.errors == []


@pytest.fixture
def shop(tmp_path) -> Shop:
    return Shop(f"sqlite:///{tmp_path / 'shop.db'}")


def settings_for(shop: Shop, desk_url: str, **changes) -> Settings:
    base = {
        "shop_database_url": shop.url,
        "desk_database_url": desk_url,
        "conversation_secret": "s" * 40,
        "notify_quiet_hours": "",
        "public_url": "https://aide.boutique.example",
    }
    return Settings(**(base | changes))


@pytest.fixture
async def desk(desk_url):
    await upgrade_schema(desk_url)
    store = ConversationStore(desk_url)
    yield store
    await store.close()


def checker(settings: Settings, store: ConversationStore) -> LateNoticeCheck:
    return LateNoticeCheck(settings, store.sessions, Outbox(store.sessions, settings))


async def outbox_rows(store: ConversationStore) -> list[OutboxMail]:
    async with store.sessions() as session:
        return list(await session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


async def notice_rows(store: ConversationStore) -> list[DelayNotice]:
    async with store.sessions() as session:
        return list(await session.scalars(select(DelayNotice).order_by(DelayNotice.id)))


# ------------------------------------------------------------------------ one check
async def test_a_late_order_gets_one_notice_and_the_same_state_never_a_second(shop, desk_url, desk):
    shop.put(
        record("CMD-10002", "lea@example.fr", **revised(6)),
        record("CMD-10003", "tom@example.fr"),  # on time
    )
    check = checker(settings_for(shop, desk_url), desk)
    report = await check.run(now=NOW)
    assert (report.checked, report.late, report.queued) == (2, 1, 1)
    [mail] = await outbox_rows(desk)
    assert mail.dedupe_key == "late:CMD-10002:revised:2026-11-22"
    assert (mail.purpose, mail.reference, mail.to_address) == (
        "delay_notice",
        "CMD-10002",
        "lea@example.fr",
    )
    assert mail.subject == "Votre commande CMD-10002 aura du retard"
    assert "dimanche 22 novembre" in mail.body_text
    assert "https://suivi.example/6A10002" in mail.body_html
    assert mail.unsubscribe_url.startswith("https://aide.boutique.example/mail/unsubscribe?")
    [notice] = await notice_rows(desk)
    assert (notice.order_number, notice.reason, notice.outcome, notice.outbox_id) == (
        "CMD-10002",
        "revised",
        "queued",
        mail.id,
    )

    again = await check.run(now=NOW + timedelta(hours=1))
    assert (again.late, again.queued, again.already_notified) == (1, 0, 1)
    assert len(await outbox_rows(desk)) == 1


async def test_a_new_revised_date_is_a_new_notice_in_the_orders_language(shop, desk_url, desk):
    shop.put(record("CMD-10004", "james@example.co.uk", language="en", **revised(6)))
    check = checker(settings_for(shop, desk_url), desk)
    await check.run(now=NOW)
    shop.put(record("CMD-10004", "james@example.co.uk", language="en", **revised(9)))
    report = await check.run(now=NOW)
    assert report.queued == 1
    first, second = await outbox_rows(desk)
    assert "Sunday 22 November" in first.body_text
    assert "Wednesday 25 November" in second.body_text
    assert second.subject == "Your order CMD-10004 is running late"
    assert second.language == "en"
    assert first.message_id != second.message_id


async def test_an_opted_out_address_gets_nothing_and_it_is_said(shop, desk_url, desk):
    shop.put(record("CMD-10005", "Lea@Example.fr", promised_delivery="2026-11-10"))
    settings = settings_for(shop, desk_url)
    await Outbox(desk.sessions, settings).opt_out("lea@example.fr", "unsubscribe-link")
    check = checker(settings, desk)
    report = await check.run(now=NOW)
    assert (report.late, report.queued, report.opted_out) == (1, 0, 1)
    assert report.notices[0].outcome == "opted_out"
    assert await outbox_rows(desk) == []
    [notice] = await notice_rows(desk)
    assert (notice.outcome, notice.outbox_id) == ("opted_out", None)


async def test_a_dry_run_lists_what_would_go_and_queues_nothing(shop, desk_url, desk):
    shop.put(record("CMD-10006", "lea@example.fr", promised_delivery="2026-11-12"))
    check = checker(settings_for(shop, desk_url), desk)
    report = await check.run(dry_run=True, now=NOW)
    assert (report.late, report.would_queue, report.queued) == (1, 1, 0)
    [line] = report.notices
    assert (line.order_number, line.reason, line.outcome) == ("CMD-10006", "overdue", "would_queue")
    assert await outbox_rows(desk) == [] and await notice_rows(desk) == []
    assert (await check.run(now=NOW)).queued == 1  # the real run still sends it


async def test_orders_older_than_the_window_are_counted_not_written_to(shop, desk_url, desk):
    old = (NOW - timedelta(days=60)).isoformat()
    shop.put(record("CMD-10007", "old@example.fr", placed_at=old, promised_delivery="2026-09-25"))
    report = await checker(settings_for(shop, desk_url), desk).run(now=NOW)
    assert (report.checked, report.too_old, report.late, report.queued) == (0, 1, 0, 0)


async def test_two_checks_at_the_same_moment_send_each_notice_once(shop, desk_url, desk):
    shop.put(*(record(f"CMD-2{n:04d}", f"s{n}@example.fr", **revised(5)) for n in range(25)))
    settings = settings_for(shop, desk_url)
    other = ConversationStore(desk_url)  # a second desk process: its own engine and pool
    try:
        first, second = await asyncio.gather(
            checker(settings, desk).run(now=NOW), checker(settings, other).run(now=NOW)
        )
    finally:
        await other.close()
    assert first.queued + second.queued == 25
    assert first.already_notified + second.already_notified == 25
    assert len(await outbox_rows(desk)) == 25
    async with desk.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DelayNotice)) == 25


async def test_the_loser_of_the_race_records_the_winners_email_and_sends_nothing(
    shop, desk_url, desk
):
    """Another desk queued the e-mail between this check's look-up and its own queueing
    (or a run stopped before its record): the outbox refuses the second copy, and the
    record points at the e-mail that exists."""
    shop.put(record("CMD-10011", "lea@example.fr", **revised(6)))
    settings = settings_for(shop, desk_url)
    check = checker(settings, desk)
    dry = await check.run(dry_run=True, now=NOW)
    [line] = dry.notices
    with shop_sessions(shop.url)() as session:
        order = load_order(session, "CMD-10011")
        mail = notice_mail(settings, lateness(order, TODAY, check.rules), order)
    winner = await Outbox(desk.sessions, settings).enqueue(
        mail,
        dedupe_key=f"late:CMD-10011:{line.fingerprint}",
        purpose="delay_notice",
        reference="CMD-10011",
    )
    report = await check.run(now=NOW)
    assert (report.queued, report.already_notified) == (0, 1)
    assert [row.id for row in await outbox_rows(desk)] == [winner]
    [notice] = await notice_rows(desk)
    assert (notice.outcome, notice.outbox_id) == ("queued", winner)


async def test_a_notice_found_in_quiet_hours_waits_for_the_morning(shop, desk_url, desk):
    shop.put(record("CMD-10008", "lea@example.fr", **revised(6)))
    settings = settings_for(shop, desk_url, notify_quiet_hours="21:00-08:00")
    late_evening = datetime(2026, 11, 16, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    await checker(settings, desk).run(now=late_evening)
    [mail] = await outbox_rows(desk)
    morning = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)  # 8:00 in Paris
    sent_after = mail.not_before if mail.not_before.tzinfo else mail.not_before.replace(tzinfo=UTC)
    assert sent_after == morning


# ------------------------------------------------------------------------ quiet hours
@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 11, 16, 21, 0, tzinfo=UTC), datetime(2026, 11, 17, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 17, 5, 0, tzinfo=UTC), datetime(2026, 11, 17, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 17, 7, 0, tzinfo=UTC), None),  # 8:00 sharp: over
        (datetime(2026, 11, 16, 12, 0, tzinfo=UTC), None),
        # summer time: 23:00 in Paris is 21:00 UTC, the morning 8:00 is 6:00 UTC
        (datetime(2026, 7, 1, 21, 0, tzinfo=UTC), datetime(2026, 7, 2, 6, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_over_midnight_in_the_shops_timezone(utc, expected):
    assert quiet_until(utc, Settings(notify_quiet_hours="21:00-08:00")) == expected


def test_quiet_hours_within_a_day_and_none():
    lunch = Settings(notify_quiet_hours="12:00-14:00")
    assert quiet_until(datetime(2026, 11, 16, 11, 30, tzinfo=UTC), lunch) == datetime(
        2026, 11, 16, 13, 0, tzinfo=UTC
    )
    assert quiet_until(NOW, Settings(notify_quiet_hours="")) is None


def test_malformed_quiet_hours_are_refused_with_the_expected_form():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="expected two local times like '21:00-08:00'"):
        Settings(notify_quiet_hours="9pm-8am")


def test_the_shop_keeps_the_language_given_by_the_back_office(shop):
    shop.put(record("CMD-10009", "a@example.fr", language="EN-gb"), record("CMD-10010", "b@x.fr"))
    with shop_sessions(shop.url)() as session:
        languages = dict(session.execute(select(Order.number, Order.language)).all())
    assert languages == {"CMD-10009": "en", "CMD-10010": "fr"}


# ------------------------------------------------------------------------ command line
@pytest.fixture
def run_dir(tmp_path, monkeypatch) -> Iterator[Path]:
    """``comptoir`` as an operator runs it, on a throw-away run folder."""
    for name in list(os.environ):
        if name.startswith("COMPTOIR_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env of the work tree is read
    monkeypatch.setenv("COMPTOIR_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("COMPTOIR_CONVERSATION_SECRET", "c" * 40)
    monkeypatch.setenv("COMPTOIR_NOTIFY_QUIET_HOURS", "")
    get_settings.cache_clear()
    yield tmp_path / "run"
    get_settings.cache_clear()


def test_notify_late_shows_what_would_go_then_sends_it_once(run_dir, capsys):
    assert main(["demo", "seed"]) == 0
    capsys.readouterr()
    assert main(["notify", "late", "--dry-run"]) == 0
    dry = capsys.readouterr().out.splitlines()
    lines = {line.split(" · ")[0]: line for line in dry[:-1]}
    assert set(lines) == {"CMD-10003", "CMD-10005", "CMD-10010"}  # the demo's late orders
    assert lines["CMD-10003"].startswith("CMD-10003 · to***@example.fr · date de livraison")
    assert "nouvelle date : " in lines["CMD-10003"] and lines["CMD-10003"].endswith("partirait")
    assert "pas encore de nouvelle date" in lines["CMD-10005"]
    assert "tom.bernard" not in "\n".join(dry)  # addresses are partly hidden
    assert "3 avis partiraient (essai : rien n'est envoyé)" in dry[-1]
    assert sqlite3.connect(run_dir / "desk.db").execute(
        "select count(*) from mail_outbox"
    ).fetchone() == (0,)

    assert main(["notify", "late", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["late"], report["queued"]) == (3, 3)
    assert {n["email"] for n in report["notices"]} == {"to***@example.fr", "ch***@example.fr"}
    assert main(["notify", "late", "--lang", "en"]) == 0
    again = capsys.readouterr().out
    assert again.startswith("No new delay notice.")
    assert "3 late: 0 notices queued, 3 already told" in again
