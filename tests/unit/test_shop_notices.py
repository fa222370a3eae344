"""Shop notices: written and withdrawn by editors, shown while active, repeated by the bot
after an answer on their topic, once per conversation.

The notices live in a real database (SQLite and PostgreSQL); the bot answers through the
real ``MessageRouter`` with the fake bot of ``test_routing`` (no Rasa here: the answers'
``custom`` is what the actions send, tested in ``tests/unit/actions``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from comptoir.desk.shop_notices import (
    MAX_CHARS,
    SHOP_NOTICE,
    TOPICS,
    NoticeDraft,
    NoticeInvalid,
    NoticeStore,
    answer_topics,
    read_draft,
)
from comptoir.desk.store import ConversationStore
from comptoir.message_kinds import HANDOFF, KNOWLEDGE_ANSWER, ORDER_STATUS, RETURN_CREATED
from tests.unit.test_console_labels import codes
from tests.unit.test_routing import ALWAYS_OPEN, bot_says, make_router, new_id, say

PARIS = "Europe/Paris"
NOW = datetime(2025, 1, 14, 10, tzinfo=UTC)
STRIKE_FR = "Grève chez Colissimo : les livraisons ont jusqu'à 2 jours de retard."
STRIKE_EN = "Colissimo strike: deliveries may be up to 2 days late."


def body(**fields) -> dict:
    """A valid notice as the console sends it, with ``fields`` changed."""
    return {
        "text_fr": STRIKE_FR,
        "text_en": STRIKE_EN,
        "start": "2025-01-14T08:00",
        "end": "2025-01-16T20:00",
        "topics": ["delivery"],
        **fields,
    }


def refusal(fields: dict, now: datetime = NOW) -> tuple[str, str]:
    with pytest.raises(NoticeInvalid) as refused:
        read_draft(body(**fields), PARIS, now)
    return refused.value.code, refused.value.field


# ---------------------------------------------------------------- what a valid notice is


def test_times_are_the_shops_local_time():
    winter = read_draft(body(), PARIS, NOW)
    assert winter.starts_at == datetime(2025, 1, 14, 7, tzinfo=UTC)  # 8:00 in Paris, UTC+1
    assert winter.ends_at == datetime(2025, 1, 16, 19, tzinfo=UTC)
    summer = read_draft(body(start="2025-07-01T08:00", end="2025-07-02T08:00"), PARIS, NOW)
    assert summer.starts_at == datetime(2025, 7, 1, 6, tzinfo=UTC)  # UTC+2 in summer
    assert winter.topics == ("delivery",)


def test_a_notice_needs_text_a_period_and_topics():
    assert refusal({"text_fr": " ", "text_en": ""}) == ("empty_text", "text_fr")
    assert refusal({"text_en": "x" * (MAX_CHARS + 1)}) == ("text_too_long", "text_en")
    assert refusal({"text_fr": ["<b>"]}) == ("invalid_text", "text_fr")
    assert refusal({"start": "demain"}) == ("invalid_start", "start")
    assert refusal({"end": None}) == ("invalid_end", "end")
    assert refusal({"start": "0001-01-01T00:05"}) == ("invalid_start", "start")
    assert refusal({"end": "2025-01-14T08:00"}) == ("end_before_start", "end")
    assert refusal({"end": "2025-01-13T08:00"}) == ("end_before_start", "end")
    assert refusal({"start": "2025-01-01T08:00", "end": "2025-01-14T10:30"}) == (
        "already_ended",
        "end",
    )
    assert refusal({"topics": []}) == ("no_topic", "topics")
    assert refusal({"topics": "delivery"}) == ("no_topic", "topics")
    assert refusal({"topics": ["delivery", "weather"]}) == ("unknown_topic", "topics")


def test_the_text_is_kept_as_typed_but_for_control_characters():
    draft = read_draft(
        body(text_fr="  <b>Attention</b>\r\nDeux jours\x00 de retard  ", text_en=""), PARIS, NOW
    )
    assert draft.text_fr == "<b>Attention</b>\nDeux jours de retard"  # plain text, not HTML
    assert draft.text_en == ""
    everything = read_draft(body(topics=["payment", "all", "delivery"]), PARIS, NOW)
    assert everything.topics == ("all",)
    assert read_draft(body(topics=["returns", "delivery"]), PARIS, NOW).topics == (
        "delivery",
        "returns",
    )


def test_the_console_has_words_for_every_topic():
    assert set(codes()["notice_topic"]) == set(TOPICS)
    assert set(codes()["notice_state"]) == {"upcoming", "active", "ended"}


# ---------------------------------------------------------------- the store


@pytest.fixture
def notices(desk_store: ConversationStore) -> NoticeStore:
    return NoticeStore(desk_store.sessions)


def draft(start: datetime, end: datetime, *topics: str, fr=STRIKE_FR, en=STRIKE_EN):
    return NoticeDraft(fr, en, topics or ("delivery",), start, end)


async def test_editors_write_change_and_withdraw_a_notice(notices):
    now = datetime.now(UTC)
    made = await notices.create(draft(now, now + timedelta(days=2)), "Inès")
    assert [n.id for n in await notices.listing()] == [made.id]
    shown = made.for_console(PARIS, now)
    assert (shown["state"], shown["topics"], shown["updated_by"]) == (
        "active",
        ["delivery"],
        "Inès",
    )
    assert shown["start"] == now.astimezone(ZoneInfo(PARIS)).strftime("%Y-%m-%dT%H:%M")

    later = draft(now + timedelta(days=1), now + timedelta(days=3), "delivery", "orders")
    changed = await notices.update(made.id, later, "Camille")
    assert changed.topics == ("delivery", "orders") and changed.updated_by == "Camille"
    assert changed.for_console(PARIS, now)["state"] == "upcoming"
    assert [n.id for n in await notices.active()] == [], "not started yet"

    assert await notices.withdraw(made.id, "Camille")
    assert not await notices.withdraw(made.id, "Camille"), "already withdrawn"
    assert await notices.update(made.id, later, "Inès") is None
    assert await notices.listing() == []
    assert await notices.update(10_000, later, "Inès") is None


async def test_only_notices_within_their_period_are_active(notices):
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    ended = await notices.create(draft(now - 3 * hour, now - hour), "Inès")
    current = await notices.create(draft(now - hour, now + hour), "Inès")
    upcoming = await notices.create(draft(now + hour, now + 3 * hour), "Inès")
    withdrawn = await notices.create(draft(now - hour, now + hour), "Inès")
    await notices.withdraw(withdrawn.id, "Inès")
    assert [n.id for n in await notices.active(now)] == [current.id]
    assert [n.id for n in await notices.active(now + 2 * hour)] == [upcoming.id]
    assert [n.id for n in await notices.active(now - 2 * hour)] == [ended.id]
    assert {n.id for n in await notices.listing(now)} == {ended.id, current.id, upcoming.id}
    assert [n.id for n in await notices.listing(now + timedelta(days=31))] == []


async def test_a_shopper_reads_their_language_or_else_the_other(notices):
    now = datetime.now(UTC)
    period = (now - timedelta(hours=1), now + timedelta(hours=1))
    both = await notices.create(draft(*period), "Inès")
    french_only = await notices.create(draft(*period, en=""), "Inès")
    english_only = await notices.create(draft(*period, fr=""), "Inès")
    assert both.for_shopper("en")["text"] == STRIKE_EN
    assert both.for_shopper("fr")["text"] == STRIKE_FR
    assert (french_only.for_shopper("en")["text"], french_only.for_shopper("en")["language"]) == (
        STRIKE_FR,
        "fr",
    )
    assert english_only.for_shopper("fr")["language"] == "en"


# ---------------------------------------------------------------- topics of an answer


@pytest.mark.parametrize(
    ("custom", "topics"),
    [
        ({"kind": ORDER_STATUS, "order_number": "CMD-10003"}, {"delivery", "orders"}),
        ({"kind": RETURN_CREATED, "return_number": "R-1"}, {"returns"}),
        ({"kind": KNOWLEDGE_ANSWER, "article_id": "livraison-delais"}, {"delivery"}),
        ({"kind": KNOWLEDGE_ANSWER, "article_id": "late-order"}, {"delivery", "orders"}),
        ({"kind": KNOWLEDGE_ANSWER, "article_id": "commande-annuler"}, {"orders"}),
        ({"kind": KNOWLEDGE_ANSWER, "article_id": "refund-time"}, {"returns"}),
        ({"kind": KNOWLEDGE_ANSWER, "article_id": "paiement-refuse"}, {"payment"}),
        ({"kind": KNOWLEDGE_ANSWER, "article_id": "commande-en-retard"}, {"delivery", "orders"}),
        (
            {
                "kind": KNOWLEDGE_ANSWER,
                "article_id": "workshop-pickup",
                "article_section": "livraison",
            },
            {"delivery"},
        ),
        (
            {"kind": KNOWLEDGE_ANSWER, "article_id": "q1", "article_tags": ["Délai", "échange"]},
            {"delivery", "returns"},
        ),
        ({"kind": KNOWLEDGE_ANSWER, "article_id": "facture", "article_tags": ["facture"]}, set()),
        ({"kind": "knowledge_miss"}, set()),
        ({}, set()),
    ],
)
def test_which_answers_are_on_which_topic(custom, topics):
    assert answer_topics(custom) == topics


# ---------------------------------------------------------------- in the bot's answers


@pytest.fixture
def routed(tmp_path, desk_url, desk_store):
    return make_router(tmp_path, (desk_url, desk_store), ALWAYS_OPEN)


ORDER_ANSWER = bot_says("Votre commande CMD-10003 est en route.", kind=ORDER_STATUS)
INVOICE_ANSWER = bot_says("Votre facture est dans votre compte.", kind=KNOWLEDGE_ANSWER)


async def active_notice(notices: NoticeStore, *topics: str, **texts: str) -> int:
    now = datetime.now(UTC)
    made = await notices.create(
        draft(now - timedelta(hours=1), now + timedelta(hours=1), *topics, **texts), "Inès"
    )
    return made.id


async def test_the_bot_adds_the_notice_after_a_matching_answer_once_per_conversation(routed):
    router, bot = routed
    strike = await active_notice(router.notices, "delivery")
    cid = new_id()
    bot.replies = [dict(INVOICE_ANSWER, custom={"kind": KNOWLEDGE_ANSWER, "article_id": "facture"})]
    first = (await say(router, cid, "où est ma facture ?")).body["messages"]
    assert [m["text"] for m in first] == [INVOICE_ANSWER["text"]], "not about delivery"

    bot.replies = [ORDER_ANSWER]
    answer = (await say(router, cid, "où est ma commande ?")).body["messages"]
    assert [m["custom"].get("kind") for m in answer] == [ORDER_STATUS, SHOP_NOTICE]
    notice = answer[1]
    assert notice["text"] == f"Information de la boutique : {STRIKE_FR}"
    assert notice["custom"] == {"kind": SHOP_NOTICE, "notice_id": strike, "language": "fr"}
    assert notice["buttons"] == [] and notice["seq"] > answer[0]["seq"]
    stored = await router.store.history(cid)
    assert stored[-1].text == notice["text"] and stored[-1].sender == "bot"

    again = (await say(router, cid, "et ma commande, alors ?")).body["messages"]
    assert [m["custom"].get("kind") for m in again] == [ORDER_STATUS], "once per conversation"
    other = new_id()
    elsewhere = (await say(router, other, "où est ma commande ?")).body["messages"]
    assert elsewhere[-1]["custom"]["notice_id"] == strike, "each conversation reads it once"


async def test_each_notice_on_its_own_topic_in_the_shoppers_language(routed):
    router, bot = routed
    returns = await active_notice(router.notices, "returns", en="")
    everything = await active_notice(
        router.notices, "all", fr="Fermé le 1er mai.", en="Closed on May 1."
    )
    cid = new_id()
    bot.replies = [bot_says("Your order is on its way.", kind=ORDER_STATUS, language="en")]
    answer = (await say(router, cid, "where is my order?", lang="en")).body["messages"]
    assert [(m["text"], m["custom"]["notice_id"]) for m in answer[1:]] == [
        ("A word from the shop: Closed on May 1.", everything)
    ]
    bot.replies = [bot_says("Return R-1 recorded.", kind=RETURN_CREATED, language="en")]
    answer = (await say(router, cid, "I want to return it", lang="en")).body["messages"]
    # The English text was left empty: the French one is shown, announced in English.
    assert [(m["text"], m["custom"]["notice_id"]) for m in answer[1:]] == [
        (f"A word from the shop: {STRIKE_FR}", returns)
    ]


async def test_no_notice_when_the_bot_hands_over_or_after_a_withdrawal(routed):
    router, bot = routed
    strike = await active_notice(router.notices, "orders")
    cid = new_id()
    bot.replies = [ORDER_ANSWER, bot_says("Je vous passe un conseiller.", kind=HANDOFF)]
    answer = (await say(router, cid, "un conseiller pour ma commande")).body["messages"]
    assert SHOP_NOTICE not in [m["custom"].get("kind") for m in answer]
    assert await router.notices.withdraw(strike, "Inès")
    bot.replies = [ORDER_ANSWER]
    answer = (await say(router, new_id(), "où est ma commande ?")).body["messages"]
    assert [m["custom"].get("kind") for m in answer] == [ORDER_STATUS]
