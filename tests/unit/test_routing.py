"""Where a shopper's message goes: the ``MessageRouter`` with a fake bot and a real database.

No Rasa here: a fake bot answers (or fails) as told, and the desk database is a real
SQLite file, so what is checked is what a shopper or an agent would notice: nothing
written is lost, a handoff really pauses the bot, out of hours the bot takes an e-mail,
and once a person has the chat the bot stays out of it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import time
from typing import Any

from comptoir.calendar import BusinessHours
from comptoir.desk.accounts import AccountStore
from comptoir.desk.api_models import IncomingMessage
from comptoir.desk.hub import Hub
from comptoir.desk.rasa_client import BotUnavailable
from comptoir.desk.routing import CONSOLE_CHANNEL, MessageRouter
from comptoir.desk.store import ConversationStore
from comptoir.desk.tickets import TicketStore
from comptoir.message_kinds import HANDOFF, REASON_REFUND_OVERDUE
from comptoir.settings import Settings

ALWAYS_OPEN = BusinessHours(
    days=list(range(7)), opens=time.min, closes=time.max, skip_public_holidays=False
)
NEVER_OPEN = BusinessHours(opens=time(9), closes=time(9))


class FakeBot:
    """Answers with ``replies`` (or raises when ``down``); remembers what it was asked."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        self.replies: list[dict[str, Any]] = []
        self.down = False
        self.sent: list[str] = []
        self.history_when_sent: list[list[str]] = []
        self.paused: list[str] = []
        self.resumed: list[str] = []

    async def send(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        self.sent.append(text)
        history = await self.store.history(conversation_id) or []
        self.history_when_sent.append([m.text for m in history])
        if self.down:
            raise BotUnavailable("Rasa unreachable")
        return [dict(m, custom=dict(m["custom"])) for m in self.replies]

    async def actions_status(self) -> dict[str, Any]:
        return {"ok": not self.down}

    async def conversation_path(self, conversation_id: str) -> dict[str, list[str]]:
        return {"intents": ["request_human"], "steps": ["action_human_handoff"]}

    async def pause(self, conversation_id: str) -> bool:
        self.paused.append(conversation_id)
        return True

    async def resume(self, conversation_id: str) -> bool:
        self.resumed.append(conversation_id)
        return True


def bot_says(text: str, **custom: Any) -> dict[str, Any]:
    return {"text": text, "buttons": [], "custom": custom}


def make_router(tmp_path, desk, hours: BusinessHours) -> tuple[MessageRouter, FakeBot]:
    url, store = desk
    settings = Settings(run_dir=tmp_path, desk_database_url=url, business_hours=hours)
    bot = FakeBot(store)
    router = MessageRouter(
        settings=settings,
        store=store,
        tickets=TicketStore(store.sessions),
        accounts=AccountStore(store.sessions),
        bot=bot,
        hub=Hub(),
    )
    return router, bot


async def say(router: MessageRouter, conversation_id: str, text: str, **fields: Any):
    """What the widget's POST does: the conversation's language first, then ``relay``."""
    current = await router.store.language_of(conversation_id)
    return await router.relay(conversation_id, IncomingMessage(text=text, **fields), current)


def new_id() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


async def sign_in_an_agent(router: MessageRouter) -> None:
    await router.accounts.add_user("camille", "correct horse battery", "agent", "Camille")
    assert await router.accounts.sign_in("camille", "correct horse battery") is not None


def drain(queue: asyncio.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def test_the_message_is_stored_before_the_bot_sees_it_and_kept_when_the_bot_is_down(
    tmp_path, sqlite_desk
):
    router, bot = make_router(tmp_path, sqlite_desk, ALWAYS_OPEN)
    bot.down = True
    cid = new_id()

    relayed = await say(router, cid, "Où est ma commande ?", lang="fr")

    assert bot.history_when_sent == [["Où est ma commande ?"]], "stored before the relay"
    assert relayed.status == 503
    assert relayed.body["error"] == "bot_unavailable"
    assert relayed.body["conversation_token"]
    assert router.settings.support_email in relayed.body["messages"][0]["text"]
    history = await router.store.history(cid)
    assert [(m.sender, m.text, m.delivered) for m in history] == [
        ("shopper", "Où est ma commande ?", False)
    ]


async def test_the_bot_answers_are_stored_and_pushed_after_the_message_is_delivered(
    tmp_path, sqlite_desk
):
    router, bot = make_router(tmp_path, sqlite_desk, ALWAYS_OPEN)
    bot.replies = [bot_says("Bonjour ! Que puis-je pour vous ?", language="fr")]
    cid = new_id()
    widget = router.hub.subscribe(cid)

    relayed = await say(router, cid, "Bonjour", lang="fr")

    assert relayed.status == 200
    assert [(m["seq"], m["text"]) for m in relayed.body["messages"]] == [
        (2, "Bonjour ! Que puis-je pour vous ?")
    ]
    history = await router.store.history(cid)
    assert [(m.sender, m.delivered) for m in history] == [("shopper", True), ("bot", True)]
    assert [item["seq"] for item in drain(widget)] == [1, 2]


async def test_a_retried_send_is_neither_stored_nor_relayed_twice(tmp_path, sqlite_desk):
    router, bot = make_router(tmp_path, sqlite_desk, ALWAYS_OPEN)
    bot.replies = [bot_says("Bonjour !")]
    cid = new_id()

    await say(router, cid, "Bonjour", client_id="c-1")
    again = await say(router, cid, "Bonjour", client_id="c-1")

    assert again.body["duplicate"] is True and again.body["messages"] == []
    assert bot.sent == ["Bonjour"]
    assert len(await router.store.history(cid)) == 2


async def test_a_handoff_opens_a_ticket_pauses_the_bot_and_tells_the_queue_position(
    tmp_path, sqlite_desk
):
    router, bot = make_router(tmp_path, sqlite_desk, ALWAYS_OPEN)
    await sign_in_an_agent(router)
    consoles = router.hub.subscribe(CONSOLE_CHANNEL)
    bot.replies = [
        bot_says(
            "Je vous mets en relation avec un conseiller.",
            kind=HANDOFF,
            reason=REASON_REFUND_OVERDUE,
            priority="high",
            language="fr",
        )
    ]
    cid = new_id()

    relayed = await say(router, cid, "Je veux parler à un conseiller", lang="fr")

    texts = [m["text"] for m in relayed.body["messages"]]
    assert texts[0] == "Je vous mets en relation avec un conseiller."
    assert texts[1].startswith("Vous êtes le prochain ou la prochaine")
    ticket = await router.tickets.active(cid)
    assert (ticket.status, ticket.reason, ticket.priority) == (
        "waiting",
        REASON_REFUND_OVERDUE,
        "high",
    )
    assert ticket.summary["steps"] == ["action_human_handoff"]
    assert bot.paused == [cid]
    assert [e["event"] for e in drain(consoles)] == ["ticket_opened"]

    waiting = await say(router, cid, "Vous êtes là ?")

    assert bot.sent == ["Je veux parler à un conseiller"], "the bot is silent while paused"
    assert waiting.body["handoff"] == {"status": "waiting", "agent_name": None}
    assert (await router.store.history(cid))[-1].delivered is True
    [event] = drain(consoles)
    assert (event["event"], event["message"]["text"]) == ("message", "Vous êtes là ?")


async def test_out_of_hours_the_bot_collects_an_email_and_the_request(tmp_path, sqlite_desk):
    router, bot = make_router(tmp_path, sqlite_desk, NEVER_OPEN)
    bot.replies = [bot_says("Je transmets à un conseiller.", kind=HANDOFF, language="fr")]
    cid = new_id()

    opened = await say(router, cid, "Je veux parler à un conseiller", lang="fr")
    assert "Laissez-moi votre adresse e-mail" in opened.body["messages"][-1]["text"]
    assert (await router.tickets.active(cid)).status == "collecting"

    asked = await say(router, cid, "lea.martin@example.fr")
    assert "Quelle est votre demande" in asked.body["messages"][0]["text"]

    done = await say(router, cid, "Ma lampe ne s'allume plus depuis hier soir")
    assert "lea.martin@example.fr" in done.body["messages"][0]["text"]
    assert bot.sent == ["Je veux parler à un conseiller"], "collecting is not the bot's job"
    assert bot.resumed == [cid], "the bot has the conversation back"
    assert await router.tickets.active(cid) is None
    ticket = (await router.tickets.queue())[0]
    assert (ticket.status, ticket.contact_email) == ("offline", "lea.martin@example.fr")
    assert ticket.request == "Ma lampe ne s'allume plus depuis hier soir"


async def test_a_chat_an_agent_owns_goes_to_the_agent_not_to_the_bot(tmp_path, sqlite_desk):
    router, bot = make_router(tmp_path, sqlite_desk, ALWAYS_OPEN)
    await sign_in_an_agent(router)
    bot.replies = [bot_says("Un conseiller arrive.", kind=HANDOFF, language="fr")]
    cid = new_id()
    await say(router, cid, "Un conseiller svp", lang="fr")
    agent, _, _ = await router.accounts.sign_in("camille", "correct horse battery")
    ticket = await router.tickets.active(cid)
    assert await router.tickets.claim(ticket.id, agent.id, agent.display_name)
    ticket = await router.tickets.get(ticket.id)
    widget = router.hub.subscribe(cid)
    consoles = router.hub.subscribe(CONSOLE_CHANNEL)

    posted = await router.post_agent_message(ticket, agent, "Bonjour, je regarde.")
    relayed = await say(router, cid, "Merci !")

    assert bot.sent == ["Un conseiller svp"]
    assert relayed.body["handoff"] == {"status": "claimed", "agent_name": "Camille"}
    assert posted["sender"] == "agent" and posted["custom"]["agent_name"] == "Camille"
    assert [m["text"] for m in drain(widget)] == ["Bonjour, je regarde.", "Merci !"]
    assert [e["message"]["text"] for e in drain(consoles)] == ["Bonjour, je regarde.", "Merci !"]
    history = await router.store.history(cid)
    assert [(m.sender, m.text) for m in history[-2:]] == [
        ("agent", "Bonjour, je regarde."),
        ("shopper", "Merci !"),
    ]
