"""The desk's history and vote stores on both backends: embedded SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic.script import ScriptDirectory

from comptoir.desk.db import sync_url
from comptoir.desk.schema import (
    MIGRATIONS,
    VERSION_TABLE,
    desk_metadata,
    upgrade_desk,
    upgrade_schema,
)
from comptoir.desk.store import ConversationStore
from comptoir.desk.votes import VoteStore


@pytest.fixture
def store(desk_store: ConversationStore) -> ConversationStore:
    return desk_store


async def test_messages_come_back_in_order_with_their_payload(store):
    conversation = f"u-{uuid.uuid4().hex[:10]}"
    await store.append(conversation, "shopper", "Bonjour", language="fr")
    await store.append(
        conversation,
        "bot",
        "Choisissez",
        language="fr",
        payload={"buttons": [{"title": "A", "payload": "/a"}], "custom": {"k": 1}},
    )
    history = await store.history(conversation)
    assert [(m.seq, m.sender, m.text) for m in history] == [
        (1, "shopper", "Bonjour"),
        (2, "bot", "Choisissez"),
    ]
    assert history[1].buttons == [{"title": "A", "payload": "/a"}]
    assert history[1].custom == {"k": 1}
    assert await store.language_of(conversation) == "fr"
    assert await store.history("nobody-" + conversation) is None


async def test_undelivered_messages_are_kept_and_marked(store):
    conversation = f"u-{uuid.uuid4().hex[:10]}"
    message = await store.append(conversation, "shopper", "allo ?", language="fr", delivered=False)
    assert (await store.history(conversation))[0].delivered is False
    await store.mark_delivered(message.id, True)
    assert (await store.history(conversation))[0].delivered is True


async def test_feedback_only_for_an_article_the_conversation_saw(store):
    conversation = f"u-{uuid.uuid4().hex[:10]}"
    await store.append(
        conversation, "bot", "Réponse", language="fr", payload={"custom": {"article_id": "facture"}}
    )
    votes = VoteStore(store.sessions)
    assert await votes.record_feedback(conversation, "facture", "ma facture ?", "up")
    assert not await votes.record_feedback(conversation, "carte-cadeau", "?", "down")
    assert (await votes.feedback_summary())["facture"]["up"] >= 1


async def test_a_message_sent_twice_by_the_widget_is_stored_once(store):
    conversation = f"u-{uuid.uuid4().hex[:10]}"
    first = await store.append(conversation, "shopper", "allo ?", language="fr", client_id="c1")
    again = await store.append(conversation, "shopper", "allo ?", language="fr", client_id="c1")
    other = await store.append(conversation, "shopper", "allo ?", language="fr", client_id="c2")
    assert first.seq == 1 and again is None and other.seq == 2
    assert [m.seq for m in await store.history(conversation, after=1)] == [2]


async def test_satisfaction_only_for_an_existing_conversation(store):
    conversation = f"u-{uuid.uuid4().hex[:10]}"
    await store.append(conversation, "shopper", "merci", language="fr")
    votes = VoteStore(store.sessions)
    before = (await votes.satisfaction_summary())["count"]
    assert await votes.record_satisfaction(conversation, 5, "")
    assert not await votes.record_satisfaction("nobody-" + conversation, 1, "")
    assert (await votes.satisfaction_summary())["count"] == before + 1


def test_the_migrations_describe_exactly_the_desk_models(desk_url):
    """A model changed without its migration fails here, before it reaches a shop."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    upgrade_desk(desk_url)
    engine = create_engine(sync_url(desk_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        differences = compare_metadata(context, desk_metadata())
        version = connection.exec_driver_sql("select version_num from desk_alembic_version")
        head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
        assert version.scalar_one() == head
    engine.dispose()
    assert differences == []


async def test_a_database_from_before_migrations_keeps_its_conversations(desk_url):
    """Desks before 0001 created their tables with create_all: upgrading keeps the data."""
    from alembic import command
    from sqlalchemy import create_engine, inspect, text

    from comptoir.desk.schema import BASELINE, _config

    # The tables as create_all made them then: those of the first revision, unversioned.
    command.upgrade(_config(sync_url(desk_url)), BASELINE)
    engine = create_engine(sync_url(desk_url))
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {VERSION_TABLE}"))
    assert "desk_alembic_version" not in inspect(engine).get_table_names()
    engine.dispose()
    old = ConversationStore(desk_url)
    conversation = f"u-{uuid.uuid4().hex[:10]}"
    await old.append(conversation, "shopper", "ma commande ?", language="fr")
    await old.close()

    await upgrade_schema(desk_url)
    await upgrade_schema(desk_url)  # idempotent, as at every start
    upgraded = ConversationStore(desk_url)
    history = await upgraded.history(conversation)
    await upgraded.close()
    assert [m.text for m in history] == ["ma commande ?"]
