"""Security headers on every answer of the desk.

Every response says ``X-Content-Type-Options: nosniff`` (a JSON answer is never run as a
script) and ``Referrer-Policy: strict-origin-when-cross-origin`` (no path or query to
other sites). The console's API answers hold shopper data: ``Cache-Control: no-store``.

HTML pages get a Content-Security-Policy and may not be framed (``frame-ancestors
'none'``, ``X-Frame-Options: DENY``: no clickjacking of the console's buttons):

- the console runs only its own ES modules (``script-src 'self'``, nothing inline),
  talks only to its desk (fetch and its live socket: ``'self'`` covers same-origin
  WebSockets in CSP level 3), and its one inline ``<style>`` is
  allowed by its SHA-256, computed from ``console.html`` itself;
- the demo shop page loads the widget from the desk (``'self'``, and the configured desk
  URL), which talks to the desk over fetch and a WebSocket; styles may be inline there
  (the widget writes its own ``<style>`` into its Shadow DOM, as on a shop's page).

The widget's script and API keep their CORS headers (``app.py``): a policy on a script
or a JSON answer does not apply to the shop's page that uses them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

from sanic import HTTPResponse, Request

from comptoir.desk.pages import configured_desk_url
from comptoir.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"
_COMMON = "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


@cache
def console_style_hash() -> str:
    """``'sha256-…'`` of the console page's inline ``<style>`` (its exact text)."""
    page = (STATIC_DIR / "console.html").read_text(encoding="utf-8")
    found = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    style = found.group(1) if found else ""
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def console_policy() -> str:
    """The console page's policy (``'self'`` covers its own WebSocket: CSP level 3)."""
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self' {console_style_hash()}; "
        f"connect-src 'self'; img-src 'self' data:; {_COMMON}"
    )


def page_policy(settings: Settings) -> str:
    """The demo shop page's policy (and any other HTML page of the desk)."""
    desk = configured_desk_url(settings)
    desk_sockets = desk.replace("http", "ws", 1)
    return (
        f"default-src 'self'; script-src 'self' {desk}; style-src 'self' 'unsafe-inline'; "
        f"connect-src 'self' {desk} {desk_sockets}; "
        f"img-src 'self' data:; {_COMMON}"
    )


async def security_headers(request: Request, response: HTTPResponse) -> None:
    """The ``on_response`` middleware: headers a handler did not set itself."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.path.startswith("/console/api/"):
        headers.setdefault("Cache-Control", "no-store")
    content_type = response.content_type or headers.get("content-type", "")
    if not content_type.startswith("text/html"):
        return
    if request.path.startswith("/console"):
        policy = console_policy()
    else:
        policy = page_policy(request.app.ctx.settings)
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Frame-Options", "DENY")
