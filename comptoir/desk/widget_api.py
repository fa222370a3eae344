"""The widget's API: send a message, read and follow the history, vote, rate, type.

These are the only routes a shopper's browser calls (from the shop's own pages, hence
the preflight answers). Each checks the input and the conversation's token (and its
age), then the abuse limits (``comptoir.desk.limits``), then hands over: a shopper
message to the ``MessageRouter``, votes to the ``VoteStore``, reads to the
``ConversationStore``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Blueprint, HTTPResponse, Request, Websocket, empty, file
from sanic import json as json_response

from comptoir.desk.api_models import (
    IncomingFeedback,
    IncomingHello,
    IncomingMessage,
    IncomingSatisfaction,
    describe_validation_error,
    read_json_object,
)
from comptoir.desk.conversation_tokens import conversation_refusal, token_for
from comptoir.desk.errors import error
from comptoir.desk.greetings import late_order_greetings
from comptoir.desk.hub import Hub
from comptoir.desk.limits import Limits, already_rated
from comptoir.desk.proxy import client_address
from comptoir.desk.routing import CONSOLE_CHANNEL, MessageRouter
from comptoir.desk.store import ConversationStore
from comptoir.desk.votes import VoteStore

STATIC_DIR = Path(__file__).parent / "static"
WIDGET_CALLS = ("messages", "feedback", "satisfaction", "typing", "hello")
"""The routes the widget calls across origins (each needs a preflight answer)."""

HELLO_KEY = "hello:"
"""The greetings' ``client_id`` prefix: each is written once per conversation."""

widget = Blueprint("widget")
Body = TypeVar("Body", bound=BaseModel)


def _parse(
    request: Request, conversation_id: str, model: type[Body], *, token: bool = True
) -> tuple[Body | None, HTTPResponse | None]:
    """The validated body, or the response that explains what is wrong: 400 for the
    id or the body, then (with ``token``) 403 without the conversation's token."""
    problem = conversation_refusal(request, conversation_id, token=False)
    if problem is not None:
        return None, problem
    body = read_json_object(request.body)
    if body is None:
        return None, error(400, "invalid_json", "the body must be a JSON object (valid UTF-8)")
    try:
        parsed = model.model_validate(body)
    except ValidationError as invalid:
        limit = request.app.ctx.settings.max_message_chars
        return None, error(400, "invalid_message", describe_validation_error(invalid, limit))
    refusal = conversation_refusal(request, conversation_id) if token else None
    return (None, refusal) if refusal is not None else (parsed, None)


def _after(request: Request) -> int | None:
    """The ``after`` query parameter: the last seq the widget already has."""
    raw = request.args.get("after", "0")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@widget.post("/api/conversations/<conversation_id>/messages")
async def post_message(request: Request, conversation_id: str) -> HTTPResponse:
    """A shopper's message: stored, then routed (see ``MessageRouter.relay``)."""
    incoming, problem = _parse(request, conversation_id, IncomingMessage, token=False)
    if problem is not None:
        return problem
    store: ConversationStore = request.app.ctx.store
    current = await store.language_of(conversation_id)
    if current is not None:  # anyone may start a conversation; only its shopper continues
        problem = conversation_refusal(request, conversation_id)
        if problem is not None:
            return problem
    limit = request.app.ctx.settings.max_message_chars
    if len(incoming.text) > limit:
        return error(
            400,
            "message_too_long",
            f"text has {len(incoming.text)} characters; the limit is {limit}",
        )
    settings = request.app.ctx.settings
    address = client_address(request, settings.trusted_proxies)
    language = current or incoming.lang or settings.default_language
    limits: Limits = request.app.ctx.limits
    refused = await limits.message(address, new=current is None, language=language)
    if refused is not None:
        return refused
    router: MessageRouter = request.app.ctx.router
    relayed = await router.relay(conversation_id, incoming, current, address=address)
    return json_response(relayed.body, status=relayed.status, headers=relayed.headers)


@widget.post("/api/conversations/<conversation_id>/hello")
async def post_hello(request: Request, conversation_id: str) -> HTTPResponse:
    """A signed-in shopper opened the widget on a new conversation: when one of their
    orders is late, the conversation starts with the bot saying so (with its token);
    otherwise nothing is created and ``messages`` is empty (``comptoir.desk.greetings``)."""
    hello, problem = _parse(request, conversation_id, IncomingHello, token=False)
    if problem is not None:
        return problem
    store: ConversationStore = request.app.ctx.store
    if await store.language_of(conversation_id) is not None:
        return error(409, "conversation_started", "hello is only for a conversation not started")
    settings = request.app.ctx.settings
    language = hello.lang or settings.default_language
    said = await late_order_greetings(settings, hello.customer, language)
    if not said:
        return json_response({"conversation_id": conversation_id, "messages": []})
    limits: Limits = request.app.ctx.limits
    address = client_address(request, settings.trusted_proxies)
    refused = await limits.message(address, new=True, language=language)
    if refused is not None:
        return refused
    messages = []
    for index, (text, custom) in enumerate(said):
        # A key of its own per greeting (``:`` is not allowed in the widget's ids): two
        # tabs saying hello at once race on it, and only the first writes; the other is
        # told the conversation has started, like a hello after it began.
        stored = await store.append(
            conversation_id,
            "bot",
            text,
            language=language,
            payload={"custom": custom},
            client_id=f"{HELLO_KEY}{index}",
        )
        if stored is None:
            return error(409, "conversation_started", "another hello started this conversation")
        request.app.ctx.hub.publish(conversation_id, stored.as_json())
        messages.append(stored.as_json())
    token = token_for(settings.conversation_secret, conversation_id)
    return json_response(
        {
            "conversation_id": conversation_id,
            "conversation_token": token,
            "language": language,
            "messages": messages,
        }
    )


@widget.get("/api/conversations/<conversation_id>/messages")
async def get_history(request: Request, conversation_id: str) -> HTTPResponse:
    """The conversation so far (or after ``?after=SEQ``), with delivery flags."""
    problem = conversation_refusal(request, conversation_id)
    if problem is not None:
        return problem
    after = _after(request)
    if after is None:
        return error(400, "invalid_after", "'after' must be a message seq (0 or more)")
    history = await request.app.ctx.store.history(conversation_id, after)
    if history is None:
        return error(404, "unknown_conversation", "no conversation with this id")
    # A fresh token with every answer: a chat in use never reaches its token's expiry.
    token = token_for(request.app.ctx.settings.conversation_secret, conversation_id)
    return json_response(
        {
            "conversation_id": conversation_id,
            "conversation_token": token,
            "messages": [m.as_json() for m in history],
        }
    )


@widget.websocket("/api/conversations/<conversation_id>/ws")
async def live(request: Request, ws: Websocket, conversation_id: str) -> None:
    """Push every new message of the conversation, after catching up from ``after``.

    Subscribing before reading the history means nothing falls between the two;
    the seq check drops what both delivered. The widget reconnects with the last seq
    it saw, so a network drop never loses nor repeats a message. A conversation has at
    most ``limit_sockets_per_conversation`` sockets; one more is closed at once.
    """
    after = _after(request)
    problem = conversation_refusal(request, conversation_id)
    if problem is not None or after is None:
        reason = json.loads(problem.body)["detail"] if problem else "invalid 'after'"
        await ws.close(code=1008, reason=reason[:120])
        return
    limits: Limits = request.app.ctx.limits
    async with limits.socket(conversation_id) as admitted:
        if not admitted:
            await ws.close(code=1008, reason="too many open sockets for this conversation")
            return
        await _follow(request, ws, conversation_id, after)


async def _follow(request: Request, ws: Websocket, conversation_id: str, after: int) -> None:
    """The socket's loop: catch up from ``after``, then push what comes."""
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


@widget.post("/api/conversations/<conversation_id>/typing")
async def shopper_typing(request: Request, conversation_id: str) -> HTTPResponse:
    """The shopper is typing: shown to the agent who owns the conversation."""
    problem = conversation_refusal(request, conversation_id)
    if problem is not None:
        return problem
    ticket = await request.app.ctx.tickets.active(conversation_id)
    if ticket is not None and ticket.status == "claimed":
        request.app.ctx.hub.publish(
            CONSOLE_CHANNEL, {"seq": 0, "event": "typing", "ticket_id": ticket.id}
        )
    return json_response({"ok": True})


async def _language(request: Request, conversation_id: str) -> str:
    """The conversation's language, for a sentence to the shopper."""
    current = await request.app.ctx.store.language_of(conversation_id)
    return current or request.app.ctx.settings.default_language


async def _vote(
    request: Request,
    conversation_id: str,
    model: type[Body],
    record: Callable[[VoteStore, Body], Awaitable[bool]],
    refused: tuple[str, str],
    limit: Callable[[], Awaitable[HTTPResponse | None]] | None = None,
) -> HTTPResponse:
    """Parse a vote's body (see ``_parse``), check its ``limit``, then store it with
    ``record``: ``{"ok": true}``, or 404 with the ``refused`` code and message when the
    store turns it down."""
    body, problem = _parse(request, conversation_id, model)
    if problem is None and limit is not None:
        problem = await limit()
    if problem is not None:
        return problem
    if not await record(request.app.ctx.votes, body):
        return error(404, *refused)
    return json_response({"ok": True})


@widget.post("/api/conversations/<conversation_id>/satisfaction")
async def post_satisfaction(request: Request, conversation_id: str) -> HTTPResponse:
    """The 1-5 score given when the shopper ends the chat; one per conversation (409)."""

    def record(votes: VoteStore, rating: IncomingSatisfaction) -> Awaitable[bool]:
        return votes.record_satisfaction(conversation_id, rating.score, rating.comment)

    refused = ("unknown_conversation", "no conversation with this id")
    answer = await _vote(request, conversation_id, IncomingSatisfaction, record, refused)
    if answer.status == 404 and await request.app.ctx.votes.rated(conversation_id):
        return already_rated(await _language(request, conversation_id))
    return answer


@widget.post("/api/conversations/<conversation_id>/feedback")
async def post_feedback(request: Request, conversation_id: str) -> HTTPResponse:
    """👍/👎 under a knowledge answer (only for an article this conversation was shown)."""

    def record(votes: VoteStore, feedback: IncomingFeedback) -> Awaitable[bool]:
        return votes.record_feedback(
            conversation_id, feedback.article_id, feedback.question, feedback.vote
        )

    async def limit() -> HTTPResponse | None:
        limits: Limits = request.app.ctx.limits
        return await limits.feedback(conversation_id, await _language(request, conversation_id))

    refused = ("unknown_answer", "this conversation was not shown that article")
    return await _vote(request, conversation_id, IncomingFeedback, record, refused, limit)


async def _preflight(_request: Request, conversation_id: str) -> HTTPResponse:
    """CORS preflight: the shop's pages may POST JSON with the conversation token."""
    return empty(
        headers={
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, X-Conversation-Token",
            "Access-Control-Max-Age": "600",
        }
    )


for _call in WIDGET_CALLS:
    widget.add_route(
        _preflight,
        f"/api/conversations/<conversation_id>/{_call}",
        methods=["OPTIONS"],
        name=f"preflight_{_call}",
    )


@widget.get("/widget.js")
async def widget_script(_request: Request) -> HTTPResponse:
    """The widget itself, cached briefly so a shop's pages load it once per visit."""
    return await file(
        STATIC_DIR / "widget.js",
        mime_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )
