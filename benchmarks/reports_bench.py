"""The owner's report for 30 days over 100,000 conversations and 1,000,000 messages.

The data is generated here, straight into a fresh SQLite file and a PostgreSQL database
of its own (dropped afterwards): 60 days of conversations (greetings, answers, order
status, returns, misses handed to people, live and offline tickets, scores, votes),
about ten messages each, plus missed questions and a small shop with returns. Then
the report of the last 30 days is made as the API makes it (roll-up pass, then
``build_report``, then the JSON): the first call (which reads every conversation once)
apart, then p50 and p95 over 20 calls. ``BENCH_REPORT_CONVERSATIONS`` makes it smaller.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from comptoir.desk.editor import KnowledgePreview
from comptoir.desk.reports.period import parse_period, shop_today
from comptoir.desk.reports.queries import ReportContext, build_report
from comptoir.desk.reports.rollup import refresh
from comptoir.desk.schema import upgrade_desk
from comptoir.desk.store import Conversation, ConversationStore, Message
from comptoir.desk.tickets import Ticket
from comptoir.desk.votes import Feedback, Satisfaction
from comptoir.kb.misses import Miss, MissLog
from comptoir.settings import Settings
from comptoir.shop.db import upgrade as upgrade_shop
from comptoir.shop.models import Customer, Order, OrderLine, ReturnRequest

DAYS = 60
CALLS = 20
CHUNK = 2000
QUESTIONS = [
    "délais de livraison en Corse ?",
    "vous livrez en Suisse ?",
    "puis-je payer en plusieurs fois ?",
    "comment changer mon adresse de livraison",
    "ma lampe grésille, c'est normal ?",
    "avez-vous un magasin à Lyon ?",
    "quelle ampoule pour la lampe Orsay ?",
    "do you ship to Canada?",
]
MISSED = [
    f"{start} {thing} ?"
    for start in ("vous vendez", "avez-vous", "est-ce que vous faites", "je cherche")
    for thing in (
        "des vélos",
        "des pièces détachées",
        "une carte de fidélité",
        "des abat-jour sur mesure",
        "la livraison le dimanche",
        "un service de montage",
        "des ampoules connectées",
        "des bons de réduction étudiants",
    )
]


def _conversation(rng: random.Random, cid: str, start: datetime) -> dict[str, list[dict]]:
    """One conversation's rows: its messages, tickets, score and votes."""
    rows: dict[str, list[dict]] = {"messages": [], "tickets": [], "scores": [], "votes": []}
    at = start

    def say(sender: str, words: str, custom: dict | None = None, gap: float = 20) -> datetime:
        nonlocal at
        at += timedelta(seconds=gap * (0.5 + rng.random()))
        rows["messages"].append(
            {
                "conversation_id": cid,
                "seq": len(rows["messages"]) + 1,
                "sender": sender,
                "text": words,
                "payload": {"custom": custom or {}},
                "delivered": True,
                "created_at": at,
            }
        )
        return at

    kind = rng.random()
    if kind < 0.1:  # a greeting, nothing asked
        say("shopper", "Bonjour !")
        say("bot", "Bonjour ! Que puis-je pour vous ?")
        return rows
    say("shopper", "Bonjour")
    say("bot", "Bonjour ! Que puis-je pour vous ?")
    for _ in range(rng.randint(2, 4)):
        say("shopper", rng.choice(QUESTIONS))
        article = f"article-{rng.randrange(40)}"
        say("bot", "Voici la réponse.", {"kind": "knowledge_answer", "article_id": article})
        if rng.random() < 0.3:
            vote = "up" if rng.random() < 0.7 else "down"
            rows["votes"].append({"conversation_id": cid, "article_id": article, "vote": vote})
            rows["votes"][-1] |= {"question": "", "created_at": at + timedelta(seconds=5)}
    if kind < 0.3:
        say("shopper", "où est ma commande CMD-10004 ?")
        say("bot", "Votre adresse e-mail ?")
        say("shopper", "lea.martin@example.fr")
        late, lost = rng.random() < 0.1, rng.random() < 0.03
        if rng.random() < 0.05:
            say("bot", "Encore à expédier : Lampe Orsay.")
        status = {"kind": "order_status", "late": late, "inquiry_offered": lost}
        say("bot", "Votre commande est en route.", status)
    elif kind < 0.4:
        say("shopper", "je veux retourner ma lampe")
        refused = rng.random() < 0.2
        say("bot", "C'est noté.", {"kind": "return_refused" if refused else "return_created"})
    elif kind < 0.6:  # two misses, then a person
        say("shopper", rng.choice(MISSED))
        say("bot", "Je n'ai pas de réponse sûre.", {"kind": "knowledge_miss"})
        say("shopper", "/request_human")
        opened = say("bot", "Je vous passe un conseiller.", {"kind": "handoff"})
        offline = rng.random() < 0.3
        ticket = {
            "id": None,
            "conversation_id": cid,
            "reason": rng.choice(("shopper_request", "knowledge_miss", "parcel_inquiry")),
            "priority": "normal",
            "language": "fr",
            "summary": {},
            "request": "ma demande" if offline else "",
            "contact_email": "lea@example.fr" if offline else None,
            "created_at": opened,
        }
        if offline:  # answered by e-mail within 60 h, or not yet
            answered = opened + timedelta(hours=rng.uniform(1, 60))
            done = answered < datetime.now(UTC)
            ticket |= {
                "status": "resolved" if done else "offline",
                "closed_at": answered if done else None,
            }
        else:
            say("agent", "Camille a rejoint la conversation.", {"system": True}, gap=120)
            say("agent", "Bonjour, je regarde.", {"system": False}, gap=240)
            say("shopper", "merci")
            closed = say("agent", "Je vous rends au bot.", {"system": True, "closed": True}, 600)
            ticket |= {"status": "resolved", "closed_at": closed}
        rows["tickets"].append(ticket)
    if rng.random() < 0.2:
        score = rng.choice((1, 2, 3, 4, 4, 5, 5, 5))
        rows["scores"].append({"conversation_id": cid, "score": score, "comment": ""})
        rows["scores"][-1]["created_at"] = at + timedelta(seconds=30)
    return rows


def fill_desk(url: str, count: int, seed: int = 14) -> int:
    """``count`` conversations over the last 60 days, in bulk; returns the messages."""
    upgrade_desk(url)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = create_engine(url)
    messages = 0
    with engine.begin() as connection:
        for first in range(0, count, CHUNK):
            batch: dict[str, list[dict]] = {
                "messages": [],
                "tickets": [],
                "scores": [],
                "votes": [],
            }
            conversations = []
            for n in range(first, min(count, first + CHUNK)):
                cid = f"b-{n:07d}"
                start = now - timedelta(days=DAYS * rng.random(), hours=2)
                rows = _conversation(rng, cid, start)
                last = rows["messages"][-1]["created_at"]
                conversations.append(
                    {"id": cid, "language": "fr", "created_at": start, "updated_at": last}
                )
                for name in batch:
                    batch[name] += rows[name]
            for ticket in batch["tickets"]:
                ticket.pop("id")
                ticket.setdefault("closed_at", None)
            connection.execute(insert(Conversation), conversations)
            connection.execute(insert(Message), batch["messages"])
            for model, name in ((Ticket, "tickets"), (Satisfaction, "scores"), (Feedback, "votes")):
                if batch[name]:
                    connection.execute(insert(model), batch[name])
            messages += len(batch["messages"])
    engine.dispose()
    return messages


def fill_misses(url: str, count: int, seed: int = 15) -> None:
    """Missed questions of the 60 days (as the action server logs them)."""
    MissLog(url).engine.dispose()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        session.add_all(
            Miss(
                question=rng.choice(MISSED),
                language="fr",
                decision="none",
                conversation_id="b",
                at=now - timedelta(days=DAYS * rng.random()),
            )
            for _ in range(count)
        )
    engine.dispose()


def fill_shop(url: str, orders: int, seed: int = 16) -> None:
    """A shop with ``orders`` orders of 60 days and one return in ten."""
    upgrade_shop(url)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    skus = [
        (f"SKU-{n:03d}", f"Produit {n}", rng.choice(("lighting", "decor", "audio")))
        for n in range(60)
    ]
    reasons = (
        ("changed_mind", "withdrawal"),
        ("defective", "legal_guarantee"),
        ("wrong_item", "shop_fault"),
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(Customer), [{"id": 1, "email": "lea@example.fr"}])
        placed = [now - timedelta(days=DAYS * rng.random()) for _ in range(orders)]
        connection.execute(
            insert(Order),
            [
                {
                    "id": n + 1,
                    "number": f"CMD-{300000 + n}",
                    "customer_id": 1,
                    "email": "lea@example.fr",
                }
                | {"postcode": "75011", "placed_at": when, "status": "delivered"}
                for n, when in enumerate(placed)
            ],
        )
        lines = []
        for n in range(orders):
            sku, name, category = rng.choice(skus)
            lines.append(
                {"order_id": n + 1, "sku": sku, "name": name, "qty": rng.randint(1, 3)}
                | {"unit_price": 50, "category": category}
            )
        connection.execute(insert(OrderLine), lines)
        returned = rng.sample(range(orders), orders // 10)
        connection.execute(
            insert(ReturnRequest),
            [
                {"number": f"R-B-{n:06d}", "order_id": o + 1, "sku": lines[o]["sku"]}
                | dict(zip(("reason", "rule"), rng.choice(reasons), strict=True))
                | {"resolution": "refund", "payer": "shop", "status": "received"}
                | {
                    "created_at": placed[o] + timedelta(days=3),
                    "received_on": (placed[o] + timedelta(days=5)).date(),
                }
                for n, o in enumerate(returned)
            ],
        )
    engine.dispose()


async def time_reports(url: str, folder: Path, calls: int = CALLS) -> dict:
    """The report of the last 30 days, as the API makes it, timed."""
    settings = Settings(run_dir=folder)
    hours = settings.business_hours
    store = ConversationStore(url)
    context = ReportContext.from_settings(store.sessions, settings, KnowledgePreview(settings))
    period = parse_period(None, None, shop_today())

    async def call() -> tuple[float, dict]:
        started = time.perf_counter()
        await refresh(store.sessions, hours, hours.response_time_hours)
        report = await build_report(context, period)
        json.dumps(report)
        return time.perf_counter() - started, report

    try:
        started = time.perf_counter()
        await refresh(store.sessions, hours, hours.response_time_hours)
        first_pass = time.perf_counter() - started
        first, report = await call()
        timings = sorted([(await call())[0] * 1000 for _ in range(calls)])
    finally:
        await store.close()
    headline = report["headline"]
    return {
        "first_pass_s": round(first_pass, 2),
        "first_report_s": round(first, 2),
        "calls": calls,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(0.95 * calls) - 1], 1),
        "conversations_in_30_days": headline["conversations"]["value"],
        "automation_rate": headline["automation_rate"]["value"],
    }


def _backend(name: str, sync_url: str, async_url: str, folder: Path, count: int) -> dict:
    started = time.perf_counter()
    messages = fill_desk(sync_url, count)
    print(
        f"  {name}: {count} conversations, {messages} messages written in "
        f"{time.perf_counter() - started:.0f} s"
    )
    figures = {"conversations": count, "messages": messages}
    figures |= asyncio.run(time_reports(async_url, folder))
    print(
        f"  {name:<10} first pass {figures['first_pass_s']} s, first report "
        f"{figures['first_report_s']} s, then p50 {figures['p50_ms']} ms p95 "
        f"{figures['p95_ms']} ms over {figures['calls']} calls"
    )
    return figures


def run(postgres_admin_url: str | None, count: int = 100_000) -> dict:
    """Both backends, each in a database of its own; the figures, printed and returned."""
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="comptoir-reports-") as tmp:
        folder = Path(tmp)
        fill_misses(f"sqlite:///{folder / 'kb-misses.db'}", max(100, count // 20))
        fill_shop(f"sqlite:///{folder / 'shop.db'}", max(1000, count // 5))
        db = folder / "desk.db"
        results["sqlite"] = _backend(
            "sqlite", f"sqlite:///{db}", f"sqlite+aiosqlite:///{db}", folder, count
        )
        if postgres_admin_url:
            admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("DROP DATABASE IF EXISTS comptoir_reports_bench"))
                conn.execute(text("CREATE DATABASE comptoir_reports_bench"))
            url = admin.url.set(database="comptoir_reports_bench").render_as_string(
                hide_password=False
            )
            try:
                results["postgresql"] = _backend("postgresql", url, url, folder, count)
            finally:
                with admin.connect() as conn:
                    conn.execute(
                        text("DROP DATABASE IF EXISTS comptoir_reports_bench WITH (FORCE)")
                    )
                admin.dispose()
    return results
