"""Retention and erasure of shoppers' conversations, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from comptoir.desk import retention
from comptoir.desk.accounts import AccountStore, ConsoleSession
from comptoir.desk.store import Conversation, ConversationStore
from comptoir.desk.tickets import TicketStore
from comptoir.desk.votes import Feedback, Satisfaction, VoteStore
from comptoir.settings import Settings
from tests.helpers import backdate_ticket


@pytest.fixture
def desk(desk_store: ConversationStore, desk_url: str, tmp_path):
    return desk_store, Settings(run_dir=tmp_path, desk_database_url=desk_url)


async def conversation(store: ConversationStore, idle_days: int) -> str:
    """A conversation whose last message is ``idle_days`` old."""
    cid = f"r-{uuid.uuid4().hex[:10]}"
    await store.append(
        cid, "shopper", "ma commande CMD-10001, lea.martin@example.fr", language="fr"
    )
    await store.append(cid, "bot", "Votre commande est livrée.", language="fr")
    async with store.sessions.begin() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == cid)
            .values(updated_at=datetime.now(UTC) - timedelta(days=idle_days))
        )
    return cid


async def test_purge_deletes_old_chats_and_keeps_recent_ones_and_those_awaiting_a_person(desk):
    store, settings = desk
    old, recent = await conversation(store, 400), await conversation(store, 10)
    waiting, offline = await conversation(store, 400), await conversation(store, 400)
    tickets = TicketStore(store.sessions)
    await tickets.open(waiting, "shopper_request")
    collecting, _ = await tickets.open(offline, "shopper_request", status="collecting")
    await tickets.collect(collecting.id, email="lea@example.fr", request="ma lampe ne marche pas")
    closed, _ = await tickets.open(old, "shopper_request")
    assert await tickets.claim(closed.id, 1, "Camille")
    await tickets.add_note(closed.id, "Camille", "cliente rappelée")
    assert await tickets.close(closed.id, 1, "resolved")

    dry = await retention.purge(settings, store.sessions, 365, dry_run=True)
    assert (dry.conversations, dry.messages) == (1, 2)
    assert await store.history(old) is not None, "a dry run deletes nothing"

    report = await retention.purge(settings, store.sessions, 365)
    assert (report.conversations, report.messages, report.tickets) == (1, 2, 1)
    assert await store.history(old) is None and await tickets.notes(closed.id) == []
    for kept in (recent, waiting, offline):
        assert len(await store.history(kept)) == 2


async def test_votes_and_scores_stay_as_anonymous_counts(desk):
    store, settings = desk
    cid = await conversation(store, 400)
    await store.append(
        cid, "bot", "10 jours", language="fr", payload={"custom": {"article_id": "facture"}}
    )
    votes = VoteStore(store.sessions)
    assert await votes.record_feedback(cid, "facture", "ma facture svp, CMD-10001", "down")
    async with store.sessions.begin() as session:
        session.add(
            Satisfaction(
                conversation_id=cid,
                score=2,
                comment="appelez-moi au 06 12 34 56 78",
                created_at=datetime.now(UTC),
            )
        )
    await retention.forget(settings, store.sessions, [cid])
    assert await store.history(cid) is None
    assert (await votes.feedback_summary())["facture"] == {"up": 0, "down": 1}
    async with store.sessions() as session:
        vote = (await session.scalars(select(Feedback))).one()
        score = (await session.scalars(select(Satisfaction))).one()
    assert (vote.conversation_id, vote.question) == ("", "")
    assert (score.score, score.comment, score.conversation_id) == (2, "", "")


async def test_console_sign_ins_past_their_end_are_removed(desk):
    store, settings = desk
    accounts = AccountStore(store.sessions)
    await accounts.add_user("camille", "correct horse battery", "agent", "Camille")
    _, token, _ = await accounts.sign_in("camille", "correct horse battery")
    async with store.sessions.begin() as session:
        await session.execute(
            update(ConsoleSession).values(expires_at=datetime.now(UTC) - timedelta(hours=1))
        )
    report = await retention.purge(settings, store.sessions, 365)
    assert report.console_sessions == 1
    assert await accounts.resolve(token) is None


async def offline_ticket(store: ConversationStore, age_days: int, outcome: str) -> str:
    """A conversation whose offline ticket (e-mail and request) is ``age_days`` old:
    ``resolved`` (answered), ``offline`` (never answered) or ``collecting`` (left
    before giving both)."""
    cid = await conversation(store, age_days)
    tickets = TicketStore(store.sessions)
    ticket, _ = await tickets.open(cid, "shopper_request", status="collecting")
    if outcome != "collecting":
        await tickets.collect(ticket.id, email="lea@example.fr", request="ma lampe grésille")
    if outcome == "resolved":
        assert await tickets.close(ticket.id, 1, "resolved")
    old = datetime.now(UTC) - timedelta(days=age_days)
    await backdate_ticket(store.sessions, ticket.id, old, closed=outcome == "resolved")
    return cid


async def test_offline_tickets_go_after_their_own_period_live_handoffs_stay(desk):
    store, settings = desk
    settings = settings.model_copy(update={"offline_ticket_retention_days": 90})
    gone = [await offline_ticket(store, 100, o) for o in ("resolved", "offline", "collecting")]
    kept = [await offline_ticket(store, 30, o) for o in ("resolved", "offline")]
    waiting = await conversation(store, 100)
    await TicketStore(store.sessions).open(waiting, "shopper_request")
    dry = await retention.purge(settings, store.sessions, 365, dry_run=True)
    assert dry.conversations == 3
    report = await retention.purge(settings, store.sessions, 365)
    assert (report.conversations, report.tickets) == (3, 3)
    for cid in gone:
        assert await store.history(cid) is None
    for cid in (*kept, waiting):
        assert await store.history(cid) is not None
