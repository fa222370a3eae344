"""``GET /console/api/lockouts``: the recent order-verification lockouts, for agents.

When someone reaches a limit of the proof of ownership (too many wrong tries in a
conversation, from one address, on one order from one address, or for everyone), the
shop's data records when, which conversation and client address, which limit, and the
order number partly hidden (``comptoir.shop.verification``). Agents and admins see the
latest of them in the console, to recognise a shopper who got stuck or an attack in
progress; the console puts the limit into words.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, HTTPResponse, Request
from sanic import json as json_response

from comptoir.desk.guards import require_account

lockouts = Blueprint("console_lockouts", url_prefix="/console/api")
SHOWN = 50  # the console lists the latest lockouts of the day, at most this many


def _recent(url: str, hours: int) -> list[dict[str, Any]]:
    from comptoir.shop.service import open_session
    from comptoir.shop.verification import recent_lockouts

    with open_session(url) as session:
        return [
            {
                "at": lockout.at.isoformat(),
                "conversation_id": lockout.conversation_id,
                "client_address": lockout.client_address,
                "order_number": lockout.order_number,
                "limit": lockout.limit_reached,
            }
            for lockout in recent_lockouts(session, hours=hours, limit=SHOWN)
        ]


@lockouts.get("/lockouts")
async def recent(request: Request) -> HTTPResponse:
    """The last day's lockouts, newest first (signed-in agents and admins)."""
    _, problem = await require_account(request, change=False)
    if problem is not None:
        return problem
    url = request.app.ctx.settings.shop_db_url
    found = await asyncio.to_thread(_recent, url, 24)
    return json_response({"lockouts": found})
