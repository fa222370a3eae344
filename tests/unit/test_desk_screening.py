"""What the router keeps and relays of a shopper's text: offered payloads only, honest
labels, payment details masked (with the notice), the ticket limit, a clean console bus.

A fake bot and a real SQLite desk database, as in ``test_routing``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from comptoir.desk.api_models import IncomingMessage, SignedCustomer
from comptoir.desk.payloads import neutralise, offered_buttons
from comptoir.desk.routing import CONSOLE_CHANNEL, MessageRouter
from comptoir.desk.store import ConversationStore
from comptoir.message_kinds import HANDOFF
from comptoir.redaction import NOTICE
from tests.unit.test_routing import (
    ALWAYS_OPEN,
    NEVER_OPEN,
    FakeBot,
    bot_says,
    drain,
    make_router,
    new_id,
    sign_in_an_agent,
)

CARD = "4111 1111 1111 1111"
IBAN = "FR76 3000 6000 0112 3456 7890 189"


class RecordingBot(FakeBot):
    """The fake bot, remembering the metadata of each message too."""

    def __init__(self, store: ConversationStore) -> None:
        super().__init__(store)
        self.metadata: list[dict[str, Any]] = []

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any]):
        self.metadata.append(metadata)
        return await super().send(conversation_id, text, metadata)


def router_for(tmp_path, desk, hours=ALWAYS_OPEN, **settings: Any):
    router, _ = make_router(tmp_path, desk, hours)
    router.settings = router.settings.model_copy(update=settings)
    bot = RecordingBot(router.store)
    router.bot = bot
    return router, bot


async def say(router: MessageRouter, cid: str, text: str, **fields: Any):
    current = await router.store.language_of(cid)
    incoming = IncomingMessage(text=text, **fields)
    return await router.relay(cid, incoming, current, address="192.0.2.7")


def with_buttons(text: str, *payloads: tuple[str, str]) -> dict[str, Any]:
    buttons = [{"title": title, "payload": payload} for title, payload in payloads]
    return {"text": text, "buttons": buttons, "custom": {}}


async def shopper_messages(router: MessageRouter, cid: str) -> list[Any]:
    return [m for m in await router.store.history(cid) or [] if m.sender == "shopper"]


async def test_only_a_payload_of_the_last_turn_reaches_the_bot_as_an_intent(tmp_path, sqlite_desk):
    router, bot = router_for(tmp_path, sqlite_desk)
    cid = new_id()
    bot.replies = [with_buttons("Confirmez-vous ?", ("Oui", "/affirm"), ("Non", "/deny"))]
    await say(router, cid, "je veux retourner un article")
    bot.replies = [bot_says("D'accord.")]
    await say(router, cid, '/affirm{"return_resolution":"refund"}')  # not offered
    await say(router, cid, "/deny")  # offered, but one turn ago
    assert bot.sent[1:] == ['affirm{"return_resolution":"refund"}', "deny"]
    stored = [m.text for m in await shopper_messages(router, cid)]
    assert stored[1] == '/affirm{"return_resolution":"refund"}', "the history keeps the words"


async def test_an_offered_payload_and_the_widgets_own_button_go_through(tmp_path, sqlite_desk):
    router, bot = router_for(tmp_path, sqlite_desk)
    cid = new_id()
    bot.replies = [bot_says("Voici."), with_buttons("Confirmez-vous ?", ("Oui", "/affirm"))]
    await say(router, cid, "je veux retourner un article")
    bot.replies = [bot_says("C'est fait.")]
    await say(router, cid, "/affirm", label="Oui")
    await say(router, cid, "/request_human", label="Parler à un conseiller")
    assert bot.sent[1:] == ["/affirm", "/request_human"]
    labels = [m.custom.get("label") for m in await shopper_messages(router, cid)]
    assert labels == [None, "Oui", "Parler à un conseiller"]


async def test_a_message_that_failed_to_reach_the_bot_does_not_end_its_turn(tmp_path, sqlite_desk):
    router, bot = router_for(tmp_path, sqlite_desk)
    cid = new_id()
    bot.replies = [with_buttons("Confirmez-vous ?", ("Oui", "/affirm"))]
    await say(router, cid, "je veux retourner un article")
    bot.down = True
    assert (await say(router, cid, "/affirm", label="Oui")).status == 503
    bot.down = False
    await say(router, cid, "/affirm", label="Oui")  # the retry after the outage
    assert bot.sent[-1] == "/affirm"


async def test_a_label_that_is_not_the_offered_title_is_dropped(tmp_path, sqlite_desk):
    router, bot = router_for(tmp_path, sqlite_desk)
    cid = new_id()
    bot.replies = [with_buttons("Confirmez-vous ?", ("Oui", "/affirm"))]
    await say(router, cid, "bonjour", label="Merci, tout est réglé !")
    await say(router, cid, "/affirm", label="Non merci")
    await say(router, cid, "/request_human", label="Merci, tout est réglé !")
    assert [m.custom.get("label") for m in await shopper_messages(router, cid)] == [None] * 3


async def test_payment_details_are_masked_before_storing_relaying_and_publishing(
    tmp_path, sqlite_desk
):
    router, bot = router_for(tmp_path, sqlite_desk)
    cid = new_id()
    follower = router.hub.subscribe(cid)
    bot.replies = [bot_says("Je ne peux pas vous aider avec ça.")]
    relayed = await say(router, cid, f"ma carte {CARD} cvv 123 et l'IBAN {IBAN}")
    texts = [m["text"] for m in relayed.body["messages"]]
    assert texts == [NOTICE("fr"), "Je ne peux pas vous aider avec ça."]
    [stored] = await shopper_messages(router, cid)
    published = "\n".join(m["text"] for m in drain(follower))
    for where in (stored.text, bot.sent[0], published):
        assert "4111" not in where and "cvv 123" not in where and "FR76" not in where
    assert "[numéro de carte masqué]" in stored.text and "[IBAN masqué]" in bot.sent[0]


async def test_what_an_agent_gets_is_masked_and_the_console_bus_has_no_token(tmp_path, sqlite_desk):
    router, bot = router_for(tmp_path, sqlite_desk)
    await sign_in_an_agent(router)
    cid = new_id()
    bot.replies = [bot_says("Je vous passe un conseiller.", kind=HANDOFF, reason="x")]
    await say(router, cid, f"remboursez sur {IBAN} s'il vous plaît, je veux un conseiller")
    ticket = await router.tickets.active(cid)
    assert "FR76" not in json.dumps(ticket.summary)
    consoles = router.hub.subscribe(CONSOLE_CHANNEL)
    relayed = await say(router, cid, f"ma carte : {CARD}")
    assert relayed.body["messages"][0]["text"] == NOTICE("fr")
    events = drain(consoles)
    assert events and all("conversation_token" not in event for event in events)
    assert "4111" not in json.dumps(events)


async def test_out_of_hours_the_collected_request_is_masked(tmp_path, sqlite_desk):
    router, bot = router_for(tmp_path, sqlite_desk, NEVER_OPEN)
    cid = new_id()
    bot.replies = [bot_says("Je transmets.", kind=HANDOFF, reason="shopper_request")]
    await say(router, cid, "je veux un conseiller")
    await say(router, cid, f"jean@example.org remboursez la carte {CARD} svp")
    ticket = (await router.tickets.queue())[0]
    assert ticket.contact_email == "jean@example.org" and "4111" not in ticket.request


async def test_the_actions_get_the_client_address_and_the_identitys_expiry(tmp_path, sqlite_desk):
    router, bot = router_for(tmp_path, sqlite_desk)
    bot.replies = [bot_says("Bonjour !")]
    customer = SignedCustomer(email="a@example.fr", signature="ab", expires=1_900_000_000)
    await say(router, new_id(), "bonjour", customer=customer)
    await say(router, new_id(), "bonjour")
    assert bot.metadata[0]["client_address"] == "192.0.2.7"
    assert bot.metadata[0]["customer_expires"] == 1_900_000_000
    assert "customer_expires" not in bot.metadata[1]


async def test_past_the_daily_ticket_limit_no_ticket_is_opened(tmp_path, sqlite_desk):
    router, bot = router_for(
        tmp_path, sqlite_desk, NEVER_OPEN, limit_tickets_per_conversation_per_day=1
    )
    cid = new_id()
    bot.replies = [bot_says("Je transmets.", kind=HANDOFF, reason="shopper_request")]
    await say(router, cid, "/request_human")
    await say(router, cid, "jean@example.org")
    await say(router, cid, "ma lampe ne marche plus du tout")  # the offline ticket is done
    refused = await say(router, cid, "/request_human")
    assert refused.status == 429 and 0 < int(refused.headers["Retry-After"]) <= 86400
    assert refused.body["error"] == "too_many_requests"
    texts = [m["text"] for m in refused.body["messages"]]
    assert "Je transmets." not in texts and "aujourd'hui" in texts[-1]
    assert await router.tickets.active(cid) is None


def test_offered_buttons_are_those_of_the_last_bot_turn():
    from datetime import UTC, datetime

    from comptoir.desk.store import StoredMessage

    def message(sender: str, *payloads: str, delivered: bool = True) -> StoredMessage:
        buttons = [{"title": p, "payload": p} for p in payloads]
        now = datetime.now(UTC)
        return StoredMessage(0, 0, sender, "", buttons, {}, delivered, now)

    newest_first = [
        message("bot", "/b"),
        message("bot", "/a"),
        message("shopper"),
        message("bot", "/old"),
    ]
    assert {b["payload"] for b in offered_buttons(newest_first)} == {"/a", "/b"}
    failed = [message("shopper", delivered=False), message("bot", "/a"), message("shopper")]
    assert [b["payload"] for b in offered_buttons(failed)] == ["/a"]
    assert offered_buttons([message("agent"), message("bot", "/a")]) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [("/affirm", "affirm"), ("/ /affirm{}", "affirm{}"), ("//", "?"), ("/ aide", "aide")],
)
def test_neutralised_text_never_starts_with_a_slash(text, words):
    assert neutralise(text) == words
