"""The editors' page: what the bot would answer, the questions it missed, the votes.

Against the real desk, action server and Rasa: the misses are those the action server
logged from real conversations, the votes those shoppers gave in the chat.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.e2e.test_handoff import Console, add_agent


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


def test_the_editor_sees_what_the_bot_would_answer(editor, chat):
    question = "sous combien de jours je suis remboursé après un retour ?"
    shown = preview(editor, question)
    assert shown["decision"] == "answer" and shown["answer"]["id"] == "remboursement-delai"
    assert "10 jours" in shown["answer"]["text"] and shown["answer"]["file"].endswith(".md")
    custom = next(m["custom"] for m in chat.say(question) if m["custom"].get("article_id"))
    assert custom["article_id"] == shown["answer"]["id"], "the preview must match the bot"
    unanswerable = preview(editor, "avez-vous un parking pour les clients ?")
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
    odd = "proposez-vous un atelier de poterie le dimanche ?"
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
