"""The agent console: sign-in, the handoff queue, claiming, live chat, hand back.

Every route but sign-in needs a session cookie; every change also needs the session's
CSRF token in the ``X-CSRF-Token`` header. Shoppers' conversation ids give no access
here: the console is for signed-in agents only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, Websocket, file
from sanic import json as json_response

from comptoir.desk.accounts import AccountStore, Agent
from comptoir.desk.canned import load_canned, render
from comptoir.desk.hub import Hub
from comptoir.desk.tickets import TicketStore

COOKIE = "comptoir_console"
CHAT_ROLES = frozenset({"agent", "admin"})
CONSOLE_CHANNEL = "__console__"
STATIC_DIR = Path(__file__).parent / "static"

console = Blueprint("console", url_prefix="/console")


def _error(status: int, code: str, detail: str):
    return json_response({"error": code, "detail": detail}, status=status)


async def require_account(
    request: Request, *, change: bool, roles: frozenset[str] | None = CHAT_ROLES
) -> tuple[Agent | None, Any]:
    """The signed-in account, or the 401/403 answer to return.

    Editors sign in (they share the accounts) but do not take shoppers' chats:
    transcripts hold shopper data that only agents and admins need to see. ``roles``
    says who may use the route (``None``: any signed-in account).
    """
    accounts: AccountStore = request.app.ctx.accounts
    found = await accounts.resolve(request.cookies.get(COOKIE))
    if found is None:
        return None, _error(401, "not_signed_in", "sign in to the console first")
    agent, csrf = found
    if change and request.headers.get("x-csrf-token") != csrf:
        return None, _error(403, "csrf", "missing or wrong X-CSRF-Token header")
    if roles is not None and agent.role not in roles:
        return None, _error(403, "role", "this account's role cannot use this page")
    return agent, None


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


@console.get("/")
async def page(_request: Request):
    return await file(STATIC_DIR / "console.html", mime_type="text/html; charset=utf-8")


@console.get("/console.js")
async def script(_request: Request):
    return await file(STATIC_DIR / "console.js", mime_type="application/javascript; charset=utf-8")


@console.post("/api/login")
async def login(request: Request):
    body = _body(request)
    username, password = str(body.get("username", "")), str(body.get("password", ""))
    signed = await request.app.ctx.accounts.sign_in(username, password)
    if signed is None:
        return _error(401, "bad_credentials", "wrong user name or password")
    agent, token, csrf = signed
    response = json_response({"agent": agent.__dict__, "csrf": csrf})
    response.add_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=request.scheme == "https",
        max_age=12 * 3600,
        path="/console",
    )
    return response


@console.post("/api/logout")
async def logout(request: Request):
    _, problem = await require_account(request, change=True, roles=None)
    if problem is not None:
        return problem
    await request.app.ctx.accounts.sign_out(request.cookies.get(COOKIE))
    response = json_response({"ok": True})
    response.delete_cookie(COOKIE, path="/console")
    return response


@console.get("/api/me")
async def me(request: Request):
    found = await request.app.ctx.accounts.resolve(request.cookies.get(COOKIE))
    if found is None:
        return _error(401, "not_signed_in", "sign in to the console first")
    agent, csrf = found
    return json_response({"agent": agent.__dict__, "csrf": csrf})


@console.get("/api/tickets")
async def queue(request: Request):
    _, problem = await require_account(request, change=False)
    if problem is not None:
        return problem
    tickets: TicketStore = request.app.ctx.tickets
    return json_response({"tickets": [t.as_json() for t in await tickets.queue()]})


@console.get("/api/tickets/<ticket_id:int>")
async def ticket_detail(request: Request, ticket_id: int):
    _, problem = await require_account(request, change=False)
    if problem is not None:
        return problem
    ticket = await request.app.ctx.tickets.get(ticket_id)
    if ticket is None:
        return _error(404, "unknown_ticket", "no such ticket")
    history = await request.app.ctx.store.history(ticket.conversation_id) or []
    return json_response(
        {
            "ticket": ticket.as_json(),
            "transcript": [m.as_json() for m in history],
            "order": _order_context(request, ticket.summary),
            "notes": await request.app.ctx.tickets.notes(ticket_id),
        }
    )


async def _owned(request: Request, ticket_id: int):
    """``(agent, ticket, None)`` when the signed-in agent owns the ticket, else the error."""
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return None, None, problem
    ticket = await request.app.ctx.tickets.get(ticket_id)
    if ticket is None or ticket.status != "claimed" or ticket.agent_id != agent.id:
        return None, None, _error(403, "not_yours", "claim the conversation first")
    return agent, ticket, None


@console.post("/api/tickets/<ticket_id:int>/notes")
async def add_note(request: Request, ticket_id: int):
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return problem
    text = str(_body(request).get("text", "")).strip()
    if not text or len(text) > 2000:
        return _error(400, "invalid_note", "a note is 1 to 2000 characters")
    if await request.app.ctx.tickets.get(ticket_id) is None:
        return _error(404, "unknown_ticket", "no such ticket")
    note = await request.app.ctx.tickets.add_note(ticket_id, agent.display_name, text)
    return json_response({"note": note})


@console.get("/api/tickets/<ticket_id:int>/canned")
async def canned_replies(request: Request, ticket_id: int):
    """The shop's canned replies, filled for this conversation, in its language."""
    agent, problem = await require_account(request, change=False)
    if problem is not None:
        return problem
    ticket = await request.app.ctx.tickets.get(ticket_id)
    if ticket is None:
        return _error(404, "unknown_ticket", "no such ticket")
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
async def agent_typing(request: Request, ticket_id: int):
    _, ticket, problem = await _owned(request, ticket_id)
    if problem is not None:
        return problem
    request.app.ctx.hub.publish(
        ticket.conversation_id, {"seq": 0, "transient": "typing", "who": "agent"}
    )
    return json_response({"ok": True})


@console.post("/api/tickets/<ticket_id:int>/returns/<number>/status")
async def return_status(request: Request, ticket_id: int, number: str):
    """Move a return of the conversation's verified order (same service as the CLI)."""
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return problem
    ticket = await request.app.ctx.tickets.get(ticket_id)
    order = _order_context(request, ticket.summary) if ticket else None
    if order is None or number not in {r["number"] for r in order["returns"]}:
        return _error(404, "unknown_return", "no such return on this conversation's order")
    from comptoir.shop.returns import TransitionError, set_status
    from comptoir.shop.service import open_session

    body = _body(request)
    note = f"{agent.display_name}: {body.get('note', '')}".strip(": ")
    try:
        with open_session(request.app.ctx.settings.shop_db_url) as session:
            record = set_status(session, number, str(body.get("status", "")), note)
            status = record.status
    except TransitionError as error:
        return _error(409, "transition", str(error))
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
async def claim(request: Request, ticket_id: int):
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return problem
    tickets: TicketStore = request.app.ctx.tickets
    if not await tickets.claim(ticket_id, agent.id, agent.display_name):
        return _error(409, "already_claimed", "another agent took this conversation")
    ticket = await tickets.get(ticket_id)
    await request.app.ctx.post_agent_message(
        ticket,
        agent,
        {
            "fr": f"{agent.display_name}, conseiller·ère, a rejoint la discussion.",
            "en": f"{agent.display_name}, an agent, has joined the chat.",
        }[ticket.language if ticket.language in ("fr", "en") else "fr"],
        system=True,
    )
    request.app.ctx.announce("ticket_claimed", ticket)
    return json_response({"ticket": ticket.as_json()})


@console.post("/api/tickets/<ticket_id:int>/messages")
async def agent_message(request: Request, ticket_id: int):
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return problem
    text = str(_body(request).get("text", "")).strip()
    if not text or len(text) > 2000:
        return _error(400, "invalid_message", "text must be 1 to 2000 characters")
    ticket = await request.app.ctx.tickets.get(ticket_id)
    if ticket is None or ticket.status != "claimed" or ticket.agent_id != agent.id:
        return _error(403, "not_yours", "claim the conversation before answering")
    stored = await request.app.ctx.post_agent_message(ticket, agent, text)
    return json_response({"message": stored})


@console.post("/api/tickets/<ticket_id:int>/hand-back")
async def hand_back(request: Request, ticket_id: int):
    return await _close(request, ticket_id, "handed_back")


@console.post("/api/tickets/<ticket_id:int>/resolve")
async def resolve(request: Request, ticket_id: int):
    return await _close(request, ticket_id, "resolved")


CLOSING = {
    "handed_back": {
        "fr": "Vous êtes de nouveau avec l'assistant Comptoir. Posez-moi vos questions !",
        "en": "You are back with the Comptoir assistant. Ask me anything!",
    },
    "resolved": {
        "fr": "{name} a clôturé la demande. Merci ! L'assistant reste là pour toute autre question.",
        "en": "{name} closed the request. Thank you! The assistant is still here for anything else.",
    },
}


async def _close(request: Request, ticket_id: int, status: str):
    """Hand back or resolve: the ticket closes and the bot has the conversation again."""
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return problem
    tickets: TicketStore = request.app.ctx.tickets
    ticket = await tickets.get(ticket_id)
    if ticket is None or not await tickets.close(ticket_id, agent.id, status):
        return _error(403, "not_yours", "only the agent who owns the conversation can close it")
    await request.app.ctx.rasa.resume(ticket.conversation_id)
    if ticket.status == "claimed":  # an offline ticket has nobody in the chat to tell
        language = ticket.language if ticket.language in ("fr", "en") else "fr"
        text = CLOSING[status][language].format(name=agent.display_name)
        await request.app.ctx.post_agent_message(ticket, agent, text, system=True, closed=True)
    request.app.ctx.announce("ticket_closed", await tickets.get(ticket_id))
    return json_response({"ok": True})


@console.websocket("/ws")
async def live(request: Request, ws: Websocket):
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
