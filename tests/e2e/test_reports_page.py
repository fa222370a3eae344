"""The reports page in Chromium, against the real desk and its real figures (issue 14).

A shopper gets an answer and votes it down, another asks for a person and an agent
answers; then the shop's owner signs in: the page is in French, shows the headline
figures the API computes (formatted as the owner reads them, « 69,4 % », « 1 h 12 min »),
each chart with its text alternative, the detail tables; a switch to the last 7 days asks
the API again; a CSV download holds the rows of the table on the page. No queue, no
transcript, no editors' page. A screenshot goes to docs/screenshots/console-reports.png
and axe finds no serious accessibility violation.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.e2e.test_handoff import Console, add_agent
from tests.e2e.test_widget_browser import SCREENSHOTS, assert_no_codes, console_page
from tests.helpers import serious_accessibility_violations
from tests.stack_fixtures import Chat
from tests.unit.test_console_labels import codes

pytestmark = pytest.mark.browser

CHARTS = (
    "Conversations par jour",
    "Automatisation et transferts par jour",
    "Transferts par motif",
    "Délai de première réponse d'un conseiller",
    "Satisfaction (CSAT) par jour",
    "Conversations par jour de la semaine et par heure",
)


def last_days(days: int) -> dict[str, str]:
    today = date.today()
    return {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}


def plain(text: str) -> str:
    """Intl's spaces (no-break, narrow no-break) and minus as plain characters."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2212", "-")


# The page's formatting (comptoir/desk/static/console/format.js), in French.
def count(value: float) -> str:
    return f"{round(value):,}".replace(",", " ")


def percent(rate: float) -> str:
    # Intl.NumberFormat rounds the number's shortest decimal form ("0.5385" -> 53,9 %),
    # not its exact binary value (0.538499… -> 53,8 %): Decimal(str(rate)) does the same.
    exact = (Decimal(str(rate)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{exact}".replace(".", ",") + " %"


def duration(seconds: float) -> str:
    total = round(abs(seconds))
    if total < 60:
        return f"{total} s"
    minutes = int(Decimal(total / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} j {hours} h" if hours else f"{days} j"


def shown(name: str, value: float | None) -> str:
    if value is None:
        return "—pas de données sur cette période"  # the dash, and words for screen readers
    if name == "conversations":
        return count(value)
    return duration(value) if name.endswith("_s") else percent(value)


@pytest.fixture(scope="module")
def activity(stack_and_knowledge, desk) -> None:
    """Something of everything today: an answer voted down, a question the bot could
    not answer, a handoff an agent answered and closed, then scored 5 by the shopper."""
    stack = stack_and_knowledge[0]
    answered = Chat(desk)
    answered.say("comment obtenir ma facture ?")
    vote = desk.post(
        f"/api/conversations/{answered.id}/feedback",
        json={"article_id": "facture", "vote": "down", "question": "facture"},
    )
    assert vote.status_code == 200, vote.text
    Chat(desk).say("vendez-vous des graines de tomates ?")
    agent = Console(stack.config.desk_url, add_agent(stack.environment(), "Camille"))
    handed = Chat(desk)
    assert "conseiller" in handed.text("je veux parler à un conseiller")
    ticket = agent.ticket_of(handed.id)
    assert agent.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    assert agent.post(f"/tickets/{ticket['id']}/messages", {"text": "Bonjour !"}).status_code == 200
    assert agent.post(f"/tickets/{ticket['id']}/resolve").status_code == 200
    score = desk.post(f"/api/conversations/{handed.id}/satisfaction", json={"score": 5})
    assert score.status_code == 200, score.text


@pytest.fixture(scope="module")
def owner(stack_and_knowledge) -> str:
    return add_agent(stack_and_knowledge[0].environment(), "Margaux", "owner")


def report(stack_and_knowledge, owner: str, days: int) -> dict:
    """What the API says for the last ``days`` days, asked as the owner."""
    api = Console(stack_and_knowledge[0].config.desk_url, owner)
    answer = api.http.get("/console/api/reports", params=last_days(days), timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def headline_shown(page) -> dict[str, str]:
    cards = page.locator("#report-figures li")
    return {
        cards.nth(i).get_attribute("data-metric"): plain(
            cards.nth(i).locator(".value").text_content()
        )
        for i in range(cards.count())
    }


def table_rows(locator) -> list[list[str]]:
    return [plain(row).split("\t") for row in locator.locator("tbody tr").all_inner_texts()]


def test_the_owner_reads_the_reports(browser, stack_and_knowledge, activity, owner):
    from playwright.sync_api import expect

    shop = stack_and_knowledge[0].config.desk_url + "/"
    context, page = console_page(browser, shop, owner)
    try:
        page.get_by_role("heading", name="Rapports", exact=True).wait_for()
        page.locator("#report-figures li").first.wait_for()
        expected = report(stack_and_knowledge, owner, 30)
        assert (expected["period"]["from"], expected["period"]["to"]) == tuple(
            last_days(30).values()
        )

        # Only the reports: no queue, no chat, no editors' page, no navigation.
        assert page.locator("#app").is_hidden() and page.locator("#editor").is_hidden()
        assert page.get_by_role("heading", name="File d'attente").is_hidden()
        assert page.locator("#views").is_hidden()
        assert page.get_by_role("heading", level=1).inner_text() == "Comptoir — rapports"

        # The headline figures, as the API computes them, in French.
        figures = expected["headline"]
        assert headline_shown(page) == {
            name: shown(name, figure["value"]) for name, figure in figures.items()
        }
        assert figures["conversations"]["value"] >= 3
        assert figures["handoff_rate"]["numerator"] >= 1

        # Each chart: its figure, a sentence in its caption, every number in a table.
        for name in CHARTS:
            chart = page.get_by_role("figure", name=name, exact=True)
            assert chart.locator("figcaption .summary").inner_text().strip(), name
            assert chart.get_by_role("table").locator("tbody tr").count() >= 1, name
        daily = page.get_by_role("figure", name="Conversations par jour", exact=True)
        assert daily.get_by_role("table").locator("tbody tr").count() == 30
        total = sum(day["conversations"] for day in expected["daily"])
        assert plain(daily.locator("figcaption").inner_text()).startswith(
            f"Conversations sur la période : {count(total)} ;"
        )
        reasons = page.get_by_role("figure", name="Transferts par motif", exact=True)
        words = {code: fr for code, (fr, _) in codes()["reason"].items()}
        page_reasons = sorted((row[0], row[1]) for row in table_rows(reasons.get_by_role("table")))
        assert page_reasons == sorted(
            (words[row["reason"]], count(row["count"])) for row in expected["handoffs_by_reason"]
        )

        # The CSV of a table holds the rows of the table on the page.
        with page.expect_download() as download:
            page.get_by_role("link", name="Télécharger (CSV) : Transferts par motif").click()
        rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
        assert sorted((words[row["reason"]], count(int(row["count"]))) for row in rows) == (
            page_reasons
        )
        disliked = page.locator("#report-disliked-articles")
        with page.expect_download() as download:
            page.get_by_role(
                "link", name="Télécharger (CSV) : Articles les moins appréciés"
            ).click()
        rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
        assert rows, "the article voted down is listed"
        assert [[row["title"], row["up"], row["down"]] for row in rows] == table_rows(disliked)

        assert_no_codes(page)
        assert serious_accessibility_violations(page, "#reports") == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-reports.png"), full_page=True)

        # Another range: the page asks again and shows that range's figures.
        week = report(stack_and_knowledge, owner, 7)
        page.get_by_label("7 derniers jours").check()
        expect(page.locator("#chart-daily tbody tr")).to_have_count(7)
        assert headline_shown(page) == {
            name: shown(name, figure["value"]) for name, figure in week["headline"].items()
        }
        link = page.get_by_role(
            "link", name="Télécharger (CSV) : Conversations par jour", exact=True
        )
        assert link.get_attribute("href").endswith(
            "daily.csv?from={from}&to={to}".format(**last_days(7))
        )
    finally:
        context.close()
