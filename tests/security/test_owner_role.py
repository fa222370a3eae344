"""The shop owner's account (issue 14): the reports, and nothing else of the console.

An ``owner`` signs in to the console like everyone else but reads only rates and counts:
every other console route (queue, tickets and their transcripts, canned replies, notes,
returns, lockouts, the editors' page, the live socket) refuses it with 403 ``role``,
even with the session's CSRF token, and an attempt changes nothing. The routes are
listed from the desk application itself, so a route added later is tried too.

Driven against the session's real stack (desk, Rasa, action server), with accounts made
by the real ``comptoir users add`` command.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from comptoir.desk.app import create_app
from comptoir.desk.guards import COOKIE, REPORT_ROLES
from comptoir.settings import Settings
from comptoir.stack import PROJECT_ROOT
from tests.e2e.test_handoff import PASSWORD, Console, add_agent
from tests.stack_fixtures import Chat

# Any signed-in account may sign in, sign out and ask who it is.
EVERYONE = {"console/api/login", "console/api/logout", "console/api/me"}
REPORTS = re.compile(r"^console/api/reports")


def console_routes() -> list[tuple[str, str]]:
    """``(method, path)`` of every console API route and the console's socket, from the
    desk application as ``create_app`` builds it (nothing is started)."""
    app = create_app(Settings(), name="owner_role_probe")
    found = set()
    for route in app.router.routes:
        if route.path.startswith("console/api/") or route.path == "console/ws":
            found |= {(method, route.path) for method in route.methods if method != "OPTIONS"}
    return sorted(found)


def concrete(path: str, ticket_id: int) -> str:
    """A route's path with real values in its parameters (every number: the ticket's id)."""
    path = re.sub(r"<\w+:int>", str(ticket_id), path)
    return "/" + re.sub(r"<(\w+):str>", "R-2026-000001", path)


@pytest.fixture(scope="module")
def people(stack_and_knowledge):
    stack = stack_and_knowledge[0]
    env = stack.environment()
    url = stack.config.desk_url
    return {
        "owner": Console(url, add_agent(env, "Margaux", "owner")),
        "agent": Console(url, add_agent(env, "Camille")),
        "editor": Console(url, add_agent(env, "Inès", "editor")),
    }


@pytest.fixture(scope="module")
def waiting_ticket(desk, people) -> Iterator[dict]:
    """A shopper waiting for a person (the ticket the owner tries to read and take)."""
    chat = Chat(desk)
    assert "conseiller" in chat.text("je veux parler à un conseiller")
    ticket = people["agent"].ticket_of(chat.id)
    yield ticket
    # Leave the queue as it was: the agent takes the request and closes it.
    people["agent"].post(f"/tickets/{ticket['id']}/claim")
    people["agent"].post(f"/tickets/{ticket['id']}/resolve")


def test_the_owner_role_is_a_console_role_of_its_own(people):
    owner = people["owner"]
    assert owner.agent["role"] == "owner"
    assert owner.http.get("/console/api/me").json()["agent"]["role"] == "owner"
    assert frozenset({"admin", "owner"}) == REPORT_ROLES


def test_the_command_line_refuses_an_unknown_role(stack_and_knowledge):
    command = [str(PROJECT_ROOT / ".venv" / "bin" / "comptoir"), "users", "add", "boss-1"]
    refused = subprocess.run(
        [*command, "--role", "boss", "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        env=stack_and_knowledge[0].environment(),
    )
    assert refused.returncode == 2 and "invalid choice" in refused.stderr
    assert "owner" in refused.stderr, "the choices name the owner role"


def test_every_other_console_route_refuses_the_owner(people, waiting_ticket):
    owner = people["owner"]
    routes = [
        (method, path)
        for method, path in console_routes()
        if path not in EVERYONE and not REPORTS.match(path) and path != "console/ws"
    ]
    assert ("GET", "console/api/tickets") in routes and len(routes) >= 12, routes
    answers = {}
    for method, path in routes:
        response = owner.http.request(
            method,
            concrete(path, waiting_ticket["id"]),
            params={"q": "facture"},
            json={"text": "Bonjour, c'est la patronne", "status": "refunded"},
            headers={"X-CSRF-Token": owner.csrf},
        )
        answers[f"{method} {path}"] = (response.status_code, response.json().get("error"))
    assert {route: answer for route, answer in answers.items() if answer != (403, "role")} == {}

    # Nothing happened: the ticket still waits, nobody wrote into the chat.
    after = people["agent"].http.get(f"/console/api/tickets/{waiting_ticket['id']}").json()
    assert after["ticket"]["status"] == "waiting"
    assert [m for m in after["transcript"] if m["sender"] == "agent"] == []
    assert after["notes"] == []


def close_code(url: str, cookie: str) -> int | None:
    """The code the desk closes the console's socket with, for this session cookie."""

    async def attempt() -> int | None:
        async with connect(url, additional_headers={"Cookie": f"{COOKIE}={cookie}"}) as socket:
            try:
                await asyncio.wait_for(socket.recv(), 10)
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    return asyncio.run(attempt())


def test_the_owner_gets_no_live_socket(stack_and_knowledge, people):
    url = stack_and_knowledge[0].config.desk_url.replace("http", "ws", 1) + "/console/ws"
    assert close_code(url, people["owner"].http.cookies.get(COOKIE)) == 1008


def last_30_days() -> dict[str, str]:
    today = date.today()
    return {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}


def test_only_the_owner_and_admins_read_the_reports(stack_and_knowledge, desk, people):
    owner = people["owner"]
    page = owner.http.get("/console/api/reports", params=last_30_days())
    assert page.status_code == 200, page.text
    assert {"period", "headline", "daily"} <= set(page.json())
    csv = owner.http.get("/console/api/reports/daily.csv", params=last_30_days())
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    admin = Console(
        stack_and_knowledge[0].config.desk_url,
        add_agent(stack_and_knowledge[0].environment(), "Alix", "admin"),
    )
    assert admin.http.get("/console/api/reports", params=last_30_days()).status_code == 200
    for role in ("agent", "editor"):
        for path in ("/console/api/reports", "/console/api/reports/daily.csv"):
            refused = people[role].http.get(path, params=last_30_days())
            assert (refused.status_code, refused.json()["error"]) == (403, "role"), (role, path)
    anonymous = desk.get("/console/api/reports", params=last_30_days())
    assert anonymous.status_code == 401
