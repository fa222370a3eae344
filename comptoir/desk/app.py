"""The desk's sanic application: widget gateway, conversation history and health.

Shoppers only ever talk to the desk; the desk relays to Rasa. That single entry point
is where input is validated, history is persisted and failures become polite answers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sanic import HTTPResponse, Request, Sanic, Websocket, empty, file, html
from sanic import json as json_response
from sanic.exceptions import SanicException

from comptoir.desk.accounts import AccountStore, Agent
from comptoir.desk.api_models import (
    CONVERSATION_ID,
    IncomingFeedback,
    IncomingMessage,
    IncomingSatisfaction,
    describe_validation_error,
)
from comptoir.desk.console import CONSOLE_CHANNEL, console
from comptoir.desk.conversation_tokens import HEADER as TOKEN_HEADER
from comptoir.desk.conversation_tokens import presented_token, token_for, token_is_valid
from comptoir.desk.editor import KnowledgePreview, editor
from comptoir.desk.hub import Hub
from comptoir.desk.rasa_client import BotUnavailable, RasaClient
from comptoir.desk.redis_hub import RedisHub
from comptoir.desk.replies import (
    bot_unavailable,
    offline_ask,
    offline_done,
    offline_intro,
    queue_position,
)
from comptoir.desk.retention import purge_daily
from comptoir.desk.store import ConversationStore
from comptoir.desk.tickets import TicketStore, TicketView, summarise
from comptoir.desk.webhook import WebhookSender
from comptoir.language import choose_language
from comptoir.settings import Settings, get_settings

log = logging.getLogger("comptoir.desk")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
STATIC_DIR = Path(__file__).parent / "static"


def _error(status: int, code: str, detail: str, **extra: Any):
    return json_response({"error": code, "detail": detail, **extra}, status=status)


def create_app(settings: Settings | None = None, name: str = "comptoir_desk") -> Sanic:
    """Build the desk application (one per process)."""
    settings = settings or get_settings()
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 30
    app.ctx.settings = settings
    app.ctx.knowledge_preview = KnowledgePreview(settings)

    @app.before_server_start
    async def _open(app: Sanic) -> None:
        app.ctx.store = ConversationStore(settings.desk_db_url)
        await app.ctx.store.create_schema()
        app.ctx.rasa = RasaClient(
            settings.rasa_url, settings.actions_url, settings.rasa_timeout_s, settings.rasa_token
        )
        if settings.redis_url:
            app.ctx.hub = RedisHub(settings.redis_url)
            await app.ctx.hub.start()
        else:
            app.ctx.hub = Hub()
        app.ctx.accounts = AccountStore(app.ctx.store.sessions)
        app.ctx.tickets = TicketStore(app.ctx.store.sessions)
        app.ctx.post_agent_message = post_agent_message
        app.ctx.webhook = (
            WebhookSender(settings.handoff_webhook_url, settings.handoff_webhook_secret)
            if settings.handoff_webhook_url
            else None
        )
        app.ctx.announce = announce
        if settings.retention_days:
            app.add_task(purge_daily(settings, app.ctx.store.sessions), name="retention")

    def announce(kind: str, ticket: TicketView) -> None:
        """A queue change: to the consoles, live, and to the shop's webhook if any."""
        app.ctx.hub.publish(CONSOLE_CHANNEL, {"seq": 0, "event": kind, "ticket": ticket.as_json()})
        if app.ctx.webhook is not None:
            app.ctx.webhook.send(kind, ticket.as_json())

    app.blueprint(console)
    app.blueprint(editor)

    async def post_agent_message(
        ticket: TicketView, agent: Agent, text: str, *, system: bool = False, closed: bool = False
    ) -> dict[str, Any]:
        """An agent's message (or a notice about the handoff) into the shopper's chat;
        ``closed`` marks the notice that the bot has the conversation again."""
        custom = {"agent_name": agent.display_name, "system": system, "closed": closed}
        stored = await app.ctx.store.append(
            ticket.conversation_id,
            "agent",
            text,
            language=ticket.language,
            payload={"custom": custom},
        )
        message = stored.as_json()
        app.ctx.hub.publish(ticket.conversation_id, message)
        app.ctx.hub.publish(
            CONSOLE_CHANNEL,
            {
                "seq": 0,
                "event": "message",
                "ticket_id": ticket.id,
                "conversation_id": ticket.conversation_id,
                "message": message,
            },
        )
        return message

    @app.on_response
    async def _cors(request: Request, response: HTTPResponse) -> None:
        """Let the shop's pages (another origin) call the API and load the widget."""
        response.headers["X-Comptoir-Worker"] = str(os.getpid())  # which desk process
        origin = request.headers.get("origin")
        if not origin:
            return
        allowed = settings.allowed_origins
        if "*" in allowed or origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
            response.headers["Vary"] = "Origin"

    async def _preflight(_request: Request, conversation_id: str):
        return empty(
            headers={
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, X-Conversation-Token",
                "Access-Control-Max-Age": "600",
            }
        )

    for action in ("messages", "feedback", "satisfaction", "typing"):  # the widget's calls
        app.add_route(
            _preflight,
            f"/api/conversations/<conversation_id>/{action}",
            methods=["OPTIONS"],
            name=f"preflight_{action}",
        )

    @app.get("/widget.js")
    async def widget_script(_request: Request):
        return await file(
            STATIC_DIR / "widget.js",
            mime_type="application/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.after_server_stop
    async def _close(app: Sanic) -> None:
        await app.ctx.rasa.close()
        if isinstance(app.ctx.hub, RedisHub):
            await app.ctx.hub.close()
        if app.ctx.webhook is not None:
            await app.ctx.webhook.close()
        await app.ctx.store.close()

    demo_html = (STATIC_DIR / "demo.html").read_text(encoding="utf-8")

    @app.get("/")
    async def demo_page(request: Request):
        """The demo shop, with the widget's script tag pointing at this desk."""
        desk_url = f"{request.scheme}://{request.host}"
        return html(demo_html.replace("__DESK_URL__", desk_url))

    @app.get("/health")
    async def health(request: Request):
        store: ConversationStore = request.app.ctx.store
        rasa: RasaClient = request.app.ctx.rasa

        async def database() -> dict[str, Any]:
            try:
                await store.ping()
                return {"ok": True}
            except Exception as error:  # any driver error means "down"
                return {"ok": False, "error": type(error).__name__}

        rasa_state, actions_state, db_state = await asyncio.gather(
            rasa.rasa_status(), rasa.actions_status(), database()
        )
        components = {"rasa": rasa_state, "actions": actions_state, "database": db_state}
        healthy = all(c["ok"] for c in components.values())
        return json_response(
            {"status": "ok" if healthy else "degraded", **components},
            status=200 if healthy else 503,
        )

    def _is_owner(request: Request, conversation_id: str) -> bool:
        return token_is_valid(
            settings.conversation_secret, conversation_id, presented_token(request)
        )

    def _forbidden():
        return _error(
            403,
            "not_your_conversation",
            f"this conversation needs its {TOKEN_HEADER} (given with its first answer)",
        )

    @app.get("/api/conversations/<conversation_id>/messages")
    async def get_history(request: Request, conversation_id: str):
        if not CONVERSATION_ID.match(conversation_id):
            return _error(400, "invalid_conversation_id", "use 1-64 letters, digits, - or _")
        if not _is_owner(request, conversation_id):
            return _forbidden()
        after = _after(request)
        if after is None:
            return _error(400, "invalid_after", "'after' must be a message seq (0 or more)")
        history = await request.app.ctx.store.history(conversation_id, after)
        if history is None:
            return _error(404, "unknown_conversation", "no conversation with this id")
        return json_response(
            {"conversation_id": conversation_id, "messages": [m.as_json() for m in history]}
        )

    def _after(request: Request) -> int | None:
        """The ``after`` query parameter: the last seq the widget already has."""
        raw = request.args.get("after", "0")
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    @app.websocket("/api/conversations/<conversation_id>/ws")
    async def live(request: Request, ws: Websocket, conversation_id: str):
        """Push every new message of the conversation, after catching up from ``after``.

        Subscribing before reading the history means nothing falls between the two;
        the seq check drops what both delivered. The widget reconnects with the last seq
        it saw, so a network drop never loses nor repeats a message.
        """
        after = _after(request)
        if not CONVERSATION_ID.match(conversation_id) or after is None:
            await ws.close(code=1008, reason="invalid conversation id or 'after'")
            return
        if not _is_owner(request, conversation_id):
            await ws.close(code=1008, reason="missing or wrong conversation token")
            return
        hub: Hub = request.app.ctx.hub
        async with hub.subscription(conversation_id) as stream:
            last = after
            for message in await request.app.ctx.store.history(conversation_id, after) or []:
                await ws.send(json.dumps({"type": "message", "message": message.as_json()}))
                last = message.seq
            async for item in stream:
                if item is None:
                    await ws.send(json.dumps({"type": "ping"}))  # fails once the socket is gone
                elif item.get("transient"):  # "the agent is typing": not a message, no seq
                    await ws.send(json.dumps({"type": item["transient"], "who": item.get("who")}))
                elif item["seq"] > last:
                    await ws.send(json.dumps({"type": "message", "message": item}))
                    last = item["seq"]
        if stream.dropped:
            await ws.close(code=1013, reason="too slow; reconnect")

    @app.post("/api/conversations/<conversation_id>/typing")
    async def shopper_typing(request: Request, conversation_id: str):
        """The shopper is typing: shown to the agent who owns the conversation."""
        if not CONVERSATION_ID.match(conversation_id):
            return _error(400, "invalid_conversation_id", "use 1-64 letters, digits, - or _")
        if not _is_owner(request, conversation_id):
            return _forbidden()
        ticket = await request.app.ctx.tickets.active(conversation_id)
        if ticket is not None and ticket.status == "claimed":
            request.app.ctx.hub.publish(
                CONSOLE_CHANNEL,
                {"seq": 0, "event": "typing", "ticket_id": ticket.id},
            )
        return json_response({"ok": True})

    @app.post("/api/conversations/<conversation_id>/satisfaction")
    async def post_satisfaction(request: Request, conversation_id: str):
        rating, problem = _parse(request, conversation_id, IncomingSatisfaction)
        if problem is not None:
            return problem
        if not _is_owner(request, conversation_id):
            return _forbidden()
        if not await request.app.ctx.store.record_satisfaction(
            conversation_id, rating.score, rating.comment
        ):
            return _error(404, "unknown_conversation", "no conversation with this id")
        return json_response({"ok": True})

    def _parse(request: Request, conversation_id: str, model: type):
        """The validated body, or the 400 response that explains what is wrong."""
        if not CONVERSATION_ID.match(conversation_id):
            return None, _error(400, "invalid_conversation_id", "use 1-64 letters, digits, - or _")
        try:
            body = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError):
            return None, _error(400, "invalid_json", "the body must be a JSON object")
        if not isinstance(body, dict):
            return None, _error(400, "invalid_json", "the body must be a JSON object")
        try:
            return model.model_validate(body), None
        except ValidationError as error:
            detail = describe_validation_error(error, settings.max_message_chars)
            return None, _error(400, "invalid_message", detail)

    @app.post("/api/conversations/<conversation_id>/feedback")
    async def post_feedback(request: Request, conversation_id: str):
        feedback, problem = _parse(request, conversation_id, IncomingFeedback)
        if problem is not None:
            return problem
        if not _is_owner(request, conversation_id):
            return _forbidden()
        stored = await request.app.ctx.store.record_feedback(
            conversation_id, feedback.article_id, feedback.question, feedback.vote
        )
        if not stored:
            return _error(404, "unknown_answer", "this conversation was not shown that article")
        return json_response({"ok": True})

    @app.post("/api/conversations/<conversation_id>/messages")
    async def post_message(request: Request, conversation_id: str):
        incoming, problem = _parse(request, conversation_id, IncomingMessage)
        if problem is not None:
            return problem
        current = await request.app.ctx.store.language_of(conversation_id)
        if current is not None and not _is_owner(request, conversation_id):
            return _forbidden()  # anyone may start a conversation; only its shopper continues
        if len(incoming.text) > settings.max_message_chars:
            return _error(
                400,
                "message_too_long",
                f"text has {len(incoming.text)} characters; the limit is "
                f"{settings.max_message_chars}",
            )
        return await _relay(request.app, conversation_id, incoming, current)

    async def _relay(
        app: Sanic, conversation_id: str, incoming: IncomingMessage, current: str | None
    ):
        """Store the shopper's message, then route it: to the agent who owns the chat,
        to the out-of-hours collection, or to Rasa."""
        store: ConversationStore = app.ctx.store
        rasa: RasaClient = app.ctx.rasa
        token = token_for(settings.conversation_secret, conversation_id)
        hub: Hub = app.ctx.hub
        # Looked up first, so a message for a person is stored as delivered in one write.
        ticket = await app.ctx.tickets.active(conversation_id) if current is not None else None
        language = choose_language(
            incoming.text, incoming.lang, current, chosen=incoming.lang_chosen
        )
        custom: dict[str, Any] = {"language": language}
        if incoming.client_id:
            custom["client_id"] = incoming.client_id
        if incoming.label:
            custom["label"] = incoming.label
        shopper = await store.append(
            conversation_id,
            "shopper",
            incoming.text,
            language=language,
            payload={"custom": custom},
            delivered=ticket is not None,
            client_id=incoming.client_id,
        )
        if shopper is None:  # the widget re-sent a message that had arrived: not twice
            return json_response(
                {
                    "conversation_id": conversation_id,
                    "conversation_token": token,
                    "language": language,
                    "duplicate": True,
                    "messages": [],
                }
            )
        hub.publish(conversation_id, shopper.as_json())
        if ticket is not None and ticket.status == "collecting":
            replies = await _collect(ticket, incoming.text, language)
            return json_response(
                {
                    "conversation_id": conversation_id,
                    "conversation_token": token,
                    "language": language,
                    "messages": replies,
                }
            )
        if ticket is not None:  # a person has (or is about to take) the conversation
            hub.publish(
                CONSOLE_CHANNEL,
                {
                    "seq": 0,
                    "event": "message",
                    "ticket_id": ticket.id,
                    "conversation_id": conversation_id,
                    "conversation_token": token,
                    "message": shopper.as_json(),
                },
            )
            return json_response(
                {
                    "conversation_id": conversation_id,
                    "conversation_token": token,
                    "language": language,
                    "messages": [],
                    "handoff": {"status": ticket.status, "agent_name": ticket.agent_name},
                }
            )
        metadata: dict[str, Any] = {"lang": language, "widget_lang": incoming.lang}
        if incoming.customer is not None:
            # Checked by the action server against the shop's secret; never trusted here.
            metadata["customer_email"] = incoming.customer.email
            metadata["customer_signature"] = incoming.customer.signature
        try:
            messages = await rasa.send(conversation_id, incoming.text, metadata)
            if not messages and not (await rasa.actions_status())["ok"]:
                raise BotUnavailable("action server down")
        except BotUnavailable as error:
            log.warning("conversation %s: %s", conversation_id, error)
            return json_response(
                {
                    "error": "bot_unavailable",
                    "detail": "the assistant is unavailable; the message was saved",
                    "conversation_id": conversation_id,
                    "conversation_token": token,
                    "language": language,
                    "messages": [{"text": bot_unavailable(language), "buttons": [], "custom": {}}],
                },
                status=503,
            )
        await store.mark_delivered(shopper.id, True)
        for message in messages:
            language = message["custom"].get("language", language)
            stored = await store.append(
                conversation_id,
                "bot",
                message["text"],
                language=language,
                payload={"buttons": message["buttons"], "custom": message["custom"]},
            )
            message["seq"] = stored.seq
            hub.publish(conversation_id, stored.as_json())
        handoff = next(
            (m["custom"] for m in messages if m["custom"].get("kind") == "handoff"), None
        )
        if handoff is not None:
            messages += await _open_ticket(app, conversation_id, language, handoff)
        return json_response(
            {
                "conversation_id": conversation_id,
                "conversation_token": token,
                "language": language,
                "messages": messages,
            }
        )

    async def _say(conversation_id: str, text: str, language: str) -> dict[str, Any]:
        """A message the desk says itself (as the bot), stored and pushed like the others."""
        stored = await app.ctx.store.append(
            conversation_id, "bot", text, language=language, payload={"custom": {}}
        )
        app.ctx.hub.publish(conversation_id, stored.as_json())
        return {"seq": stored.seq, "text": text, "buttons": [], "custom": {}}

    async def _open_ticket(
        app: Sanic, conversation_id: str, language: str, handoff: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Queue the conversation for a person, with a summary, and pause the bot.

        With nobody to answer live (outside business hours, or no agent signed in),
        the desk collects an e-mail and the request for an offline ticket instead.
        """
        hours = settings.business_hours
        live = hours.is_open(datetime.now(UTC)) and await app.ctx.accounts.agents_present() > 0
        history = await app.ctx.store.history(conversation_id) or []
        summary = summarise(history, language) | await app.ctx.rasa.conversation_path(
            conversation_id
        )
        ticket, created = await app.ctx.tickets.open(
            conversation_id,
            str(handoff.get("reason") or "shopper_request"),
            priority="high" if handoff.get("priority") == "high" else "normal",
            language=language,
            summary=summary,
            status="waiting" if live else "collecting",
        )
        if not created:
            return []
        await app.ctx.rasa.pause(conversation_id)
        if live:
            announce("ticket_opened", ticket)
            position = await app.ctx.tickets.position(ticket.id)
            wait = position * settings.handoff_minutes_per_ticket
            return [await _say(conversation_id, queue_position(language, position, wait), language)]
        intro = offline_intro(language, hours.describe(language), hours.response_time_hours)
        return [await _say(conversation_id, intro, language)]

    async def _collect(ticket: TicketView, text: str, language: str) -> list[dict[str, Any]]:
        """Out of hours: take the e-mail and the request, then give the bot back."""
        found = EMAIL.search(text)
        request = EMAIL.sub("", text).strip(" ,.;:-") if found else text
        if found and len(request.split()) < 3:  # "mon adresse : x@y.fr" is no request
            request = ""
        updated = await app.ctx.tickets.collect(
            ticket.id, email=found.group(0) if found else None, request=request
        )
        if updated is None:
            return []
        hours = settings.business_hours
        if updated.status == "offline":
            await app.ctx.rasa.resume(ticket.conversation_id)
            announce("ticket_offline", updated)
            done = offline_done(language, updated.contact_email, hours.response_time_hours)
            return [await _say(ticket.conversation_id, done, language)]
        missing = "email" if not updated.contact_email else "request"
        return [await _say(ticket.conversation_id, offline_ask(language, missing), language)]

    @app.exception(SanicException)
    async def _http_errors(request: Request, error: SanicException):
        return _error(error.status_code, "http_error", str(error) or "request refused")

    @app.exception(Exception)
    async def _unexpected(request: Request, error: Exception):
        log.exception("unexpected error on %s", request.path)
        return _error(500, "internal_error", "something went wrong on our side; please retry")

    return app
