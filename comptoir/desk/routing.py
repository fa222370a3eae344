"""Where a shopper's message goes, and what the desk says around a handoff.

Every shopper message is stored first (so it is never lost), then goes to one place:
the agent who has the conversation, the out-of-hours collection of an e-mail and a
request, or the bot. When the bot hands over, the ``MessageRouter`` opens the ticket,
pauses Rasa and tells the shopper where they stand; agents' messages into the chat go
through it too, so that the widget and the consoles always hear of the same messages.
It holds no sanic object: routes call it, and tests drive it with a fake bot.

What it stores and relays of the shopper's text is screened first
(``comptoir.desk.payloads``): payment details masked, with a polite notice to the
shopper, and a ``/``-text relayed as an intent only if the bot just offered it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from comptoir.desk.accounts import AccountStore, Agent
from comptoir.desk.api_models import IncomingMessage
from comptoir.desk.conversation_tokens import token_for
from comptoir.desk.greetings import late_order_greetings
from comptoir.desk.hub import Hub
from comptoir.desk.limits import DAY_S, shopper_message, wait_for_window
from comptoir.desk.payloads import Screened, screen
from comptoir.desk.rasa_client import BotUnavailable
from comptoir.desk.replies import (
    bot_unavailable,
    offline_ask,
    offline_done,
    offline_intro,
    queue_position,
)
from comptoir.desk.shop_notices import NoticeStore
from comptoir.desk.store import ConversationStore
from comptoir.desk.tickets import TicketStore, TicketView, summarise
from comptoir.desk.webhook import WebhookSender
from comptoir.language import choose_language
from comptoir.message_kinds import HANDOFF, REASON_SHOPPER_REQUEST
from comptoir.redaction import NOTICE, redact
from comptoir.settings import Settings

log = logging.getLogger("comptoir.desk")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CONSOLE_CHANNEL = "__console__"
"""The hub channel every console listens to (queue changes, messages of handoffs)."""


class Bot(Protocol):
    """What the router needs of the bot (``RasaClient``; a fake in the unit tests)."""

    async def send(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]: ...

    async def actions_status(self) -> dict[str, Any]: ...

    async def conversation_path(self, conversation_id: str) -> dict[str, list[str]]: ...

    async def pause(self, conversation_id: str) -> bool: ...

    async def resume(self, conversation_id: str) -> bool: ...


@dataclass
class Relayed:
    """The widget's answer to one shopper message: its JSON body and HTTP status."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Turn:
    """One shopper message being routed: who it is for, in which language."""

    conversation_id: str
    language: str
    token: str
    address: str = ""

    def answer(self, messages: list[dict[str, Any]], **extra: Any) -> Relayed:
        """The usual 200 answer, with the conversation's token for the widget to keep."""
        return Relayed(
            {
                "conversation_id": self.conversation_id,
                "conversation_token": self.token,
                "language": self.language,
                **extra,
                "messages": messages,
            }
        )


class MessageRouter:
    """Routes shoppers' messages and agents' messages; one per desk process."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: ConversationStore,
        tickets: TicketStore,
        accounts: AccountStore,
        bot: Bot,
        hub: Hub,
        webhook: WebhookSender | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.tickets = tickets
        self.accounts = accounts
        self.bot = bot
        self.hub = hub
        self.webhook = webhook
        self.notices = NoticeStore(store.sessions)

    async def relay(
        self,
        conversation_id: str,
        incoming: IncomingMessage,
        current: str | None,
        *,
        address: str = "",
    ) -> Relayed:
        """Store the shopper's message, then route it: to the agent who owns the chat,
        to the out-of-hours collection, or to the bot. ``current`` is the conversation's
        language (``None`` for a new conversation); ``address`` is the client's, passed
        to the actions (their limits on proofs of ownership count per address)."""
        # Looked up first, so a message for a person is stored as delivered in one write.
        ticket = await self.tickets.active(conversation_id) if current is not None else None
        language = choose_language(
            incoming.text, incoming.lang, current, chosen=incoming.lang_chosen
        )
        turn = _Turn(
            conversation_id,
            language,
            token_for(self.settings.conversation_secret, conversation_id),
            address,
        )
        screened = await screen(self.store, conversation_id, incoming, language, new=not current)
        custom: dict[str, Any] = {"language": language}
        if incoming.client_id:
            custom["client_id"] = incoming.client_id
        if screened.label:
            custom["label"] = screened.label
        shopper = await self.store.append(
            conversation_id,
            "shopper",
            screened.text,
            language=language,
            payload={"custom": custom},
            delivered=ticket is not None,
            client_id=incoming.client_id,
        )
        if shopper is None:  # the widget re-sent a message that had arrived: not twice
            return turn.answer([], duplicate=True)
        self.hub.publish(conversation_id, shopper.as_json())
        told: list[dict[str, Any]] = []
        if screened.masked:  # told before the answer, whoever gives it
            told.append(await self._say(conversation_id, NOTICE(language), language))
        if not current:  # a new chat: a signed-in shopper's late order is told first
            for text, custom in await late_order_greetings(
                self.settings, incoming.customer, language
            ):
                told.append(await self._say(conversation_id, text, language, custom))
        if ticket is not None and ticket.status == "collecting":
            return turn.answer(told + await self._collect(ticket, screened.text, language))
        if ticket is not None:  # a person has (or is about to take) the conversation
            self._to_consoles(ticket, shopper.as_json())
            handoff = {"status": ticket.status, "agent_name": ticket.agent_name}
            return turn.answer(told, handoff=handoff)
        relayed = await self._to_bot(turn, incoming, screened, shopper.id)
        relayed.body["messages"][:0] = told
        return relayed

    def _metadata(self, turn: _Turn, incoming: IncomingMessage) -> dict[str, Any]:
        """What Rasa passes to the actions with the message."""
        metadata: dict[str, Any] = {
            "lang": turn.language,
            "widget_lang": incoming.lang,
            "client_address": turn.address,
        }
        if incoming.customer is not None:
            # Checked by the action server against the shop's secret; never trusted here.
            metadata["customer_email"] = incoming.customer.email
            metadata["customer_signature"] = incoming.customer.signature
            if incoming.customer.expires is not None:
                metadata["customer_expires"] = incoming.customer.expires
        return metadata

    async def _to_bot(
        self, turn: _Turn, incoming: IncomingMessage, screened: Screened, message_id: int
    ) -> Relayed:
        """Relay to Rasa; store its answers; open a ticket if it handed over."""
        metadata = self._metadata(turn, incoming)
        conversation_id = turn.conversation_id
        try:
            messages = await self.bot.send(conversation_id, screened.for_bot, metadata)
            if not messages and not (await self.bot.actions_status())["ok"]:
                raise BotUnavailable("action server down")
        except BotUnavailable as error:
            log.warning("conversation %s: %s", conversation_id, error)
            sorry = bot_unavailable(turn.language, self.settings.support_email)
            relayed = turn.answer([{"text": sorry, "buttons": [], "custom": {}}])
            problem = {
                "error": "bot_unavailable",
                "detail": "the assistant is unavailable; the message was saved",
            }
            return Relayed({**problem, **relayed.body}, status=503)
        await self.store.mark_delivered(message_id, True)
        handoff = next((m["custom"] for m in messages if m["custom"].get("kind") == HANDOFF), None)
        wait = await self._wait_for_ticket(conversation_id) if handoff is not None else 0
        if wait:  # asked for a person too often today: no ticket, and no "I'm passing you on"
            messages = [m for m in messages if m["custom"].get("kind") != HANDOFF]
        for message in messages:
            turn.language = message["custom"].get("language", turn.language)
            stored = await self.store.append(
                conversation_id,
                "bot",
                message["text"],
                language=turn.language,
                payload={"buttons": message["buttons"], "custom": message["custom"]},
            )
            message["seq"] = stored.seq
            self.hub.publish(conversation_id, stored.as_json())
        if wait:
            return await self._refuse_ticket(turn, messages, wait)
        if handoff is not None:
            messages += await self._open_ticket(conversation_id, turn.language, handoff)
        else:  # the shop's notice on this topic, once per conversation (shop_notices.py)
            for text, custom in await self.notices.after_answer(
                conversation_id, messages, turn.language
            ):
                messages.append(await self._say(conversation_id, text, turn.language, custom))
        return turn.answer(messages)

    async def _wait_for_ticket(self, conversation_id: str) -> int:
        """Seconds before this conversation may open another ticket (0: now)."""
        now = datetime.now(UTC)
        window = timedelta(seconds=DAY_S)
        opened = await self.tickets.opened_since(conversation_id, now - window)
        limit = self.settings.limit_tickets_per_conversation_per_day
        return wait_for_window(opened, limit, window, now)

    async def _refuse_ticket(
        self, turn: _Turn, messages: list[dict[str, Any]], wait: int
    ) -> Relayed:
        """HTTP 429 with the bot's other answers and where to write instead."""
        hours = self.settings.business_hours.response_time_hours
        email = self.settings.support_email
        text = shopper_message("ticket", turn.language, wait, email=email, hours=hours)
        said = await self._say(turn.conversation_id, text, turn.language)
        problem = {
            "error": "too_many_requests",
            "detail": "too many requests for a person in this conversation today",
            "message": text,
        }
        body = {**problem, **turn.answer([*messages, said]).body}
        return Relayed(body, status=429, headers={"Retry-After": str(wait)})

    async def _open_ticket(
        self, conversation_id: str, language: str, handoff: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Queue the conversation for a person, with a summary, and pause the bot.

        With nobody to answer live (outside business hours, or no agent signed in),
        the desk collects an e-mail and the request for an offline ticket instead.
        """
        hours = self.settings.business_hours
        live = hours.is_open(datetime.now(UTC)) and await self.accounts.agents_present() > 0
        history = await self.store.history(conversation_id) or []
        summary = summarise(history, language) | await self.bot.conversation_path(conversation_id)
        ticket, created = await self.tickets.open(
            conversation_id,
            str(handoff.get("reason") or REASON_SHOPPER_REQUEST),
            priority="high" if handoff.get("priority") == "high" else "normal",
            language=language,
            summary=summary,
            status="waiting" if live else "collecting",
        )
        if not created:
            return []
        await self.bot.pause(conversation_id)
        if live:
            self.announce("ticket_opened", ticket)
            position = await self.tickets.position(ticket.id)
            wait = position * self.settings.handoff_minutes_per_ticket
            text = queue_position(language, position, wait)
        else:
            text = offline_intro(language, hours.describe(language), hours.response_time_hours)
        return [await self._say(conversation_id, text, language)]

    async def _collect(self, ticket: TicketView, text: str, language: str) -> list[dict[str, Any]]:
        """Out of hours: take the e-mail and the request, then give the bot back."""
        found = EMAIL.search(text)
        request = EMAIL.sub("", text).strip(" ,.;:-") if found else text
        if found and len(request.split()) < 3:  # "mon adresse : x@y.fr" is no request
            request = ""
        updated = await self.tickets.collect(
            ticket.id, email=found.group(0) if found else None, request=request
        )
        if updated is None:
            return []
        hours = self.settings.business_hours
        if updated.status == "offline":
            await self.bot.resume(ticket.conversation_id)
            self.announce("ticket_offline", updated)
            done = offline_done(language, updated.contact_email, hours.response_time_hours)
            return [await self._say(ticket.conversation_id, done, language)]
        missing = "email" if not updated.contact_email else "request"
        return [await self._say(ticket.conversation_id, offline_ask(language, missing), language)]

    async def _say(
        self, conversation_id: str, text: str, language: str, custom: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A message the desk says itself (as the bot), stored and pushed like the others."""
        custom = custom or {}
        stored = await self.store.append(
            conversation_id, "bot", text, language=language, payload={"custom": custom}
        )
        self.hub.publish(conversation_id, stored.as_json())
        return {"seq": stored.seq, "text": text, "buttons": [], "custom": custom}

    async def post_agent_message(
        self,
        ticket: TicketView,
        agent: Agent,
        text: str,
        *,
        system: bool = False,
        closed: bool = False,
    ) -> dict[str, Any]:
        """An agent's message (or a notice about the handoff) into the shopper's chat;
        ``closed`` marks the notice that the bot has the conversation again."""
        custom = {"agent_name": agent.display_name, "system": system, "closed": closed}
        stored = await self.store.append(
            ticket.conversation_id,
            "agent",
            redact(text, ticket.language).text,  # an agent may paste payment details too
            language=ticket.language,
            payload={"custom": custom},
        )
        message = stored.as_json()
        self.hub.publish(ticket.conversation_id, message)
        self._to_consoles(ticket, message)
        return message

    def _to_consoles(self, ticket: TicketView, message: dict[str, Any], **extra: Any) -> None:
        """A message of a handed-off conversation, live in the agents' consoles."""
        self.hub.publish(
            CONSOLE_CHANNEL,
            {
                "seq": 0,
                "event": "message",
                "ticket_id": ticket.id,
                "conversation_id": ticket.conversation_id,
                **extra,
                "message": message,
            },
        )

    def announce(self, kind: str, ticket: TicketView) -> None:
        """A queue change: to the consoles, live, and to the shop's webhook if any."""
        self.hub.publish(CONSOLE_CHANNEL, {"seq": 0, "event": kind, "ticket": ticket.as_json()})
        if self.webhook is not None:
            self.webhook.send(kind, ticket.as_json())
