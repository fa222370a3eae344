"""Who may use a route: the shopper holding a conversation's token, or a signed-in account.

The widget's routes and the console's share two questions, answered here once so that
every route refuses in the same way (same status, same error code): is this request
from the shopper who started this conversation, and is it from a signed-in account
whose role may use this page.
"""

from __future__ import annotations

from sanic import HTTPResponse, Request

from comptoir.desk.accounts import AccountStore, Agent
from comptoir.desk.api_models import CONVERSATION_ID
from comptoir.desk.conversation_tokens import HEADER as TOKEN_HEADER
from comptoir.desk.conversation_tokens import presented_token, token_is_valid
from comptoir.desk.errors import error

COOKIE = "comptoir_console"
CHAT_ROLES = frozenset({"agent", "admin"})
"""Transcripts hold shopper data: only agents and admins take or read chats."""
EDIT_ROLES = frozenset({"editor", "admin"})
"""Who may use the editors' page (knowledge preview, misses, votes)."""


def is_owner(request: Request, conversation_id: str) -> bool:
    """The request presents the conversation's token (header, or ``?token=``)."""
    secret = request.app.ctx.settings.conversation_secret
    return token_is_valid(secret, conversation_id, presented_token(request))


def conversation_refusal(
    request: Request, conversation_id: str, *, token: bool = True
) -> HTTPResponse | None:
    """``None`` when the id is well formed and (with ``token``) its token presented;
    otherwise the 400 ``invalid_conversation_id`` or 403 ``not_your_conversation``.

    ``token=False`` checks the id alone: a new conversation has no token yet, and a
    malformed body is reported before a missing token.
    """
    if not CONVERSATION_ID.match(conversation_id):
        return error(400, "invalid_conversation_id", "use 1-64 letters, digits, - or _")
    if token and not is_owner(request, conversation_id):
        return error(
            403,
            "not_your_conversation",
            f"this conversation needs its {TOKEN_HEADER} (given with its first answer)",
        )
    return None


async def require_account(
    request: Request, *, change: bool, roles: frozenset[str] | None = CHAT_ROLES
) -> tuple[Agent | None, HTTPResponse | None]:
    """The signed-in account, or the 401/403 answer to return.

    Editors sign in (they share the accounts) but do not take shoppers' chats:
    transcripts hold shopper data that only agents and admins need to see. ``roles``
    says who may use the route (``None``: any signed-in account). ``change`` asks for the
    session's CSRF token too, so another site cannot act with the agent's cookie.
    """
    accounts: AccountStore = request.app.ctx.accounts
    found = await accounts.resolve(request.cookies.get(COOKIE))
    if found is None:
        return None, error(401, "not_signed_in", "sign in to the console first")
    agent, csrf = found
    if change and request.headers.get("x-csrf-token") != csrf:
        return None, error(403, "csrf", "missing or wrong X-CSRF-Token header")
    if roles is not None and agent.role not in roles:
        return None, error(403, "role", "this account's role cannot use this page")
    return agent, None
