"""The agent console: sign-in, the handoff queue, claiming, live chat, hand back.

Every route but sign-in needs a session cookie; every change also needs the session's
CSRF token in the ``X-CSRF-Token`` header. Shoppers' conversation ids give no access
here: the console is for signed-in agents only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sanic import Blueprint, HTTPResponse, Request, Websocket, file
from sanic import json as json_response

from comptoir.desk.accounts import Agent
from comptoir.desk.api_models import read_json_object
from comptoir.desk.canned import load_canned, render
from comptoir.desk.errors import error
from comptoir.desk.guards import CHAT_ROLES, COOKIE, require_account
from comptoir.desk.hub import Hub
from comptoir.desk.replies import agent_joined, conversation_closed
from comptoir.desk.routing import CONSOLE_CHANNEL, MessageRouter
from comptoir.desk.signin import sign_in
from comptoir.desk.tickets import TicketStore, TicketView

STATIC_DIR = Path(__file__).parent / "static"

console = Blueprint("console", url_prefix="/console")
NOT_YOUR_RETURN = (
    "only the agent who has taken this conversation, or an admin, can change its returns"
)


def _body(request: Request) -> dict[str, Any]:
    """The JSON object sent by the console page (``{}`` for anything else: each route
    then refuses the missing field with its own message)."""
    return read_json_object(request.body or b"{}") or {}


@console.get("/")
async def page(request: Request) -> HTTPResponse:
    """The console's one HTML page; its ES modules come from ``/console/assets/``."""
    return await file(
        STATIC_DIR / "console.html",
        mime_type="text/html; charset=utf-8",
        request_headers=request.headers,
    )


ASSETS_DIR = STATIC_DIR / "console"


@console.get("/assets/<name:str>")
async def script(request: Request, name: str) -> HTTPResponse:
    """One of the console's native ES modules (``static/console/*.js``, no build step).

    Only a file of that folder is served, named exactly; ``Cache-Control: no-cache``
    with ``Last-Modified``, so a browser revalidates each module and gets a 304.
    """
    if name not in {path.name for path in ASSETS_DIR.glob("*.js")}:
        return error(404, "unknown_asset", "no such console script")
    return await file(
        ASSETS_DIR / name,
        mime_type="application/javascript; charset=utf-8",
        request_headers=request.headers,
    )


@console.post("/api/login")
async def login(request: Request) -> HTTPResponse:
    """Sign in: the session cookie (HTTP-only, this path only) and the CSRF token; a
    backoff after repeated failures (``comptoir.desk.signin``)."""
    return await sign_in(request)


@console.post("/api/logout")
async def logout(request: Request) -> HTTPResponse:
    """End the session on the server, not only in the browser."""
    _, problem = await require_account(request, change=True, roles=None)
    if problem is not None:
        return problem
    await request.app.ctx.accounts.sign_out(request.cookies.get(COOKIE))
    response = json_response({"ok": True})
    response.delete_cookie(COOKIE, path="/console")
    return response


@console.get("/api/me")
async def me(request: Request) -> HTTPResponse:
    """Who is signed in (the page asks on load, to skip the sign-in form)."""
    found = await request.app.ctx.accounts.resolve(request.cookies.get(COOKIE))
    if found is None:
        return error(401, "not_signed_in", "sign in to the console first")
    agent, csrf = found
    return json_response({"agent": agent.__dict__, "csrf": csrf})


@console.get("/api/tickets")
async def queue(request: Request) -> HTTPResponse:
    """The open tickets, most urgent first, for the queue on the left."""
    _, problem = await require_account(request, change=False)
    if problem is not None:
        return problem
    tickets: TicketStore = request.app.ctx.tickets
    return json_response({"tickets": [t.as_json() for t in await tickets.queue()]})


@console.get("/api/tickets/<ticket_id:int>")
async def ticket_detail(request: Request, ticket_id: int) -> HTTPResponse:
    """One ticket with its transcript, verified order and internal notes."""
    _, ticket, _, problem = await _ticket(request, ticket_id, change=False)
    if problem is not None:
        return problem
    history = await request.app.ctx.store.history(ticket.conversation_id) or []
    return json_response(
        {
            "ticket": ticket.as_json(),
            "transcript": [m.as_json() for m in history],
            "order": _order_context(request, ticket.summary),
            "notes": await request.app.ctx.tickets.notes(ticket_id),
        }
    )


def _owns(agent: Agent, ticket: TicketView | None) -> bool:
    """Whether the agent has claimed the ticket and it is still theirs."""
    return ticket is not None and ticket.status == "claimed" and ticket.agent_id == agent.id


async def _ticket(
    request: Request,
    ticket_id: int,
    *,
    change: bool,
    not_yours: str | None = None,
    text: tuple[str, str] | None = None,
) -> tuple[Agent | None, TicketView | None, str, HTTPResponse | None]:
    """``(agent, ticket, text, None)`` when the signed-in agent may act on the ticket, else
    ``(None, None, "", the error)``, checked in this order: the account (401/403; with
    ``change``, the CSRF token too); with ``text`` (its 400 code and message), the body's
    ``text``, 1 to 2000 characters once stripped; with ``not_yours`` (the 403 message),
    that the agent owns the ticket; that the ticket exists (404)."""
    agent, problem = await require_account(request, change=change)
    if problem is not None:
        return None, None, "", problem
    words = ""
    if text is not None:
        words = str(_body(request).get("text", "")).strip()
        if not words or len(words) > 2000:
            return None, None, "", error(400, *text)
    ticket = await request.app.ctx.tickets.get(ticket_id)
    if not_yours is not None and not _owns(agent, ticket):
        return None, None, "", error(403, "not_yours", not_yours)
    if ticket is None:
        return None, None, "", error(404, "unknown_ticket", "no such ticket")
    return agent, ticket, words, None


@console.post("/api/tickets/<ticket_id:int>/notes")
async def add_note(request: Request, ticket_id: int) -> HTTPResponse:
    """An internal note on a ticket (never shown to the shopper)."""
    invalid = ("invalid_note", "a note is 1 to 2000 characters")
    agent, _, text, problem = await _ticket(request, ticket_id, change=True, text=invalid)
    if problem is not None:
        return problem
    note = await request.app.ctx.tickets.add_note(ticket_id, agent.display_name, text)
    return json_response({"note": note})


@console.get("/api/tickets/<ticket_id:int>/canned")
async def canned_replies(request: Request, ticket_id: int) -> HTTPResponse:
    """The shop's canned replies, filled for this conversation, in its language."""
    agent, ticket, _, problem = await _ticket(request, ticket_id, change=False)
    if problem is not None:
        return problem
    order = _order_context(request, ticket.summary) or {}
    values = {
        "first_name": order.get("first_name", ""),
        "order_number": order.get("number", ""),
        "agent_name": agent.display_name,
    }
    language = "en" if ticket.language == "en" else "fr"
    replies = load_canned(request.app.ctx.settings.canned_replies)
    return json_response(
        {
            "replies": [
                {"id": r.id, "title": r.title, "text": render(getattr(r, language), values)}
                for r in replies
            ]
        }
    )


@console.post("/api/tickets/<ticket_id:int>/typing")
async def agent_typing(request: Request, ticket_id: int) -> HTTPResponse:
    """The agent is typing: shown in the shopper's widget (not stored: no seq)."""
    _, ticket, _, problem = await _ticket(
        request, ticket_id, change=True, not_yours="claim the conversation first"
    )
    if problem is not None:
        return problem
    request.app.ctx.hub.publish(
        ticket.conversation_id, {"seq": 0, "transient": "typing", "who": "agent"}
    )
    return json_response({"ok": True})


@console.post("/api/tickets/<ticket_id:int>/returns/<number>/status")
async def return_status(request: Request, ticket_id: int, number: str) -> HTTPResponse:
    """Move a return of the conversation's verified order (same service as the CLI).

    Only the agent who has taken the conversation (while it is theirs) or an admin may:
    a return is money, and an agent reading another chat has no say on it."""
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return problem
    ticket = await request.app.ctx.tickets.get(ticket_id)
    if ticket is not None and agent.role != "admin" and not _owns(agent, ticket):
        return error(403, "not_yours", NOT_YOUR_RETURN)
    order = _order_context(request, ticket.summary) if ticket else None
    if order is None or number not in {r["number"] for r in order["returns"]}:
        return error(404, "unknown_return", "no such return on this conversation's order")
    from comptoir.shop.returns import TransitionError, set_status
    from comptoir.shop.service import open_session

    body = _body(request)
    note = f"{agent.display_name}: {body.get('note', '')}".strip(": ")
    try:
        with open_session(request.app.ctx.settings.shop_db_url) as session:
            record = set_status(session, number, str(body.get("status", "")), note)
            status = record.status
    except TransitionError as refused:
        return error(409, "transition", str(refused))
    return json_response({"number": number, "status": status})


def _order_context(request: Request, summary: dict[str, Any]) -> dict[str, Any] | None:
    """The verified order and its returns, beside the chat (never an unverified one)."""
    number = summary.get("order_number")
    if not number or not summary.get("order_verified"):
        return None
    from comptoir.shop.returns import returns_of
    from comptoir.shop.service import load_order, open_session

    with open_session(request.app.ctx.settings.shop_db_url) as session:
        order = load_order(session, number)
        if order is None:
            return None
        return {
            "number": order.number,
            "status": order.status,
            "email": order.email,
            "first_name": order.customer.first_name if order.customer else "",
            "promised_delivery": str(order.promised_delivery or ""),
            "lines": [{"sku": li.sku, "name": li.name, "qty": li.qty} for li in order.lines],
            "shipments": [
                {"carrier": s.carrier, "tracking_number": s.tracking_number}
                for s in order.shipments
            ],
            "returns": [
                {"number": r.number, "status": r.status, "sku": r.sku}
                for r in returns_of(session, number)
            ],
        }


@console.post("/api/tickets/<ticket_id:int>/claim")
async def claim(request: Request, ticket_id: int) -> HTTPResponse:
    """Take the conversation: the shopper is told who joined; other consoles see it go."""
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return problem
    tickets: TicketStore = request.app.ctx.tickets
    if not await tickets.claim(ticket_id, agent.id, agent.display_name):
        return error(409, "already_claimed", "another agent took this conversation")
    ticket = await tickets.get(ticket_id)
    router: MessageRouter = request.app.ctx.router
    text = agent_joined(ticket.language, agent.display_name)
    await router.post_agent_message(ticket, agent, text, system=True)
    router.announce("ticket_claimed", ticket)
    return json_response({"ticket": ticket.as_json()})


@console.post("/api/tickets/<ticket_id:int>/messages")
async def agent_message(request: Request, ticket_id: int) -> HTTPResponse:
    """The owning agent writes into the shopper's chat."""
    agent, ticket, text, problem = await _ticket(
        request,
        ticket_id,
        change=True,
        not_yours="claim the conversation before answering",
        text=("invalid_message", "text must be 1 to 2000 characters"),
    )
    if problem is not None:
        return problem
    router: MessageRouter = request.app.ctx.router
    stored = await router.post_agent_message(ticket, agent, text)
    return json_response({"message": stored})


@console.post("/api/tickets/<ticket_id:int>/hand-back")
async def hand_back(request: Request, ticket_id: int) -> HTTPResponse:
    """The bot has the conversation again; the ticket closes as handed back."""
    return await _close(request, ticket_id, "handed_back")


@console.post("/api/tickets/<ticket_id:int>/resolve")
async def resolve(request: Request, ticket_id: int) -> HTTPResponse:
    """The request is dealt with: the ticket closes as resolved."""
    return await _close(request, ticket_id, "resolved")


async def _close(request: Request, ticket_id: int, status: str) -> HTTPResponse:
    """Hand back or resolve: the ticket closes and the bot has the conversation again."""
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return problem
    tickets: TicketStore = request.app.ctx.tickets
    ticket = await tickets.get(ticket_id)
    if ticket is not None and ticket.status in ("offline", "answered") and status != "resolved":
        return error(409, "resolve_instead", "an e-mail request is resolved, not handed back")
    if ticket is None or not await tickets.close(ticket_id, agent.id, status):
        return error(403, "not_yours", "only the agent who owns the conversation can close it")
    router: MessageRouter = request.app.ctx.router
    await router.bot.resume(ticket.conversation_id)
    if ticket.status == "claimed":  # an offline ticket has nobody in the chat to tell
        text = conversation_closed(ticket.language, status, agent.display_name)
        await router.post_agent_message(ticket, agent, text, system=True, closed=True)
    router.announce("ticket_closed", await tickets.get(ticket_id))
    return json_response({"ok": True})


@console.websocket("/ws")
async def live(request: Request, ws: Websocket) -> None:
    """Queue changes and shopper messages in handed-off conversations, live."""
    found = await request.app.ctx.accounts.resolve(request.cookies.get(COOKIE))
    if found is None or found[0].role not in CHAT_ROLES:
        await ws.close(code=1008, reason="sign in as an agent first")
        return
    hub: Hub = request.app.ctx.hub
    async with hub.subscription(CONSOLE_CHANNEL) as stream:
        async for item in stream:
            await ws.send(json.dumps(item if item is not None else {"event": "ping"}))
    if stream.dropped:
        await ws.close(code=1013, reason="too slow; reconnect")
