"""The owner's report over HTTP: conversations driven through the widget and the console
(an answer with a 👍, a handoff answered by an agent and scored, a greeting), then the
report counts exactly those, and its CSV tables say what its JSON says.

The session's desk is shared with the other end-to-end tests, so the figures are
compared before and after this test's own conversations, on a range around today.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_handoff import Console, add_agent
from tests.helpers import report_csv_rows
from tests.stack_fixtures import Chat

TABLES = (
    "daily",
    "handoffs_by_reason",
    "first_response_distribution",
    "csat_daily",
    "heatmap",
    "unanswered_clusters",
    "disliked_articles",
    "returns_by_reason",
    "returns_by_product",
)


@pytest.fixture(scope="module")
def people(stack_and_knowledge) -> dict[str, Console]:
    stack = stack_and_knowledge[0]
    env = stack.environment()
    return {
        role: Console(stack.config.desk_url, add_agent(env, name, role))
        for role, name in (("agent", "Camille"), ("admin", "Margaux"), ("owner", "Hélène"))
    }


def around_today() -> dict[str, str]:
    """Yesterday to tomorrow in Paris: today's chats stay in it even across midnight."""
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
    return {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}


def report(console: Console) -> dict:
    answer = console.http.get("/console/api/reports", params=around_today(), timeout=120)
    assert answer.status_code == 200, answer.text
    return answer.json()


def counts(data: dict) -> dict[str, int]:
    """The figures this test moves, summed over the range."""
    headline = data["headline"]
    reasons = {r["reason"]: r["count"] for r in data["handoffs_by_reason"]}
    buckets = {b["bucket"]: b["count"] for b in data["first_response_distribution"]}
    return {
        "conversations": headline["conversations"]["value"],
        "eligible": headline["automation_rate"]["denominator"],
        "automated": headline["automation_rate"]["numerator"],
        "confirmed": headline["resolution_confirmed_rate"]["numerator"],
        "handed_off": headline["handoff_rate"]["numerator"],
        "answered_tickets": headline["first_response_median_s"]["numerator"],
        "tickets": headline["first_response_median_s"]["denominator"],
        "closed_tickets": headline["resolution_median_s"]["numerator"],
        "scores": headline["csat"]["denominator"],
        "satisfied": headline["csat"]["numerator"],
        "shopper_request": reasons.get("shopper_request", 0),
        "under_5m": buckets["under_5m"],
        "daily_conversations": sum(d["conversations"] for d in data["daily"]),
        "daily_automated": sum(d["automated"] for d in data["daily"]),
        "daily_handoffs": sum(d["handoffs"] for d in data["daily"]),
        "daily_scores": sum(d["scores"] for d in data["csat_daily"]),
        "heatmap": sum(c["conversations"] for c in data["heatmap"]),
    }


def test_the_report_counts_exactly_what_went_through_the_desk(desk, people):
    admin, camille = people["admin"], people["agent"]
    before = counts(report(admin))

    answered = Chat(desk)
    messages = answered.say("sous combien de jours je suis remboursé après un retour ?")
    article = next(m["custom"]["article_id"] for m in messages if m["custom"].get("article_id"))
    vote = {"article_id": article, "vote": "up", "question": "remboursement"}
    assert desk.post(f"/api/conversations/{answered.id}/feedback", json=vote).status_code == 200

    handed = Chat(desk)
    handed.say("je veux parler à un conseiller")
    ticket = camille.ticket_of(handed.id)
    assert camille.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    sent = camille.post(f"/tickets/{ticket['id']}/messages", {"text": "Bonjour, je regarde."})
    assert sent.status_code == 200
    assert camille.post(f"/tickets/{ticket['id']}/resolve").status_code == 200
    score = desk.post(f"/api/conversations/{handed.id}/satisfaction", json={"score": 5})
    assert score.status_code == 200

    Chat(desk).say("Bonjour !")  # a greeting only: a conversation, not a question

    after = counts(report(admin))
    moved = {name: after[name] - before[name] for name in after}
    assert moved == {
        "conversations": 3,
        "eligible": 2,
        "automated": 1,
        "confirmed": 1,
        "handed_off": 1,
        "answered_tickets": 1,
        "tickets": 1,
        "closed_tickets": 1,
        "scores": 1,
        "satisfied": 1,
        "shopper_request": 1,
        "under_5m": 1,
        "daily_conversations": 3,
        "daily_automated": 1,
        "daily_handoffs": 1,
        "daily_scores": 1,
        "heatmap": 3,
    }


def test_each_csv_table_says_what_the_json_says(people):
    owner = people["owner"]
    data = report(owner)
    for table in TABLES:
        answer = owner.http.get(f"/console/api/reports/{table}.csv", params=around_today())
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/csv")
        assert answer.content.startswith("\ufeff".encode())
        assert f"comptoir-{table}-" in answer.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert rows[1:] == report_csv_rows(data, table), table


def test_only_admins_and_owners_read_reports_and_bad_dates_are_refused(people, desk):
    assert people["agent"].http.get("/console/api/reports").status_code == 403
    assert desk.get("/console/api/reports").status_code == 401
    owner = people["owner"]
    default = owner.http.get("/console/api/reports").json()["period"]
    assert len([d for d in owner.http.get("/console/api/reports").json()["daily"]]) == 30
    assert default["to"] == around_today()["to"] or default["to"] < around_today()["to"]
    for params, problem in (
        ({"from": "2026-02-30"}, "not a real day"),
        ({"from": "yesterday"}, "YYYY-MM-DD"),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "is after"),
        ({"from": "2025-01-01", "to": "2026-11-01"}, "at most 366 days"),
    ):
        answer = owner.http.get("/console/api/reports", params=params)
        assert answer.status_code == 400 and problem in answer.json()["detail"], params
    unknown = owner.http.get("/console/api/reports/secrets.csv")
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_table"
