"""Proof that a request comes from the shopper who started the conversation.

The desk hands the widget a token with the first answer: an HMAC of the conversation id
with the desk's secret. Reading the history, following the socket, writing again, voting
or rating all need it, so knowing (or guessing) a conversation id is not enough to read
someone's chat, nor to ask the bot about the order they verified in it.
"""

from __future__ import annotations

import hashlib
import hmac

from sanic import Request

HEADER = "X-Conversation-Token"


def token_for(secret: str, conversation_id: str) -> str:
    """The conversation's token (stateless: any desk process can check it)."""
    digest = hmac.new(secret.encode(), conversation_id.encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def presented_token(request: Request) -> str:
    """From the header, or from ``?token=`` (browsers cannot set WebSocket headers)."""
    return request.headers.get(HEADER) or request.args.get("token", "")


def token_is_valid(secret: str, conversation_id: str, token: str) -> bool:
    """Compared in constant time, so the token cannot be guessed byte by byte."""
    return bool(token) and hmac.compare_digest(token_for(secret, conversation_id), token)
