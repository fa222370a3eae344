"""The desk's one shape for a refusal: ``{"error": code, "detail": sentence}``.

Every route of the desk (widget API, console, editor page) and the application's error
handlers answer a problem the same way, so the widget, the console and a shop's own
integration need one parser and can rely on a stable ``code`` rather than on wording.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import HTTPResponse, Request
from sanic import json as json_response
from sanic.exceptions import SanicException

log = logging.getLogger("comptoir.desk")


def error(status: int, code: str, detail: str, **extra: Any) -> HTTPResponse:
    """A JSON error answer; ``extra`` adds fields a client needs (the 503's fallback)."""
    return json_response({"error": code, "detail": detail, **extra}, status=status)


async def on_http_error(_request: Request, problem: SanicException) -> HTTPResponse:
    """Sanic's own refusals (404, 405, 413...) in the desk's shape, not its HTML page."""
    return error(problem.status_code, "http_error", str(problem) or "request refused")


async def on_unexpected_error(request: Request, _problem: Exception) -> HTTPResponse:
    """A bug: logged with its traceback, and the shopper is told to retry (no details)."""
    log.exception("unexpected error on %s", request.path)
    return error(500, "internal_error", "something went wrong on our side; please retry")
