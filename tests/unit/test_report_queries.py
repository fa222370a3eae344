"""The owner's report on real databases (SQLite and PostgreSQL): exact figures of a
hand-built week, the CSV tables equal to the JSON, the roll-up's incremental passes,
and ``comptoir report`` printing the same JSON."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from comptoir.desk.editor import KnowledgePreview
from comptoir.desk.reports.export import COLUMNS, TABLES, table_csv
from comptoir.desk.reports.period import Period, PeriodError, parse_period
from comptoir.desk.reports.queries import ReportContext, build_report
from comptoir.desk.reports.rollup import refresh
from comptoir.desk.reports.tables import ReportConversation, ReportTicket
from comptoir.desk.retention import PurgeReport, delete_from_desk
from comptoir.desk.schema import upgrade_schema
from comptoir.desk.store import Conversation, ConversationStore, Message
from comptoir.desk.tickets import Ticket
from comptoir.desk.votes import Feedback, Satisfaction
from comptoir.kb.misses import Miss, MissLog
from comptoir.settings import Settings
from comptoir.shop.db import upgrade
from comptoir.shop.models import Customer, Order, OrderLine, ReturnRequest
from tests.helpers import report_csv_rows

ROOT = Path(__file__).resolve().parents[2]
WEEK = Period(date(2026, 11, 2), date(2026, 11, 8))  # Monday to Sunday
HOURS = Settings().business_hours


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def report_url(request, tmp_path) -> str:
    """The desk database: SQLite in the test's folder, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    return request.getfixturevalue("fresh_postgres_url")


async def seed_desk(store: ConversationStore) -> None:
    """The week of docs/reports.md's worked example, and one chat the week before."""
    rows: list = []

    def chat(cid: str, start: datetime, *messages: tuple[str, str, int, dict]) -> None:
        rows.append(Conversation(id=cid, language="fr", created_at=start, updated_at=start))
        for seq, (sender, text, seconds, custom) in enumerate(messages, start=1):
            when = start + timedelta(seconds=seconds)
            rows.append(
                Message(
                    conversation_id=cid,
                    seq=seq,
                    sender=sender,
                    text=text,
                    payload={"custom": custom},
                    delivered=True,
                    created_at=when,
                )
            )

    answer = {"kind": "knowledge_answer", "article_id": "livraison"}
    handoff = {"kind": "handoff"}
    chat("c-greet", at(2, 10), ("shopper", "Bonjour !", 0, {}), ("bot", "Bonjour !", 1, {}))
    chat(
        "c-answer", at(2, 10), ("shopper", "délais de livraison ?", 0, {}), ("bot", "…", 1, answer)
    )
    chat(
        "c-assumed",
        at(3, 10),
        ("shopper", "où est ma commande CMD-1 ?", 0, {}),
        ("bot", "En retard.", 60, {"kind": "order_status", "late": True}),
    )
    chat(
        "c-handoff",
        at(4, 10),
        ("shopper", "je veux parler à quelqu'un de ma facture", 0, {}),
        ("bot", "Je vous passe un conseiller.", 1, handoff),
        ("agent", "Camille a rejoint la conversation.", 60, {"system": True}),
        ("agent", "Bonjour, je regarde votre facture.", 240, {"system": False}),
    )
    chat(
        "c-offline",
        at(6, 20),
        ("shopper", "ma lampe est cassée", 0, {}),
        ("bot", "Laissez-nous votre e-mail.", 1, handoff),
    )
    chat("c-before", at(28, 10, month=10), ("shopper", "retours ?", 0, {}), ("bot", "…", 1, answer))
    rows += [
        Ticket(
            conversation_id="c-handoff",
            reason="knowledge_miss",
            status="handed_back",
            summary={},
            request="",
            created_at=at(4, 10),
            claimed_at=at(4, 10, 1),
            closed_at=at(4, 10, 30),
        ),
        Ticket(
            conversation_id="c-offline",
            reason="shopper_request",
            status="resolved",
            summary={},
            contact_email="lea@example.fr",
            request="ma lampe est cassée",
            created_at=at(6, 20),
            closed_at=at(9, 10),  # Monday 11:00 in Paris: 2 working hours later
        ),
        Feedback(
            conversation_id="c-answer", article_id="livraison", vote="up", created_at=at(2, 10, 2)
        ),
        Feedback(
            conversation_id="c-handoff",
            article_id="livraison",
            vote="down",
            created_at=at(4, 10, 2),
        ),
        Satisfaction(conversation_id="c-handoff", score=2, created_at=at(4, 10, 35)),
        Satisfaction(conversation_id="c-offline", score=5, created_at=at(9, 10, 5)),
    ]
    async with store.sessions.begin() as session:
        session.add_all(rows)


def seed_misses(url: str) -> None:
    """Questions the bot had no answer to: four about Switzerland, one about bikes."""
    MissLog(url).engine.dispose()
    engine = create_engine(url)
    asked = [("vous livrez en Suisse ?", "none", at(2, 9))] * 3 + [
        ("livraison en Suisse possible ?", "none", at(5, 9)),
        ("vous vendez des vélos ?", "none", at(7, 9)),
        ("carte cadeau ?", "clarify", at(7, 9)),  # the bot asked "did you mean": not unanswered
        ("vous livrez en Suisse ?", "none", at(20, 9, month=10)),  # before the week
    ]
    with Session(engine) as session, session.begin():
        session.add_all(
            Miss(question=q, language="fr", decision=d, conversation_id="x", at=when)
            for q, d, when in asked
        )
    engine.dispose()


def seed_shop(url: str) -> None:
    """Two orders of the week with 4 lamps, one returned, one claimed under warranty."""
    upgrade(url)
    engine = create_engine(url)
    placed = {1: at(3, 9), 2: at(5, 9), 3: at(1, 9, month=10)}
    with engine.begin() as connection:
        connection.execute(insert(Customer), [{"id": 1, "email": "lea@example.fr"}])
        connection.execute(
            insert(Order),
            [
                {"id": n, "number": f"CMD-{n}", "customer_id": 1, "email": "lea@example.fr"}
                | {"postcode": "75011", "placed_at": when, "status": "delivered"}
                for n, when in placed.items()
            ],
        )
        lamp = {
            "sku": "LAMP-ORSAY",
            "name": "Lampe Orsay",
            "unit_price": 89,
            "category": "lighting",
        }
        connection.execute(
            insert(OrderLine),
            [
                lamp | {"order_id": 1, "qty": 1},
                lamp | {"order_id": 2, "qty": 3},
                lamp | {"order_id": 3, "qty": 10},
            ],
        )
        common = {"sku": "LAMP-ORSAY", "resolution": "refund", "payer": "shop"}
        connection.execute(
            insert(ReturnRequest),
            [
                common
                | {"number": "R-1", "order_id": 1, "reason": "defective", "rule": "legal_guarantee"}
                | {"status": "received", "created_at": at(4, 9), "received_on": date(2026, 11, 5)},
                common
                | {"number": "R-2", "order_id": 2, "reason": "changed_mind", "rule": "withdrawal"}
                | {"status": "requested", "created_at": at(6, 9), "received_on": None},
                common
                | {"number": "R-3", "order_id": 3, "reason": "changed_mind", "rule": "withdrawal"}
                | {"status": "refunded", "created_at": at(20, 9, month=10), "received_on": None},
            ],
        )
    engine.dispose()


def small_kb(folder: Path) -> Path:
    folder.mkdir()
    for name, title, body in (
        ("livraison", "Délais de livraison", "Nous livrons en France en 2 à 3 jours ouvrés."),
        ("remboursement", "Délai de remboursement", "Remboursé sous 10 jours après réception."),
    ):
        (folder / f"{name}.md").write_text(
            f"---\nid: {name}\ntitle: {title}\nlang: fr\n---\n\n{body}\n", encoding="utf-8"
        )
    return folder


@dataclass
class World:
    store: ConversationStore
    settings: Settings
    context: ReportContext


@pytest.fixture
async def world(report_url: str, tmp_path: Path) -> AsyncIterator[World]:
    await upgrade_schema(report_url)
    store = ConversationStore(report_url)
    await seed_desk(store)
    run = tmp_path / "run"
    run.mkdir()
    settings = Settings(
        run_dir=run,
        desk_database_url=report_url,
        knowledge_dir=small_kb(tmp_path / "kb"),
        index_dir=tmp_path / "index",
    )
    seed_misses(settings.kb_log_url)
    seed_shop(settings.shop_db_url)
    context = ReportContext.from_settings(store.sessions, settings, KnowledgePreview(settings))
    await refresh(store.sessions, HOURS, HOURS.response_time_hours)
    yield World(store, settings, context)
    await store.close()


def figure(value, previous, numerator, denominator) -> dict:
    return {
        "value": value,
        "previous": previous,
        "numerator": numerator,
        "denominator": denominator,
    }


async def test_the_week_is_counted_exactly(world):
    report = await build_report(world.context, WEEK)
    assert report["period"] == {
        "from": "2026-11-02",
        "to": "2026-11-08",
        "previous_from": "2026-10-26",
        "previous_to": "2026-11-01",
    }
    assert report["headline"] == {
        "conversations": figure(5, 1, 5, 5),
        "automation_rate": figure(0.5, 1.0, 2, 4),
        "resolution_confirmed_rate": figure(0.25, 0.0, 1, 4),
        "resolution_assumed_rate": figure(0.25, 1.0, 1, 4),
        "handoff_rate": figure(0.5, 0.0, 2, 4),
        "first_response_median_s": figure((240 + 223200) / 2, None, 2, 2),
        "first_response_business_median_s": figure((240 + 7200) / 2, None, 2, 2),
        "resolution_median_s": figure((1800 + 223200) / 2, None, 2, 2),
        "offline_within_promise_rate": figure(1.0, None, 1, 1),
        "csat": figure(0.5, None, 1, 2),
        "csat_response_rate": figure(0.4, 0.0, 2, 5),
        "late_parcel_share": figure(1.0, None, 1, 1),
    }
    daily = {
        d["date"]: (d["conversations"], d["automated"], d["handoffs"]) for d in report["daily"]
    }
    assert daily == {
        "2026-11-02": (2, 1, 0),
        "2026-11-03": (1, 1, 0),
        "2026-11-04": (1, 0, 1),
        "2026-11-05": (0, 0, 0),
        "2026-11-06": (1, 0, 1),
        "2026-11-07": (0, 0, 0),
        "2026-11-08": (0, 0, 0),
    }
    assert report["handoffs_by_reason"] == [
        {"reason": "knowledge_miss", "count": 1},
        {"reason": "shopper_request", "count": 1},
    ]
    assert {b["bucket"]: b["count"] for b in report["first_response_distribution"]} == {
        "under_5m": 1,
        "5m_15m": 0,
        "15m_1h": 0,
        "1h_4h": 0,
        "4h_24h": 0,
        "over_24h": 1,
    }
    scored = [(d["date"], d["scores"], d["satisfied"]) for d in report["csat_daily"] if d["scores"]]
    assert scored == [("2026-11-04", 1, 0), ("2026-11-06", 1, 1)]
    assert report["heatmap"] == [
        {"weekday": 0, "hour": 11, "conversations": 2},
        {"weekday": 1, "hour": 11, "conversations": 1},
        {"weekday": 2, "hour": 11, "conversations": 1},
        {"weekday": 4, "hour": 21, "conversations": 1},
    ]
    assert report["disliked_articles"] == [
        {"id": "livraison", "title": "Délais de livraison", "up": 1, "down": 1}
    ]
    assert report["orders"] == {"order_status_conversations": 1, "late": 1, "partial": 0, "lost": 0}


async def test_unanswered_questions_are_grouped_by_meaning_with_the_closest_article(world):
    clusters = (await build_report(world.context, WEEK))["unanswered_clusters"]
    assert [(c["count"], c["examples"]) for c in clusters] == [
        (4, ["vous livrez en Suisse ?", "livraison en Suisse possible ?"]),
        (1, ["vous vendez des vélos ?"]),
    ]
    assert clusters[0]["closest_article"] == {"id": "livraison", "title": "Délais de livraison"}


async def test_returns_by_reason_and_product_with_the_return_rate_and_overdue_refunds(world):
    report = await build_report(world.context, WEEK, now=at(20, 12))
    assert report["returns_by_reason"] == [
        {"reason": "changed_mind", "kind": "return", "count": 1},
        {"reason": "defective", "kind": "warranty", "count": 1},
    ]
    assert report["returns_by_product"] == [
        {
            "sku": "LAMP-ORSAY",
            "name": "Lampe Orsay",
            "category": "lighting",
            "returns": 2,
            "ordered": 4,
            "rate": 0.5,
        }
    ]
    assert report["refunds_overdue"] == 1  # received 5 November, promised within 10 days


async def test_every_csv_table_holds_what_the_json_holds(world):
    report = await build_report(world.context, WEEK)
    for table in TABLES:
        body = table_csv(report, table)
        assert body.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert rows[0] == list(COLUMNS[table])
        assert rows[1:] == report_csv_rows(report, table), table
        assert len(rows) > 1 or not report[table]


async def test_the_median_of_an_odd_number_of_tickets_is_the_middle_one(world):
    async with world.store.sessions.begin() as session:
        session.add(
            ReportTicket(
                ticket_id=999,
                conversation_id="c-elsewhere",
                day=date(2026, 11, 3),
                reason="shopper_request",
                offline=False,
                first_response_s=10.0,
                first_response_business_s=10.0,
                first_response_bucket="under_5m",
            )
        )
    headline = (await build_report(world.context, WEEK))["headline"]
    assert headline["first_response_median_s"] == figure(240.0, None, 3, 3)
    assert headline["resolution_median_s"] == figure((1800 + 223200) / 2, None, 2, 3)


def test_a_shoppers_question_never_runs_as_a_spreadsheet_formula():
    cluster = {"count": 2, "examples": ['=HYPERLINK("http://x")', "vélo ?"]}
    report = {"unanswered_clusters": [cluster | {"closest_article": None}]}
    rows = list(
        csv.reader(io.StringIO(table_csv(report, "unanswered_clusters").decode("utf-8-sig")))
    )
    assert rows[1] == ["2", '\'=HYPERLINK("http://x") | vélo ?', "", ""]


async def test_a_pass_reads_only_what_changed_and_forgets_deleted_conversations(world):
    sessions = world.store.sessions
    assert await refresh(sessions, HOURS, 12) == 0, "nothing changed since the last pass"
    # Weeks after its answer, c-answer goes to a person: handed off, still automated.
    async with sessions.begin() as session:
        session.add(
            Ticket(
                conversation_id="c-answer",
                reason="shopper_request",
                status="waiting",
                summary={},
                request="",
                created_at=datetime.now(UTC),
            )
        )
    assert await refresh(sessions, HOURS, 12) == 1
    async with sessions() as session:
        facts = await session.get(ReportConversation, "c-answer")
    assert (facts.contained, facts.handed_off) == (True, True), "its answer is > 72 h old"
    await delete_from_desk(sessions, ["c-answer"], PurgeReport())
    async with sessions() as session:
        left = await session.scalars(select(ReportConversation.conversation_id))
        assert "c-answer" not in set(left)
    report = await build_report(world.context, WEEK)
    assert report["headline"]["conversations"]["value"] == 4


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("2026-11-31", None, "not a real day"),
        ("02/11/2026", None, "YYYY-MM-DD"),
        ("2026-11-09", "2026-11-08", "is after"),
        ("2025-01-01", "2026-11-08", "at most 366 days"),
    ],
)
def test_periods_that_cannot_be_reported(start, end, problem):
    with pytest.raises(PeriodError, match=problem):
        parse_period(start, end, date(2026, 11, 25))


def test_the_default_period_is_the_last_30_days_today_included():
    period = parse_period(None, None, date(2026, 11, 25))
    assert (period.start, period.end, period.length) == (date(2026, 10, 27), date(2026, 11, 25), 30)
    assert parse_period("2025-11-25", "2026-11-25", date(2026, 11, 25)).length == 366


async def test_the_command_line_prints_the_same_report(world, report_url):
    if not report_url.startswith("sqlite"):
        pytest.skip("one backend is enough for the command line")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    env |= {
        "COMPTOIR_RUN_DIR": str(world.settings.run_dir),
        "COMPTOIR_DESK_DATABASE_URL": report_url,
        "COMPTOIR_KNOWLEDGE_DIR": str(world.settings.knowledge_dir),
        "COMPTOIR_INDEX_DIR": str(world.settings.index_dir),
    }
    command = [str(ROOT / ".venv" / "bin" / "comptoir"), "report", "--from", "2026-11-02"]
    command += ["--to", "2026-11-08"]
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == await build_report(world.context, WEEK)
    french = subprocess.run([*command, "--lang", "fr"], capture_output=True, text=True, env=env)
    assert "Taux d'automatisation\u00a0: 50,0\u202f% [2/4]" in french.stdout
    english = subprocess.run([*command, "--lang", "en"], capture_output=True, text=True, env=env)
    assert "Automation rate: 50.0% [2/4]" in english.stdout
    assert "First response (median): 1 d 7 h" in english.stdout
    wrong = subprocess.run([*command[:3], "2026-11-31"], capture_output=True, text=True, env=env)
    assert wrong.returncode == 2 and "not a real day" in wrong.stderr
