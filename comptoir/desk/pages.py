"""The desk's own pages: the demo shop (``/``) and the health check (``/health``).

The demo page shows the widget embedded as a shop would embed it, pointed at this
desk; the health check tells a load balancer or ``make run`` whether every part the
shopper depends on (Rasa, the action server, the database) answers.
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import Any

from sanic import Blueprint, HTTPResponse, Request, html
from sanic import json as json_response

from comptoir.desk.rasa_client import RasaClient
from comptoir.desk.store import ConversationStore
from comptoir.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"

pages = Blueprint("pages")


@cache
def _demo_html() -> str:
    """The demo page's template, read once per process."""
    return (STATIC_DIR / "demo.html").read_text(encoding="utf-8")


def configured_desk_url(settings: Settings) -> str:
    """This desk's address as configured (``COMPTOIR_DESK_HOST``/``_PORT``), never as a
    request's ``Host`` header says: a forged header must not end up in the page (nor in
    a cache serving it to others). A desk listening on every interface is shown at
    127.0.0.1, where ``make run`` prints it."""
    host = settings.desk_host
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.desk_port}"


@pages.get("/")
async def demo_page(request: Request) -> HTTPResponse:
    """The demo shop, with the widget's script tag pointing at this desk."""
    desk_url = configured_desk_url(request.app.ctx.settings)
    return html(_demo_html().replace("__DESK_URL__", desk_url))


async def _database(store: ConversationStore) -> dict[str, Any]:
    """``{"ok": True}`` when the desk database answers a trivial query."""
    try:
        await store.ping()
        return {"ok": True}
    except Exception as error:  # any driver error means "down"
        return {"ok": False, "error": type(error).__name__}


@pages.get("/health")
async def health(request: Request) -> HTTPResponse:
    """``{"status", "rasa", "actions", "database"}``; 503 when a part is down."""
    rasa: RasaClient = request.app.ctx.rasa
    rasa_state, actions_state, db_state = await asyncio.gather(
        rasa.rasa_status(), rasa.actions_status(), _database(request.app.ctx.store)
    )
    components = {"rasa": rasa_state, "actions": actions_state, "database": db_state}
    healthy = all(c["ok"] for c in components.values())
    return json_response(
        {"status": "ok" if healthy else "degraded", **components},
        status=200 if healthy else 503,
    )
