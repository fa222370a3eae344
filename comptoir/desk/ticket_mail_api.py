"""Routes for e-mail around tickets: an agent answers an offline request, a shopper asks
for the transcript of their chat.

``POST /console/api/tickets/<id>/email`` (agents and admins, CSRF): the answer goes to
the outbox (purpose ``ticket_answer``: an answer to the shopper's own request, so never
held back by a notice opt-out), is kept in the ticket's thread, and the ticket leaves
the queue as ``answered``. The console sends a ``request_id`` per click: a double click
or a retried request sends one e-mail. ``GET …/emails`` is the thread with each
answer's fate in the outbox (queued, sent, refused…).

``POST /api/conversations/<id>/transcript`` (the widget, conversation token): the chat by
e-mail, only to an address the desk already trusts (``mail/transcript.py``), at most
``TRANSCRIPTS_PER_DAY`` a day per conversation, and within the abuse limits
(``comptoir.desk.limits``' counter, Redis or memory) per recipient, whatever the
conversation, and per client address; the same conversation asked twice without a new
message is sent once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sanic import Blueprint, HTTPResponse, Request, empty
from sanic import json as json_response

from comptoir.desk.accounts import Agent
from comptoir.desk.api_models import read_json_object
from comptoir.desk.conversation_tokens import conversation_refusal
from comptoir.desk.db import as_utc, utc_now
from comptoir.desk.errors import error
from comptoir.desk.guards import require_account
from comptoir.desk.limits import DAY_S, Limits, describe_wait
from comptoir.desk.mail import ticket_wording as words
from comptoir.desk.mail.addresses import masked
from comptoir.desk.mail.compose import compose
from comptoir.desk.mail.message import OutgoingMail
from comptoir.desk.mail.outbox import (
    Outbox,
    OutboxMail,
    address_digest,
    stored_key,
    ticket_reference,
    transcript_reference,
)
from comptoir.desk.mail.transcript import transcript_mail, trusted_address
from comptoir.desk.proxy import client_address
from comptoir.desk.ticket_mail import ANSWERABLE, IN, OUT, MailView, TicketMailStore
from comptoir.desk.tickets import TicketView
from comptoir.redaction import redact

ticket_mail = Blueprint("ticket_mail")
log = logging.getLogger("comptoir.desk.ticket_mail")

ANSWER_PURPOSE = "ticket_answer"
TRANSCRIPT_PURPOSE = "transcript"
TRANSCRIPTS_PER_DAY = 3
MAX_ANSWER_CHARS = 5000
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
THREAD_REFERENCES = 10
"""How many earlier Message-IDs an answer names in References (the newest ones)."""


def _reference(ticket_id: int) -> str:
    return ticket_reference(ticket_id)


# ------------------------------------------------------------------ the agent's answer


def _answer_mail(
    request: Request, ticket: TicketView, thread: list[MailView], text: str, agent: str
) -> OutgoingMail:
    """The e-mail of one answer: in the ticket's language, quoting the shopper's last
    words (their latest reply, else the request they left), threaded after the others."""
    settings = request.app.ctx.settings
    replies = [m for m in thread if m.direction == IN and not m.automatic]
    quoted = replies[-1].text if replies else ticket.request
    content = words.answer_content(
        language=ticket.language,
        number=ticket.id,
        shop=settings.shop_name,
        text=text,
        agent=agent,
        quoted=quoted,
    )
    ids = tuple(m.message_id for m in thread)[-THREAD_REFERENCES:]
    return compose(
        settings,
        content,
        to=ticket.contact_email or "",
        language=ticket.language,
        tag=_reference(ticket.id),
        in_reply_to=ids[-1] if ids else None,
        references=ids,
    )


async def queue_answer(
    outbox: Outbox, mails: TicketMailStore, ticket_id: int, row: MailView, mail: OutgoingMail
) -> int | None:
    """Put the answer in the outbox (once) and note its row: the outbox id, or ``None``
    (logged) when it could not be queued.

    The key names the ticket and the answer's Message-ID (random, kept by the row), not
    the row's id alone: ids come back after rows are deleted (SQLite reuses the highest
    one), and an old e-mail's key would swallow the new answer without a word."""
    reference = _reference(ticket_id)
    key = f"ticket-answer:{ticket_id}:{row.message_id}"
    queued = await outbox.enqueue(mail, dedupe_key=key, purpose=ANSWER_PURPOSE, reference=reference)
    if queued is None:  # a request racing this one queued it first
        found = [m for m in await outbox.of_reference(reference) if m.message_id == mail.message_id]
        queued = found[0].id if found else None
    if queued is None:  # the key holds another e-mail, or the outbox refused it (logged)
        log.error(
            "answer %s of ticket %s not queued: its outbox key holds another e-mail, or "
            "the outbox found it unsendable; the agent was told it did not leave",
            row.id,
            ticket_id,
        )
        return None
    await mails.queued(row.id, queued)
    return queued


def _request_key(body: dict[str, Any], text: str) -> str | None:
    """The click's key: the console's ``request_id``, else the text itself (the same
    words sent twice to one ticket are one answer). ``None`` for a malformed id."""
    given = body.get("request_id")
    if given is None:
        return "text-" + hashlib.sha256(text.encode()).hexdigest()[:40]
    return str(given) if REQUEST_ID.match(str(given)) else None


@ticket_mail.post("/console/api/tickets/<ticket_id:int>/email")
async def answer_by_email(request: Request, ticket_id: int) -> HTTPResponse:
    """An agent's answer to an offline request, by e-mail."""
    agent, problem = await require_account(request, change=True)
    if problem is not None:
        return problem
    body = read_json_object(request.body or b"{}") or {}
    text = str(body.get("text", "")).strip()
    if not text or len(text) > MAX_ANSWER_CHARS:
        return error(400, "invalid_answer", f"an answer is 1 to {MAX_ANSWER_CHARS} characters")
    key = _request_key(body, text)
    if key is None:
        return error(400, "invalid_request_id", "request_id is 8 to 64 letters, digits, - or _")
    ticket = await request.app.ctx.tickets.get(ticket_id)
    if ticket is None:
        return error(404, "unknown_ticket", "no such ticket")
    if ticket.status not in ANSWERABLE or not ticket.contact_email:
        return error(
            409, "not_by_email", "only an offline request with an address is answered by e-mail"
        )
    row, created = await _record(request, ticket, agent, text, key)
    if row.outbox_id is None:  # logged by queue_answer; the ticket stays in the queue
        await request.app.ctx.ticket_mails.forget_unqueued(row.id)
        return error(
            500,
            "answer_not_queued",
            "the answer could not be queued and was not sent; send it again",
        )
    if created or ticket.status != "answered":
        ticket = await request.app.ctx.ticket_mails.answered(ticket_id, row.id) or ticket
        request.app.ctx.router.announce("ticket_answered", ticket)
    return json_response(
        {
            "email": await _with_delivery(request, row),
            "duplicate": not created,
            "ticket": ticket.as_json(),
        }
    )


async def _record(
    request: Request, ticket: TicketView, agent: Agent, text: str, key: str
) -> tuple[MailView, bool]:
    """Keep the answer in the thread, then queue it. A repeat of a click finds the first
    row; if that one never reached the outbox (the desk stopped in between), it is
    queued now, with the Message-ID it was given."""
    mails: TicketMailStore = request.app.ctx.ticket_mails
    thread = await mails.thread(ticket.id)
    masked = redact(text, ticket.language).text
    mail = _answer_mail(request, ticket, thread, masked, agent.display_name)
    row, created = await mails.start_answer(
        ticket.id,
        dedupe_key=f"{ticket.id}:{key}",
        message_id=mail.message_id,
        agent_name=agent.display_name,
        text=masked,
    )
    if row.outbox_id is None:
        if not created:
            earlier = [m for m in thread if m.id < row.id]
            mail = _answer_mail(request, ticket, earlier, row.text, row.author)
            mail = replace(mail, message_id=row.message_id)
        queued = await queue_answer(request.app.ctx.outbox, mails, ticket.id, row, mail)
        row = replace(row, outbox_id=queued)
    return row, created


async def _with_delivery(request: Request, mail: MailView) -> dict[str, Any]:
    """The e-mail for the console, with its fate in the outbox: ``delivery`` is the
    outbox's status (``pending``, ``sending``, ``sent``, ``rejected``, ``failed``,
    ``cancelled``: the console words them), with the tries so far, the last error's
    kind and the next try; a reply has none."""
    found = mail.as_json()
    if mail.direction != OUT:
        return found
    state = await request.app.ctx.outbox.state(mail.outbox_id) if mail.outbox_id else None
    found["delivery"] = state.status if state else "pending"
    found["attempts"] = state.attempts if state else 0
    found["error_kind"] = state.error_kind if state else ""
    waiting = state is not None and state.status == "pending" and state.attempts > 0
    found["next_try"] = state.not_before.isoformat() if waiting else None
    return found


@ticket_mail.get("/console/api/tickets/<ticket_id:int>/emails")
async def thread_of(request: Request, ticket_id: int) -> HTTPResponse:
    """The ticket's e-mails, both ways, oldest first, with each answer's fate."""
    _, problem = await require_account(request, change=False)
    if problem is not None:
        return problem
    if await request.app.ctx.tickets.get(ticket_id) is None:
        return error(404, "unknown_ticket", "no such ticket")
    thread = await request.app.ctx.ticket_mails.thread(ticket_id)
    return json_response({"emails": [await _with_delivery(request, m) for m in thread]})


# ------------------------------------------------------------------ the transcript


@ticket_mail.post("/api/conversations/<conversation_id>/transcript")
async def send_transcript(request: Request, conversation_id: str) -> HTTPResponse:
    """The chat by e-mail to the shopper's trusted address (409 without one)."""
    problem = conversation_refusal(request, conversation_id)
    if problem is not None:
        return problem
    ctx = request.app.ctx
    history = await ctx.store.history(conversation_id)
    if history is None:
        return error(404, "unknown_conversation", "no conversation with this id")
    language = await ctx.store.language_of(conversation_id) or ctx.settings.default_language
    if not any(m.sender == "shopper" for m in history):
        return _refused(409, "nothing_to_send", words.TRANSCRIPT_EMPTY(language))
    contact = await ctx.ticket_mails.answered_contact_of(conversation_id)
    address = await trusted_address(ctx.settings, history, contact)
    if address is None:
        return _refused(409, "no_trusted_address", words.TRANSCRIPT_NO_ADDRESS(language))
    outbox: Outbox = ctx.outbox
    reference = transcript_reference(conversation_id)
    key = f"transcript:{conversation_id}:{history[-1].seq}:{address.lower()}"
    sent = await outbox.of_reference(reference)
    shown = masked(address)  # enough for the shopper to recognise their mailbox
    if any(m.dedupe_key == stored_key(key) for m in sent):  # asked again, nothing new
        sentence = words.TRANSCRIPT_ALREADY(language, address=shown)
        return json_response({"ok": True, "duplicate": True, "message": sentence})
    problem = await _transcript_limits(request, sent, address, language)
    if problem is not None:
        return problem
    mail = transcript_mail(ctx.settings, history, language, address)
    queued = await outbox.enqueue(
        mail, dedupe_key=key, purpose=TRANSCRIPT_PURPOSE, reference=reference
    )
    sentence = (words.TRANSCRIPT_SENT if queued else words.TRANSCRIPT_ALREADY)(
        language, address=shown
    )
    return json_response({"ok": True, "duplicate": queued is None, "message": sentence})


async def _transcript_limits(
    request: Request, sent: list[OutboxMail], address: str, language: str
) -> HTTPResponse | None:
    """The 429 when one more transcript would be too many: for this conversation today
    (its outbox rows), from this client address, or to this recipient whatever the
    conversation (so nobody fills a stranger's mailbox from many free chats)."""
    since = utc_now() - timedelta(days=1)
    today = [m for m in sent if as_utc(m.created_at) > since]
    if len(today) >= TRANSCRIPTS_PER_DAY:
        sentence = words.TRANSCRIPT_TOO_MANY(language, count=len(today))
        return _refused(429, "too_many_transcripts", sentence)
    settings = request.app.ctx.settings
    limits: Limits = request.app.ctx.limits
    client = client_address(request, settings.trusted_proxies)
    recipient = address_digest(settings, address)[:32]  # no address in Redis
    for counter_key, limit, wording in (
        (
            f"transcripts:{client}",
            settings.limit_transcripts_per_address_per_day,
            words.TRANSCRIPT_CLIENT_LIMIT,
        ),
        (
            f"transcripts-to:{recipient}",
            settings.limit_transcripts_per_recipient_per_day,
            words.TRANSCRIPT_RECIPIENT_LIMIT,
        ),
    ):
        verdict = await limits.counter.hit(counter_key, limit, DAY_S)
        if not verdict.allowed:
            wait = describe_wait(verdict.retry_after_s, language)
            response = _refused(429, "too_many_transcripts", wording(language, wait=wait))
            response.headers["Retry-After"] = str(verdict.retry_after_s)
            return response
    return None


def _refused(status: int, code: str, sentence: str) -> HTTPResponse:
    """A refusal the widget shows as is (``message``, in the shopper's language)."""
    return error(status, code, "the transcript was not sent", message=sentence)


@ticket_mail.options("/api/conversations/<conversation_id>/transcript")
async def transcript_preflight(_request: Request, conversation_id: str) -> HTTPResponse:
    """CORS preflight: the shop's pages POST with the conversation token."""
    return empty(
        headers={
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, X-Conversation-Token",
            "Access-Control-Max-Age": "600",
        }
    )
