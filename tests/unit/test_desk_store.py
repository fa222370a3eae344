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
