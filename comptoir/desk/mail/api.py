"""The e-mail routes: the shoppers' unsubscribe pages and the console's outbox.

``/mail/unsubscribe`` is what a notice's link and its ``List-Unsubscribe`` header point
to: GET shows a confirmation page, POST (our button, or a mail client's RFC 8058
one-click) records the opt-out. The console's ``/console/api/outbox`` tells agents and
admins whether e-mail is going out; admins may give a failed e-mail another round, and
stop or restart the notices to one address for a shopper who asked them
(``/console/api/outbox/optouts``).

Agents see recipients partly masked (``l•••@example.fr``), in the list and in the
server's answers, which often quote the recipient (« 550 5.1.1 <lea@…> »): the outbox
lists every e-mail of the shop, notices included, and an agent needs to see that sending
works, not whom the shop writes to; the ticket an agent works on shows its shopper's
address anyway. Admins see the full address, to check a refused one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, HTTPResponse, Request, html
from sanic import json as json_response

from comptoir.desk.api_models import read_json_object
from comptoir.desk.db import as_utc
from comptoir.desk.errors import error
from comptoir.desk.guards import CHAT_ROLES, require_account
from comptoir.desk.mail.addresses import mask_addresses, masked, valid_recipient
from comptoir.desk.mail.outbox import Outbox, OutboxMail, Overview
from comptoir.desk.mail.unsubscribe import (
    PATH,
    confirm_page,
    done_page,
    refused_page,
    verified_address,
)

mail = Blueprint("mail")
ADMIN = frozenset({"admin"})
ONE_CLICK = "List-Unsubscribe=One-Click"


def _address(request: Request) -> str | None:
    """The address of a well-signed link, from the query string."""
    return verified_address(
        request.app.ctx.settings, request.args.get("a", ""), request.args.get("s", "")
    )


@mail.get(PATH)
async def unsubscribe_page(request: Request) -> HTTPResponse:
    """The confirmation page (opening the link alone unsubscribes nobody)."""
    settings = request.app.ctx.settings
    address = _address(request)
    if address is None:
        return html(refused_page(settings), status=400)
    action = f"{PATH}?{urlencode({'a': request.args.get('a'), 's': request.args.get('s')})}"
    return html(confirm_page(settings, address, action))


@mail.post(PATH)
async def unsubscribe(request: Request) -> HTTPResponse:
    """Record the opt-out (our button, or a mail client's one-click POST)."""
    settings = request.app.ctx.settings
    address = _address(request)
    if address is None:
        return html(refused_page(settings), status=400)
    one_click = ONE_CLICK in (request.body or b"").decode("utf-8", "replace")
    outbox: Outbox = request.app.ctx.outbox
    await outbox.opt_out(address, "one-click" if one_click else "unsubscribe-link")
    return html(done_page(settings, address))


def _when(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def _row(row: OutboxMail, admin: bool) -> dict[str, Any]:
    waiting = row.status == "pending" and row.attempts > 0
    return {
        "id": row.id,
        "to": row.to_address if admin else masked(row.to_address),
        "erased": row.to_address == "",  # its content went (retention, erasure request)
        "purpose": row.purpose,
        "reference": row.reference,
        "language": row.language,
        "subject": row.subject,
        "status": row.status,
        "attempts": row.attempts,
        "error_kind": row.error_kind,
        "last_error": row.last_error if admin else mask_addresses(row.last_error),
        "created_at": _when(row.created_at),
        "sent_at": _when(row.sent_at),
        "next_try": _when(row.not_before) if waiting else None,
    }


def overview_json(overview: Overview, admin: bool) -> dict[str, Any]:
    """The JSON of ``GET /console/api/outbox`` (and of ``comptoir mail status --json``)."""
    trouble = overview.trouble
    return {
        "configured": overview.configured,
        "counts": overview.counts,
        "oldest_pending": _when(overview.oldest_pending),
        "next_try": _when(overview.next_try),
        "trouble": None
        if trouble is None
        else {
            "error_kind": trouble.error_kind,
            "last_error": trouble.last_error if admin else mask_addresses(trouble.last_error),
            "tried_at": _when(trouble.tried_at),
        },
        "mails": [_row(row, admin) for row in overview.latest],
    }


@mail.get("/console/api/outbox")
async def outbox_overview(request: Request) -> HTTPResponse:
    """Counts per status, the trouble if sending fails, the latest 50 e-mails."""
    agent, problem = await require_account(request, change=False, roles=CHAT_ROLES)
    if problem is not None:
        return problem
    outbox: Outbox = request.app.ctx.outbox
    overview = await outbox.overview()
    return json_response(overview_json(overview, admin=agent.role == "admin"))


@mail.post("/console/api/outbox/<mail_id:str>/retry")
async def retry(request: Request, mail_id: str) -> HTTPResponse:
    """Another round of tries for a failed e-mail (admins)."""
    _, problem = await require_account(request, change=True, roles=ADMIN)
    if problem is not None:
        return problem
    if not mail_id.isdigit():
        return error(404, "unknown_mail", "no e-mail with this number in the outbox")
    outbox: Outbox = request.app.ctx.outbox
    if await outbox.retry_failed(int(mail_id)):
        return json_response({"id": int(mail_id), "status": "pending"})
    state = await outbox.state(int(mail_id))
    if state is None:
        return error(404, "unknown_mail", "no e-mail with this number in the outbox")
    if state.erased:
        return error(409, "erased", "this e-mail's content was erased: it cannot be sent again")
    return error(409, "not_failed", "only an e-mail that failed can be sent again")


@mail.post("/console/api/outbox/optouts")
async def optout(request: Request) -> HTTPResponse:
    """Stop (``"stop": true``) or restart (``false``) the delay notices to one address,
    for a shopper who asked an admin rather than use the link (admins)."""
    _, problem = await require_account(request, change=True, roles=ADMIN)
    if problem is not None:
        return problem
    body = read_json_object(request.body)
    if body is None:
        return error(400, "invalid_json", "the body must be a JSON object (valid UTF-8)")
    address, stop = body.get("address"), body.get("stop")
    if not isinstance(stop, bool):
        return error(400, "invalid_stop", "give stop: true (no more notices) or false (again)")
    if not isinstance(address, str) or not valid_recipient(address.strip()):
        return error(400, "invalid_address", "give one e-mail address, like lea@example.fr")
    outbox: Outbox = request.app.ctx.outbox
    address = address.strip()
    if stop:
        changed = await outbox.opt_out(address, "console")
    else:
        changed = await outbox.opt_in(address)
    return json_response({"opted_out": stop, "changed": changed})
