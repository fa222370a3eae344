"""The shop notices' routes: the editors' (``/console/api/notices``) and the widget's
(``GET /api/notices``).

Editors and admins write, change and withdraw notices (``guards.EDIT_ROLES``, with the
session's CSRF token on every change); a refused notice gets a 400 whose ``error`` code
the console puts into a sentence and whose ``field`` names the input to fix. The
widget's route needs no token: a notice is meant for every visitor, so its answer may
be cached for a minute by the browser and any proxy in between.
"""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request
from sanic import json as json_response

from comptoir.desk.api_models import read_json_object
from comptoir.desk.db import utc_now
from comptoir.desk.errors import error
from comptoir.desk.guards import EDIT_ROLES, require_account
from comptoir.desk.shop_notices import TOPICS, NoticeInvalid, NoticeStore, NoticeView, read_draft

notices = Blueprint("shop_notices")
PUBLIC_MAX_AGE_S = 60
"""How long a browser may keep the active notices: a new notice shows within a minute."""


def _store(request: Request) -> NoticeStore:
    return NoticeStore(request.app.ctx.store.sessions)


def _timezone(request: Request) -> str:
    """The shop's time zone: the editors type and read a notice's times in it."""
    return request.app.ctx.settings.business_hours.timezone


def _shown(request: Request, notice: NoticeView) -> dict:
    return notice.for_console(_timezone(request), utc_now())


@notices.get("/console/api/notices")
async def listing(request: Request) -> HTTPResponse:
    """Upcoming, active and recently ended notices, with the topics to choose from."""
    _, problem = await require_account(request, change=False, roles=EDIT_ROLES)
    if problem is not None:
        return problem
    found = await _store(request).listing()
    return json_response(
        {
            "notices": [_shown(request, notice) for notice in found],
            "topics": list(TOPICS),
            "timezone": _timezone(request),
        }
    )


async def _save(request: Request, notice_id: int | None) -> HTTPResponse:
    """Create (``notice_id`` None) or change a notice from the request's JSON body."""
    agent, problem = await require_account(request, change=True, roles=EDIT_ROLES)
    if problem is not None:
        return problem
    body = read_json_object(request.body)
    if body is None:
        return error(400, "invalid_json", "the body must be a JSON object (valid UTF-8)")
    try:
        draft = read_draft(body, _timezone(request), utc_now())
    except NoticeInvalid as invalid:
        return error(400, invalid.code, invalid.detail, field=invalid.field)
    store = _store(request)
    if notice_id is None:
        saved = await store.create(draft, agent.display_name)
        return json_response({"notice": _shown(request, saved)}, status=201)
    changed = await store.update(notice_id, draft, agent.display_name)
    if changed is None:
        return error(404, "unknown_notice", "no such notice (it may have been withdrawn)")
    return json_response({"notice": _shown(request, changed)})


@notices.post("/console/api/notices")
async def create(request: Request) -> HTTPResponse:
    """A new notice (201), or 400 with what to fix."""
    return await _save(request, None)


@notices.put("/console/api/notices/<notice_id:int>")
async def change(request: Request, notice_id: int) -> HTTPResponse:
    """New texts, times or topics for a notice (404 once withdrawn)."""
    return await _save(request, notice_id)


@notices.delete("/console/api/notices/<notice_id:int>")
async def withdraw(request: Request, notice_id: int) -> HTTPResponse:
    """Stop showing a notice now (it stays recorded, marked withdrawn)."""
    agent, problem = await require_account(request, change=True, roles=EDIT_ROLES)
    if problem is not None:
        return problem
    if not await _store(request).withdraw(notice_id, agent.display_name):
        return error(404, "unknown_notice", "no such notice (it may have been withdrawn)")
    return json_response({"ok": True})


@notices.get("/api/notices")
async def active(request: Request) -> HTTPResponse:
    """The notices shown now, in ``?language=fr|en`` (the other language's text when
    one was left empty); no token, cached for a minute."""
    language = request.args.get("language") or request.app.ctx.settings.default_language
    if language not in ("fr", "en"):
        return error(400, "invalid_language", "language must be 'fr' or 'en'")
    found = await _store(request).active()
    return json_response(
        {"language": language, "notices": [notice.for_shopper(language) for notice in found]},
        headers={"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE_S}"},
    )
