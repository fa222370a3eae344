"""Who may use a console route: a signed-in account whose role allows it.

The console's and the editors' routes share this one question, answered here once so
that every route refuses in the same way (same status, same error code). The widget's
question, "is this the shopper who started this conversation", is answered once too,
by ``conversation_tokens.conversation_refusal``.
"""

from __future__ import annotations

import hmac

from sanic import HTTPResponse, Request

from comptoir.desk.accounts import AccountStore, Agent
from comptoir.desk.errors import error

COOKIE = "comptoir_console"
CHAT_ROLES = frozenset({"agent", "admin"})
"""Transcripts hold shopper data: only agents and admins take or read chats."""
EDIT_ROLES = frozenset({"editor", "admin"})
"""Who may use the editors' page (knowledge preview, misses, votes)."""
REPORT_ROLES = frozenset({"admin", "owner"})
"""Who may read the reports (rates and counts, no transcript): the shop's owner, who may
use nothing else of the console, and admins."""


async def require_account(
    request: Request, *, change: bool, roles: frozenset[str] | None = CHAT_ROLES
) -> tuple[Agent | None, HTTPResponse | None]:
    """The signed-in account, or the 401/403 answer to return.

    Editors sign in (they share the accounts) but do not take shoppers' chats:
    transcripts hold shopper data that only agents and admins need to see; an owner
    reads the reports and nothing else (``REPORT_ROLES``). ``roles`` says who may use
    the route (``None``: any signed-in account). ``change`` asks for the session's CSRF
    token too, so another site cannot act with the agent's cookie (compared in
    constant time: the answer's timing tells nothing about the token).
    """
    accounts: AccountStore = request.app.ctx.accounts
    found = await accounts.resolve(request.cookies.get(COOKIE))
    if found is None:
        return None, error(401, "not_signed_in", "sign in to the console first")
    agent, csrf = found
    presented = request.headers.get("x-csrf-token") or ""
    if change and not hmac.compare_digest(presented.encode(), csrf.encode()):
        return None, error(403, "csrf", "missing or wrong X-CSRF-Token header")
    if roles is not None and agent.role not in roles:
        return None, error(403, "role", "this account's role cannot use this page")
    return agent, None
