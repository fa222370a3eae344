"""The desk's history store on both backends: embedded SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from comptoir.desk.store import ConversationStore


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = ConversationStore(url)
    await store.create_schema()
    yield store
    await store.close()


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
    assert await store.record_feedback(conversation, "facture", "ma facture ?", "up")
    assert not await store.record_feedback(conversation, "carte-cadeau", "?", "down")
    assert (await store.feedback_summary())["facture"]["up"] >= 1


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
    before = (await store.satisfaction_summary())["count"]
    assert await store.record_satisfaction(conversation, 5, "")
    assert not await store.record_satisfaction("nobody-" + conversation, 1, "")
    assert (await store.satisfaction_summary())["count"] == before + 1


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path) -> str:
    """A database with no table at all, on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    return request.getfixturevalue("fresh_postgres_url")


def test_the_migrations_describe_exactly_the_desk_models(empty_database):
    """A model changed without its migration fails here, before it reaches a shop."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from comptoir.desk.schema import VERSION_TABLE, desk_metadata, sync_url, upgrade_desk

    upgrade_desk(empty_database)
    engine = create_engine(sync_url(empty_database))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        differences = compare_metadata(context, desk_metadata())
        version = connection.exec_driver_sql("select version_num from desk_alembic_version")
        assert version.scalar_one() == "0001_desk"
    engine.dispose()
    assert differences == []


async def test_a_database_from_before_migrations_keeps_its_conversations(empty_database):
    """Desks before 0001 created their tables with create_all: upgrading keeps the data."""
    from sqlalchemy import create_engine, inspect

    from comptoir.desk.schema import desk_metadata, sync_url

    engine = create_engine(sync_url(empty_database))
    desk_metadata().create_all(engine)
    assert "desk_alembic_version" not in inspect(engine).get_table_names()
    engine.dispose()
    old = ConversationStore(empty_database)
    conversation = f"u-{uuid.uuid4().hex[:10]}"
    await old.append(conversation, "shopper", "ma commande ?", language="fr")
    await old.close()

    upgraded = ConversationStore(empty_database)
    await upgraded.create_schema()
    await upgraded.create_schema()  # idempotent, as at every start
    history = await upgraded.history(conversation)
    await upgraded.close()
    assert [m.text for m in history] == ["ma commande ?"]
