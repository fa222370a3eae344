"""The editors' page: what the bot would answer and why, the questions it missed, the votes.

Against the real desk, action server and Rasa: the misses are those the action server
logged from real conversations, the votes those shoppers gave in the chat. The reason
line and the thresholds are checked in the JSON and in Chromium.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.e2e.test_handoff import Console, add_agent
from tests.helpers import serious_accessibility_violations


@pytest.fixture(scope="module")
def editor(stack_and_knowledge) -> Console:
    stack = stack_and_knowledge[0]
    return Console(stack.config.desk_url, add_agent(stack.environment(), "Inès", "editor"))


def preview(console: Console, question: str, lang: str = "fr") -> dict:
    response = console.http.get(
        "/console/api/editor/preview", params={"q": question, "lang": lang}, timeout=120
    )
    assert response.status_code == 200, response.text
    return response.json()


def assert_explained(shown: dict) -> None:
    """The explanation's numbers agree with the decision shown: the condition of the
    rule that decided holds, with the thresholds of the calibration block."""
    why, th = shown["explanation"], shown["explanation"]["thresholds"]
    best, lead = why["best"], why["lead"]
    assert why["decision"] == shown["decision"], why
    if not shown["fallback_language"]:
        assert why["language"] == shown["language"]
        used = {key: shown["calibration"][key] for key in th}
        assert used == pytest.approx(th, abs=1e-4), "the block shows the thresholds in use"
        if shown["candidates"]:
            assert shown["candidates"][0]["score"] == pytest.approx(best, abs=6e-4)
    if why["decision"] == "answer":
        assert best >= th["answer"], why
        if why["reason"] == "answer_clear_lead":
            assert lead >= th["margin"], why
        else:
            assert why["reason"] in ("answer_only_candidate", "answer_no_rival_in_window"), why
    elif why["decision"] == "clarify":
        assert th["clarify"] <= best, why
        assert best < th["answer"] or lead < th["margin"], why
        assert why["offered"] == len(shown["candidates"]), why
    else:
        assert why["reason"] in ("below_clarify", "no_candidates"), why
        assert best is None or best < th["clarify"], why


def test_the_preview_says_why_with_the_thresholds_of_this_knowledge_base(editor):
    refund = preview(editor, "sous combien de jours je suis remboursé après un retour ?")
    assert refund["decision"] == "answer"
    assert refund["explanation"]["reason"] == "answer_clear_lead"
    assert_explained(refund)
    # Whatever the bot does with these, the explanation says why in the same numbers.
    for question in (
        "vendez-vous des graines de tomates ?",
        "livraison",
        "faites-vous des cours de cuisine le samedi ?",
        "xqzw plok vrint",
    ):
        assert_explained(preview(editor, question))
    assert_explained(preview(editor, "how long until I get my refund?", "en"))
    calibration = refund["calibration"]
    assert (calibration["setting"], calibration["automatic"]) == ("auto", True)
    assert calibration["language"] == "fr" and calibration["pseudo_questions"] > 0
    assert calibration["background_spread"] > 0
    assert calibration["clarify"] <= calibration["answer"]
    assert calibration["margin"] > 0 and calibration["clarify_window"] > 0
    assert isinstance(calibration["close_pairs"], list)


# Two articles whose titles say the same thing: the search cannot tell them apart.
TWINS = {
    "fidelite-points": ("Programme de fidélité", "Chaque euro dépensé rapporte un point."),
    "fidelite-carte": ("Le programme de fidélité", "La carte de fidélité se crée en ligne."),
}


@pytest.fixture
def twin_articles(knowledge_dir: Path):
    paths = []
    for id_, (title, body) in TWINS.items():
        path = knowledge_dir / "fr" / f"{id_}.md"
        path.write_text(f"---\nid: {id_}\ntitle: {title}\nlang: fr\n---\n\n{body}\n", "utf-8")
        paths.append(path)
    try:
        yield TWINS
    finally:
        for path in paths:
            path.unlink()


def test_articles_the_search_cannot_tell_apart_are_named_with_their_titles(editor, twin_articles):
    shown = preview(editor, "programme de fidélité")
    pairs = shown["calibration"]["close_pairs"]
    twins = [p for p in pairs if {p["first"], p["second"]} == set(twin_articles)]
    assert twins, pairs
    for pair in twins:
        assert pair["first_title"] == twin_articles[pair["first"]][0]
        assert pair["second_title"] == twin_articles[pair["second"]][0]
        assert pair["gap"] < shown["calibration"]["margin"]
    assert shown["decision"] == "clarify"
    assert {c["id"] for c in shown["candidates"]} >= set(twin_articles)
    assert_explained(shown)


def test_the_editor_sees_what_the_bot_would_answer(editor, chat):
    question = "sous combien de jours je suis remboursé après un retour ?"
    shown = preview(editor, question)
    assert shown["decision"] == "answer" and shown["answer"]["id"] == "remboursement-delai"
    assert "10 jours" in shown["answer"]["text"] and shown["answer"]["file"].endswith(".md")
    custom = next(m["custom"] for m in chat.say(question) if m["custom"].get("article_id"))
    assert custom["article_id"] == shown["answer"]["id"], "the preview must match the bot"
    unanswerable = preview(editor, "vendez-vous des graines de tomates ?")
    assert unanswerable["decision"] == "none" and unanswerable["answer"] is None


def test_an_edit_shows_in_the_preview_and_a_broken_article_is_named(editor, knowledge_dir: Path):
    article = next(knowledge_dir.rglob("carte-cadeau.md"))
    original = article.read_text(encoding="utf-8")
    broken = knowledge_dir / "fr" / "brouillon.md"
    question = "ma carte cadeau est valable combien de temps ?"
    assert "valables 1 an" in preview(editor, question)["answer"]["text"]
    article.write_text(re.sub("valables 1 an", "valables 3 ans", original), encoding="utf-8")
    broken.write_text("---\ntitle: Brouillon\nlang: fr\n---\n\ntexte\n", encoding="utf-8")
    try:
        time.sleep(0.05)  # a new mtime for the fingerprint even on coarse file systems
        shown = preview(editor, question)
        assert "valables 3 ans" in shown["answer"]["text"]
        assert any(p.startswith("fr/brouillon.md") and "id" in p for p in shown["problems"])
    finally:
        article.write_text(original, encoding="utf-8")
        broken.unlink()


def test_missed_questions_and_votes_reach_the_editor(editor, chat):
    odd = "faites-vous des cours de cuisine le samedi ?"
    assert "pas de réponse sûre" in chat.text(odd)
    misses = editor.http.get("/console/api/editor/misses").json()["misses"]
    assert {"question": odd, "language": "fr", "count": 1} in misses
    chat.say("comment obtenir ma facture ?")
    vote = chat.client.post(
        f"/api/conversations/{chat.id}/feedback",
        json={"article_id": "facture", "vote": "down", "question": "facture"},
    )
    assert vote.status_code == 200
    votes = editor.http.get("/console/api/editor/feedback").json()["articles"]
    assert next(a for a in votes if a["id"] == "facture")["down"] >= 1


def test_bad_preview_requests_get_a_clear_answer(editor):
    empty = editor.http.get("/console/api/editor/preview", params={"q": "  "})
    assert (empty.status_code, empty.json()["error"]) == (400, "empty_question")
    huge = editor.http.get("/console/api/editor/preview", params={"q": "x" * 5000})
    assert (huge.status_code, huge.json()["error"]) == (400, "question_too_long")
    odd_language = editor.http.get("/console/api/editor/preview", params={"q": "a", "lang": "de"})
    assert odd_language.status_code == 400


def test_only_editors_and_admins_use_the_page(stack_and_knowledge, desk):
    stack = stack_and_knowledge[0]
    agent = Console(stack.config.desk_url, add_agent(stack.environment(), "Léon"))
    refused = agent.http.get("/console/api/editor/misses")
    assert (refused.status_code, refused.json()["error"]) == (403, "role")
    admin = Console(stack.config.desk_url, add_agent(stack.environment(), "Alix", "admin"))
    assert admin.http.get("/console/api/editor/misses").status_code == 200
    assert admin.http.get("/console/api/tickets").status_code == 200
    shopper = desk.get("/console/api/editor/preview", params={"q": "facture"})
    assert shopper.status_code == 401


def french(value: float) -> str:
    """A score as the console prints it in French: « 1,250 »."""
    return f"{value:.3f}".replace(".", ",")


@pytest.mark.browser
def test_in_chromium_the_editor_reads_why_and_the_thresholds(
    browser, editor, stack_and_knowledge, twin_articles
):
    """The reason line under the decision, in the editor's language with its decimal
    comma; the thresholds block and the articles too close to be told apart."""

    from tests.e2e.test_handoff import add_agent
    from tests.e2e.test_widget_browser import assert_no_codes, console_page

    stack = stack_and_knowledge[0]
    question = "combien de temps pour être remboursé ?"
    expected = preview(editor, question)
    why = expected["explanation"]
    assert why["reason"] == "answer_clear_lead"
    username = add_agent(stack.environment(), "Maëlle", "editor")
    context, page = console_page(browser, stack.config.desk_url + "/", username)
    try:
        page.get_by_label("Question d'un client").fill(question)
        page.get_by_role("button", name="Tester", exact=True).click()
        page.get_by_text("Le bot répond avec cet article").wait_for()
        reason = page.locator("#preview-reason").inner_text()
        assert reason == (
            f"Réponse : le meilleur score ({french(why['best'])}) dépasse le seuil de réponse "
            f"({french(why['thresholds']['answer'])}) et devance le suivant de "
            f"{french(why['lead'])} (écart demandé : {french(why['thresholds']['margin'])})."
        )
        thresholds = page.get_by_role("region", name="Seuils de cette base")
        assert page.get_by_role("heading", name="Seuils de cette base").is_visible()
        calibration = expected["calibration"]
        assert (
            f"Calculés automatiquement sur {calibration['pseudo_questions']} titres et intertitres"
            in thresholds.inner_text()
        )
        assert thresholds.locator("dt").count() == 4
        assert french(calibration["answer"]) in thresholds.locator("dd").first.inner_text()

        # The twins: « did you mean », too close, and named in the list by their titles.
        close = page.get_by_role("region", name="Articles trop proches pour être distingués")
        page.get_by_label("Question d'un client").fill("programme de fidélité")
        page.get_by_role("button", name="Tester", exact=True).click()
        page.get_by_text("Le bot demande de choisir entre ces articles").wait_for()
        assert page.locator("#preview-reason").inner_text().startswith("Vouliez-vous dire : ")
        twins = [i for i in close.get_by_role("listitem").all_inner_texts() if "fidélité" in i]
        assert len(twins) == 1, "each pair once"
        assert re.fullmatch(r"« (Le p|P)rogramme de fidélité » et « (Le p|P)rogramme .*", twins[0])
        assert "fusionnez-les" in close.inner_text()
        assert_no_codes(page)
        assert serious_accessibility_violations(page, "#preview-result") == []

        page.get_by_role("button", name="English", exact=True).click()
        english = page.locator("#preview-reason").inner_text()
        assert english.startswith("Did you mean: "), english
        assert re.search(r"\d\.\d{3}", english) and not re.search(r"\d,\d{3}", english)
        assert page.get_by_role("heading", name="This knowledge base's thresholds").is_visible()
    finally:
        context.close()
