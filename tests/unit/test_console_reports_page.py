"""The reports page's rendering, in Chromium, against a fixed report (no desk needed).

The console's real page and modules are served by Playwright's router at a made-up
origin, with the console's real Content-Security-Policy; ``/console/api/me`` says who is
signed in and ``/console/api/reports`` answers ``tests/fixtures/reports/sample.json``
(the API's shape). The end-to-end test (tests/e2e/test_reports_page.py) does the same
against the real desk and its real figures; this one pins the formatting: « 69,4 % »,
« +3,1 pts », « 1 h 12 min », the text alternatives of each chart, the range controls.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from comptoir.desk.headers import console_policy
from comptoir.desk.reports.export import TABLES
from tests.e2e.test_widget_browser import assert_no_codes
from tests.helpers import serious_accessibility_violations

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "comptoir" / "desk" / "static"
SAMPLE = json.loads((ROOT / "tests" / "fixtures" / "reports" / "sample.json").read_text("utf-8"))
ORIGIN = "http://comptoir.test"

pytestmark = pytest.mark.browser


class FakeDesk:
    """Answers the console's requests from the files and the fixture; keeps the report
    queries it was asked."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.asked: list[dict[str, str]] = []

    def __call__(self, route) -> None:
        path = urlparse(route.request.url).path
        query = {k: v[0] for k, v in parse_qs(urlparse(route.request.url).query).items()}
        if path == "/console/":
            route.fulfill(
                body=(STATIC / "console.html").read_text("utf-8"),
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": console_policy()},
            )
        elif path.startswith("/console/assets/"):
            name = path.rsplit("/", 1)[1]
            route.fulfill(
                body=(STATIC / "console" / name).read_text("utf-8"),
                content_type="application/javascript; charset=utf-8",
            )
        elif path == "/console/api/me":
            agent = {"id": 1, "username": "lea", "display_name": "Léa", "role": self.role}
            route.fulfill(json={"agent": agent, "csrf": "token"})
        elif path == "/console/api/reports":
            self.asked.append(query)
            route.fulfill(json=SAMPLE)
        elif path in ("/console/api/tickets", "/console/api/lockouts"):
            route.fulfill(json={"tickets": [], "lockouts": []})
        elif path in ("/console/api/editor/misses", "/console/api/editor/feedback"):
            route.fulfill(json={"misses": [], "articles": []})
        else:
            route.fulfill(status=404, json={"error": "not_found"})


def open_console(browser, role: str, hash_: str = ""):
    desk = FakeDesk(role)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.route(re.compile(r"^http://comptoir\.test/.*"), desk)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.on("pageerror", lambda error: violations.append(str(error)))
    page.goto(f"{ORIGIN}/console/{hash_}")
    return context, page, desk, violations


def plain(text: str) -> str:
    """Intl's spaces (no-break, narrow no-break) as plain ones: « 69,4 % »."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def figure(page, name: str):
    return page.get_by_role("figure", name=name, exact=True)


def test_an_owner_sees_only_the_reports_in_french(browser):
    context, page, desk, problems = open_console(browser, "owner")
    try:
        page.get_by_role("heading", name="Rapports", exact=True).wait_for()
        page.locator("#report-figures li").first.wait_for()
        assert page.locator("#app").is_hidden() and page.locator("#editor").is_hidden()
        assert page.locator("#views").is_hidden(), "one view: no navigation"
        assert page.get_by_role("heading", level=1).inner_text() == "Comptoir — rapports"
        today = date.today()
        assert desk.asked == [
            {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
        ]
        status = page.get_by_role("status").inner_text()
        assert status.startswith("Du 26 octobre 2026 au 24 novembre 2026.")

        card = lambda name: page.locator(f'#report-figures li[data-metric="{name}"]')  # noqa: E731
        automation = card("automation_rate")
        assert automation.locator("h4").inner_text() == "Taux d'automatisation"
        assert plain(automation.locator(".value").inner_text()) == "69,4 %"
        assert automation.locator(".change").inner_text().startswith("▲ +3,1 pts")
        assert "420 sur 605" in automation.inner_text()
        assert card("conversations").locator(".value").inner_text() == "605"
        assert card("conversations").locator(".change").inner_text().startswith("▲ +37")
        first = card("first_response_median_s")
        assert first.locator(".value").inner_text() == "1 h 12 min"
        assert re.match(r"▼ [-−]13 min", first.locator(".change").inner_text())
        assert "better" in first.locator(".change").get_attribute("class"), "a shorter wait"
        handoffs = card("handoff_rate").locator(".change")
        assert "better" in handoffs.get_attribute("class"), "fewer handoffs"
        assert card("resolution_median_s").locator(".value").inner_text() == "1 j 3 h"
        assert card("offline_within_promise_rate").locator(".change").inner_text() == "stable"
        late = card("late_parcel_share")
        assert late.locator(".value").text_content() == "—pas de données sur cette période"
        assert late.locator(".value .sr").inner_text() == "pas de données sur cette période"
        assert late.locator(".change").inner_text() == "pas de comparaison possible"

        # Each chart: a figure named by its title, a caption, every number in a table.
        daily = figure(page, "Conversations par jour")
        assert (
            daily.locator("figcaption")
            .inner_text()
            .startswith("Conversations sur la période : 605 ; traitées par le bot seul : 420 ; ")
        )
        assert daily.get_by_role("table").locator("tbody tr").count() == 30
        assert daily.locator("svg[aria-hidden=true]").count() >= 1
        reasons = figure(page, "Transferts par motif")
        assert (
            "Transferts : 55 (Demande du client : 21, Question restée sans réponse : 14, "
            in reasons.inner_text()
        )
        response = figure(page, "Délai de première réponse d'un conseiller")
        rows = response.get_by_role("table").locator("tbody tr").all_inner_texts()
        assert rows[0].split("\t") == ["moins de 5 min", "12"]
        heat = figure(page, "Conversations par jour de la semaine et par heure")
        assert heat.locator("figcaption").inner_text().startswith("Moment le plus chargé : le ")
        assert heat.get_by_role("table").locator("tbody tr").count() == 7
        csat = figure(page, "Satisfaction (CSAT) par jour")
        assert "Notes reçues : 62 ; notes de 4 ou 5 : 38 ;" in csat.inner_text()
        assert figure(page, "Automatisation et transferts par jour").count() == 1

        # The detail tables, with their CSV links for the range shown.
        clusters = page.locator("#report-unanswered-clusters")
        assert "« faites-vous des cours de cuisine ? »" in clusters.inner_text()
        assert "<script>" in clusters.inner_text(), "a shopper's text is shown as text"
        returns = page.locator("#report-returns-by-reason tbody tr").all_inner_texts()
        assert returns[0].split("\t") == ["Ne convient pas (taille, couleur)", "retour", "7"]
        products = page.locator("#report-returns-by-product tbody tr").all_inner_texts()
        assert plain(products[0].split("\t")[-1]) == "10,0 %" and products[1].split("\t")[-1] == "—"
        link = page.get_by_role("link", name="Télécharger (CSV) : Retours par produit")
        href = link.get_attribute("href")
        assert href == (
            f"/console/api/reports/returns_by_product.csv?from={desk.asked[0]['from']}"
            f"&to={desk.asked[0]['to']}"
        )
        tables = page.locator("a.csv").evaluate_all("links => links.map(a => a.dataset.table)")
        assert sorted(tables) == sorted(TABLES), "one link per CSV table of the desk"
        assert_no_codes(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, "no sideways scroll"
        assert problems == []
    finally:
        context.close()


def test_the_range_can_be_switched_and_chosen(browser):
    from playwright.sync_api import expect

    context, page, desk, problems = open_console(browser, "owner")
    try:
        page.locator("#report-figures li").first.wait_for()
        page.get_by_label("7 derniers jours").check()
        expect(page.locator("#report-body")).not_to_have_attribute("aria-busy", "true")
        today = date.today()
        assert desk.asked[-1] == {
            "from": (today - timedelta(days=6)).isoformat(),
            "to": today.isoformat(),
        }
        link = page.get_by_role(
            "link", name="Télécharger (CSV) : Conversations par jour", exact=True
        )
        assert f"from={desk.asked[-1]['from']}" in link.get_attribute("href")

        page.get_by_label("Autres dates").check()
        page.get_by_label("Du", exact=True).fill("2026-11-10")
        page.get_by_label("au", exact=True).fill("2026-11-01")
        page.get_by_role("button", name="Afficher").click()
        page.get_by_text("Choisissez une date de début antérieure").wait_for()
        page.get_by_label("Du", exact=True).fill("2025-01-01")
        page.get_by_label("au", exact=True).fill("2026-11-20")
        page.get_by_role("button", name="Afficher").click()
        page.get_by_text("Une période couvre au plus 366 jours.").wait_for()
        page.get_by_label("Du", exact=True).fill("2026-11-10")
        page.get_by_role("button", name="Afficher").click()
        page.get_by_text("Du 26 octobre 2026").wait_for()
        assert desk.asked[-1] == {"from": "2026-11-10", "to": "2026-11-20"}
        assert problems == []
    finally:
        context.close()


def test_in_english_and_without_serious_accessibility_violations(browser):

    context, page, _, problems = open_console(browser, "owner")
    try:
        page.locator("#report-figures li").first.wait_for()
        assert serious_accessibility_violations(page, "#reports") == []
        page.get_by_role("button", name="English", exact=True).click()
        automation = page.locator('#report-figures li[data-metric="automation_rate"]')
        assert automation.locator(".value").inner_text() == "69.4%"
        assert automation.locator(".change").inner_text().startswith("▲ +3.1 pts")
        assert page.get_by_role("figure", name="Handoffs by reason").is_visible()
        assert page.get_by_role("heading", level=1).inner_text() == "Comptoir — reports"
        assert problems == []
    finally:
        context.close()


def test_an_admin_reaches_the_reports_from_the_navigation(browser):
    context, page, desk, problems = open_console(browser, "admin")
    try:
        nav = page.get_by_role("navigation", name="Pages de la console")
        nav.wait_for()
        assert page.locator("#app").is_visible() and page.locator("#reports").is_hidden()
        assert desk.asked == [], "the reports load when shown"
        nav.get_by_role("link", name="Rapports").click()
        page.locator("#report-figures li").first.wait_for()
        assert page.locator("#app").is_hidden() and page.locator("#editor").is_hidden()
        assert nav.get_by_role("link", name="Rapports").get_attribute("aria-current") == "page"
        nav.get_by_role("link", name="Console").click()
        page.locator("#app").wait_for()
        assert page.locator("#reports").is_hidden() and len(desk.asked) == 1
        assert problems == []
    finally:
        context.close()
