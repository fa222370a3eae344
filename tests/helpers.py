"""Small helpers shared by unit, end-to-end and security tests (no fixtures here)."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker

from comptoir.desk.tickets import Ticket
from comptoir.shop.verification import sign_identity


class WebhookReceiver:
    """The shop's webhook endpoint: a real HTTP server keeping what it received. It
    fails the first ``failures`` posts with ``status``, then accepts (204)."""

    def __init__(self, failures: int = 0, status: int = 503) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = status if len(receiver.received) <= failures else 204
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivery_for(self, conversation_id: str, timeout_s: float = 30) -> tuple[dict, bytes]:
        """The first delivery about ``conversation_id``, waiting up to ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for headers, body in list(self.received):
                if json.loads(body)["data"].get("conversation_id") == conversation_id:
                    return headers, body
            time.sleep(0.2)
        raise AssertionError(f"no webhook delivery for {conversation_id}")

    def close(self) -> None:
        self.server.shutdown()


async def backdate_ticket(
    sessions: async_sessionmaker, ticket_id: int, when: datetime, *, closed: bool
) -> None:
    """Make a ticket look opened at ``when`` (and closed then too, when ``closed``)."""
    async with sessions.begin() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(created_at=when, closed_at=when if closed else None)
        )


def customer_identity(email: str, secret: str, expires: int) -> dict:
    """What the shop's page sends for its signed-in shopper (docs/orders.md)."""
    return {"email": email, "signature": sign_identity(email, secret, expires), "expires": expires}


def report_csv_rows(report: dict, table: str) -> list[list[str]]:
    """The rows a report table's CSV must hold, from the report's JSON: the cells in the
    JSON's order, ``null`` as empty, a cluster's examples joined and its article split,
    a text a spreadsheet would run as a formula kept as text (docs/reports.md)."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        formula = isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r"))
        return "'" + value if formula else str(value)

    rows = []
    for item in report[table]:
        if table == "unanswered_clusters":
            article = item["closest_article"] or {}
            item = {
                "count": item["count"],
                "examples": " | ".join(item["examples"]),
                "closest_article_id": article.get("id"),
                "closest_article_title": article.get("title"),
            }
        rows.append([cell(value) for value in item.values()])
    return rows


def serious_accessibility_violations(page, context: str | None = None) -> list[tuple]:
    """axe-core's serious and critical violations on ``page`` (or the ``context``
    selector): (rule, help, targets) each, so a failing assertion says what to fix."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context) if context else Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
