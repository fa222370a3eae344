"""The response-time promise: each ticket's due time, its state, and the overdue webhook.

Due times are counted in opening hours (a weekend, a public holiday, a night do not
count), checked on dates a shop meets. The tickets live in a real database (SQLite and
PostgreSQL), and the overdue sweeper posts to a real HTTP receiver: several sweepers
racing on the same database, as several desk processes would, report each late ticket
exactly once.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from comptoir.calendar import BusinessHours
from comptoir.desk.hub import Hub
from comptoir.desk.overdue import OVERDUE_EVENT, OverdueSweeper
from comptoir.desk.promise import DUE_STATES, Promise, promised_due
from comptoir.desk.routing import CONSOLE_CHANNEL
from comptoir.desk.store import ConversationStore
from comptoir.desk.tickets import Ticket, TicketStore
from comptoir.desk.webhook import WebhookSender, verify_webhook
from comptoir.settings import Settings
from tests.helpers import WebhookReceiver
from tests.unit.test_console_labels import codes

PARIS = ZoneInfo("Europe/Paris")
OFFICE = BusinessHours(response_time_hours=12)  # Monday to Friday, 9:00 to 18:00, Paris
SECRET = "shop-webhook-secret"


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "due", "why"),
    [
        (paris(2025, 1, 14, 9), paris(2025, 1, 15, 12), "9 h on Tuesday, 3 h on Wednesday"),
        (paris(2025, 1, 17, 17), paris(2025, 1, 21, 11), "Friday 17:00: the weekend is skipped"),
        (paris(2025, 1, 18, 3), paris(2025, 1, 21, 12), "asked on Saturday night"),
        (paris(2025, 1, 14, 22), paris(2025, 1, 16, 12), "asked after closing time"),
        (paris(2025, 4, 30, 16), paris(2025, 5, 5, 10), "1 May (a Thursday) is a holiday"),
        (paris(2025, 3, 28, 17), paris(2025, 4, 1, 11), "across the change to summer time"),
    ],
)
def test_the_promise_counts_opening_hours_only(start, due, why):
    promise = Promise(OFFICE)
    assert promise.due(start) == due, why
    assert OFFICE.open_seconds_between(start, promise.due(start)) == 12 * 3600, why


def test_promised_due_follows_the_settings():
    hours = BusinessHours(
        days=[0, 1, 2, 3, 4, 5], opens=time(10), closes=time(19), response_time_hours=6
    )
    settings = Settings(business_hours=hours)
    # Saturday is an opening day here: asked Friday 18:00, due Saturday 15:00.
    assert promised_due(settings, paris(2025, 1, 17, 18)) == paris(2025, 1, 18, 15)


def test_a_ticket_turns_soon_then_late_only_while_it_is_owed_an_answer():
    promise = Promise(OFFICE, soon_minutes=120)
    due = datetime(2025, 1, 15, 11, tzinfo=UTC)
    at = {
        "on_time": due - timedelta(hours=2, seconds=1),
        "soon": due - timedelta(hours=2),
        "late": due,
    }
    for status in ("waiting", "offline"):
        assert {state: promise.state(status, due, now) for state, now in at.items()} == {
            "on_time": "on_time",
            "soon": "soon",
            "late": "late",
        }
    for status in ("claimed", "collecting", "resolved", "handed_back"):
        assert promise.state(status, due, at["late"] + timedelta(days=3)) == "on_time", status
    assert promise.state("waiting", None, at["late"]) == "on_time"


def test_the_console_has_words_for_every_due_state():
    assert set(codes()["due_state"]) == set(DUE_STATES)


# ---------------------------------------------------------------- tickets in a database


@pytest.fixture
async def tickets(desk_store: ConversationStore) -> TicketStore:
    return TicketStore(desk_store.sessions, Promise(OFFICE, soon_minutes=120))


async def set_due(tickets: TicketStore, ticket_id: int, due: datetime | None) -> None:
    """Move a ticket's promised time (as if it had been opened earlier)."""
    async with tickets.sessions.begin() as session:
        await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(due_at=due))


def new_id() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


async def test_a_ticket_is_due_from_when_it_opened_or_went_offline(tickets):
    before = datetime.now(UTC)
    waiting, _ = await tickets.open(new_id(), "shopper_request")
    after = datetime.now(UTC)
    due = datetime.fromisoformat(waiting.due_at)
    assert OFFICE.after_open_seconds(before, 12 * 3600) <= due
    assert due <= OFFICE.after_open_seconds(after, 12 * 3600)
    assert (await tickets.get(waiting.id)).due_at == waiting.due_at
    assert waiting.id in {t.id for t in await tickets.queue()}

    collecting, _ = await tickets.open(new_id(), "shopper_request", status="collecting")
    assert collecting.due_at is None, "the shopper has not said what they need yet"
    await asyncio.sleep(0.05)
    moment = datetime.now(UTC)
    offline = await tickets.collect(collecting.id, email="lea@example.fr", request="ma facture")
    assert offline.status == "offline"
    assert datetime.fromisoformat(offline.due_at) >= OFFICE.after_open_seconds(moment, 12 * 3600)


async def test_the_queue_shows_each_tickets_state(tickets):
    now = datetime.now(UTC)
    ids = {}
    for name, due in {
        "on_time": now + timedelta(hours=5),
        "soon": now + timedelta(minutes=30),
        "late": now - timedelta(minutes=1),
    }.items():
        ticket, _ = await tickets.open(new_id(), "shopper_request")
        await set_due(tickets, ticket.id, due)
        ids[ticket.id] = name
    shown = {t.id: t.due_state for t in await tickets.queue() if t.id in ids}
    assert shown == ids
    late = next(i for i, name in ids.items() if name == "late")
    assert await tickets.claim(late, 1, "Camille")
    claimed = await tickets.get(late)
    assert (claimed.status, claimed.due_state) == ("claimed", "on_time"), "being handled"
    assert claimed.as_json()["due_state"] == "on_time" and claimed.as_json()["due_at"]


# ---------------------------------------------------------------- the overdue webhook


@pytest.fixture
def receiver():
    made = WebhookReceiver()
    yield made
    made.close()


async def past_due(tickets: TicketStore, count: int, status: str = "waiting") -> list[int]:
    """``count`` tickets whose promised time passed a minute ago."""
    made = []
    for _ in range(count):
        ticket, _ = await tickets.open(new_id(), "refund_overdue", status=status)
        if status == "collecting":
            ticket = await tickets.collect(ticket.id, email="a@example.fr", request="ma facture")
        await set_due(tickets, ticket.id, datetime.now(UTC) - timedelta(minutes=1))
        made.append(ticket.id)
    return made


async def test_racing_sweepers_post_each_late_ticket_once(desk_url, tickets, receiver):
    late = await past_due(tickets, 6) + await past_due(tickets, 3, status="collecting")
    on_time, _ = await tickets.open(new_id(), "shopper_request")
    taken = (await past_due(tickets, 1))[0]
    assert await tickets.claim(taken, 1, "Camille")
    # Two desk processes: each its own engine, hub and webhook sender, three sweeps each.
    other = ConversationStore(desk_url)
    sweepers, senders, hubs = [], [], []
    for sessions in (tickets.sessions, other.sessions):
        hub, sender = Hub(), WebhookSender(receiver.url, SECRET, first_delay_s=0.05)
        desk_tickets = TicketStore(sessions, tickets.promise)
        hubs.append((hub, hub.subscribe(CONSOLE_CHANNEL)))
        senders.append(sender)
        sweepers += [OverdueSweeper(desk_tickets, hub, sender) for _ in range(3)]
    try:
        reports = await asyncio.gather(*(sweeper.sweep() for sweeper in sweepers))
        again = await asyncio.gather(*(sweeper.sweep() for sweeper in sweepers))
    finally:
        for sender in senders:
            await sender.close()  # waits for the deliveries under way
        await other.close()

    reported = [ticket.id for report in reports for ticket in report]
    assert sorted(reported) == sorted(late), "each late ticket once, by one sweeper"
    assert [ticket for report in again for ticket in report] == [], "never twice"
    posted = [json.loads(body) for _, body in receiver.received]
    assert sorted(event["data"]["id"] for event in posted) == sorted(late)
    for (headers, body), event in zip(receiver.received, posted, strict=True):
        assert verify_webhook(headers, body, SECRET)
        assert event["event"] == OVERDUE_EVENT == "ticket_overdue"
        data = event["data"]
        assert data["due_state"] == "late" and data["due_at"] and data["conversation_id"]
        assert (data["reason"], data["language"]) == ("refund_overdue", "fr")
        assert data["status"] in ("waiting", "offline")
    assert on_time.id not in reported and taken not in reported
    # The consoles hear of it at once, from the desk that reported it.
    heard = [item["ticket"]["id"] for _, queue in hubs for item in drain(queue)]
    assert sorted(heard) == sorted(late)


def drain(queue: asyncio.Queue) -> list[dict]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return [item for item in items if item.get("event") == OVERDUE_EVENT]


async def test_tickets_from_before_the_promise_get_a_due_time(tickets):
    ticket, _ = await tickets.open(new_id(), "shopper_request")
    await set_due(tickets, ticket.id, None)  # as a ticket opened before the upgrade
    opened = datetime.fromisoformat(ticket.created_at)
    sweeper = OverdueSweeper(tickets, Hub(), None)
    assert await sweeper.sweep() == []
    dated = await tickets.get(ticket.id)
    assert datetime.fromisoformat(dated.due_at) == OFFICE.after_open_seconds(opened, 12 * 3600)


async def test_a_sweep_without_a_webhook_still_tells_the_consoles(tickets):
    late = await past_due(tickets, 1)
    hub = Hub()
    queue = hub.subscribe(CONSOLE_CHANNEL)
    reported = await OverdueSweeper(tickets, hub, None).sweep()
    assert [t.id for t in reported] == late
    frame = queue.get_nowait()
    assert (frame["event"], frame["ticket"]["id"], frame["ticket"]["due_state"]) == (
        "ticket_overdue",
        late[0],
        "late",
    )
