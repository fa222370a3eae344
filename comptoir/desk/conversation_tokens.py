"""Proof that a request comes from the shopper who started the conversation.

The desk hands the widget a token with every answer: the time it was issued and an
HMAC of the conversation id and that time with the desk's secret. Reading the history,
following the socket, writing again, voting or rating all need it, so knowing (or
guessing) a conversation id is not enough to read someone's chat, nor to ask the bot
about the order they verified in it. A token is good for ``conversation_token_days``:
an active chat always holds a recent one (each answer brings a fresh token), while a
token copied from an abandoned device stops working.

Conversation ids starting with ``__`` are reserved for the desk's own hub channels
(``__console__``, which every agent console follows): a shopper may never use one,
or their "conversation" would receive the consoles' events.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Literal

from sanic import HTTPResponse, Request

from comptoir.desk.api_models import CONVERSATION_ID
from comptoir.desk.errors import error

HEADER = "X-Conversation-Token"
RESERVED_PREFIX = "__"
CLOCK_SKEW_S = 300
"""How far in the future a token may be dated (desk processes' clocks differ a little)."""
TokenState = Literal["ok", "missing", "wrong", "expired"]


def token_for(secret: str, conversation_id: str, issued_at: float | None = None) -> str:
    """The conversation's token, issued now (or at ``issued_at``, a Unix time):
    ``<issued, hex>.<HMAC>``. Stateless: any desk process can check it."""
    stamp = format(int(time.time() if issued_at is None else issued_at), "x")
    message = f"{conversation_id}.{stamp}".encode()
    return f"{stamp}.{hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]}"


def presented_token(request: Request) -> str:
    """From the header, or from ``?token=`` (browsers cannot set WebSocket headers)."""
    return request.headers.get(HEADER) or request.args.get("token", "")


def check_token(
    secret: str,
    conversation_id: str,
    token: str,
    max_age_s: float | None,
    now: float | None = None,
) -> TokenState:
    """Whether ``token`` is the conversation's, and still young enough (``max_age_s``;
    ``None`` skips the age). Compared in constant time, so it cannot be guessed byte
    by byte."""
    if not token:
        return "missing"
    stamp, _, _digest = token.partition(".")
    if not 0 < len(stamp) <= 12 or any(c not in "0123456789abcdef" for c in stamp):
        return "wrong"
    issued = int(stamp, 16)
    expected = token_for(secret, conversation_id, issued)
    if not hmac.compare_digest(expected.encode(), token.encode("utf-8", "replace")):
        return "wrong"
    age = (time.time() if now is None else now) - issued
    if age < -CLOCK_SKEW_S:
        return "wrong"
    if max_age_s is not None and age > max_age_s:
        return "expired"
    return "ok"


def token_is_valid(
    secret: str, conversation_id: str, token: str, max_age_s: float | None = None
) -> bool:
    """The token is the conversation's (and, with ``max_age_s``, not expired)."""
    return check_token(secret, conversation_id, token, max_age_s) == "ok"


def is_reserved(conversation_id: str) -> bool:
    """A name of the desk's own channels, never a shopper's conversation."""
    return conversation_id.startswith(RESERVED_PREFIX)


def conversation_refusal(
    request: Request, conversation_id: str, *, token: bool = True
) -> HTTPResponse | None:
    """``None`` when the id is a shopper's well-formed id and (with ``token``) its
    token is presented and current; otherwise the answer to give: 400
    ``invalid_conversation_id``, 403 ``not_your_conversation`` or 403
    ``conversation_token_expired``.

    ``token=False`` checks the id alone: a new conversation has no token yet, and a
    malformed body is reported before a missing token.
    """
    if not CONVERSATION_ID.match(conversation_id):
        return error(400, "invalid_conversation_id", "use 1-64 letters, digits, - or _")
    if is_reserved(conversation_id):
        return error(
            400,
            "invalid_conversation_id",
            f"ids starting with '{RESERVED_PREFIX}' are reserved for the desk's own channels",
        )
    if not token:
        return None
    settings = request.app.ctx.settings
    days = settings.conversation_token_days
    state = check_token(
        settings.conversation_secret, conversation_id, presented_token(request), days * 86400
    )
    if state == "expired":
        return error(
            403,
            "conversation_token_expired",
            f"this conversation's token has expired (tokens last {days} days after the "
            "last answer); start a new conversation",
        )
    if state != "ok":
        return error(
            403,
            "not_your_conversation",
            f"this conversation needs its {HEADER} (given with each answer)",
        )
    return None
