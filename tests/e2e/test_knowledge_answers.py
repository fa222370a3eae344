"""Shoppers' questions answered from the editors' articles, live edits included."""

from __future__ import annotations

import re
import time
from pathlib import Path


def test_french_question_answered_from_the_right_article(chat):
    messages = chat.say("sous combien de jours je suis remboursé après un retour ?")
    answer = "\n".join(m["text"] for m in messages)
    assert "10 jours" in answer and "Délai de remboursement" in answer
    custom = next(m["custom"] for m in messages if m["custom"].get("kind") == "knowledge_answer")
    assert custom["article_id"] == "remboursement-delai"
    assert custom["feedback"]["prompt"] == "Utile ?"


def test_english_question_answered_in_english(chat):
    answer = chat.text("do you deliver to Belgium?")
    assert "European Union" in answer and "Delivery outside France" in answer


def test_vote_is_stored_for_a_shown_article_only(chat, desk):
    chat.say("comment obtenir ma facture ?")
    url = f"/api/conversations/{chat.id}/feedback"
    ok = desk.post(url, json={"article_id": "facture", "vote": "up", "question": "facture"})
    assert ok.status_code == 200
    never_shown = desk.post(url, json={"article_id": "carte-cadeau", "vote": "down"})
    assert never_shown.status_code == 404


def test_unanswerable_question_is_admitted_then_a_person_is_offered(chat):
    first = chat.text("vendez-vous des pièces détachées pour tracteur ?")
    assert "pas de réponse sûre" in first
    second = chat.say("avez-vous un programme de fidélité avec des points")
    assert "conseiller" in second[0]["text"]
    assert [b["payload"] for b in second[0]["buttons"]] == ["/affirm", "/deny"]
    assert "support@atelier-lumiere.example" in chat.text("oui")


def test_declining_the_offer_keeps_the_bot(chat):
    chat.say("vendez-vous des pièces détachées pour tracteur ?")
    chat.say("avez-vous un programme de fidélité avec des points")
    assert "reformuler" in chat.text("non merci")


def test_keyboard_mash_is_not_taken_for_a_yes(chat):
    assert "Entendu" not in chat.text("qsdkjf zmlkqj")


def test_edit_to_an_article_changes_the_next_answer(chat_factory, knowledge_dir: Path):
    article = next(knowledge_dir.rglob("carte-cadeau.md"))
    original = article.read_text(encoding="utf-8")
    assert "valables 1 an" in chat_factory().text("ma carte cadeau est valable combien de temps ?")
    edited = re.sub(r"valables 1 an", "valables 2 ans", original)
    article.write_text(edited, encoding="utf-8")
    try:
        deadline = time.monotonic() + 10
        answer = ""
        while time.monotonic() < deadline:
            answer = chat_factory().text("ma carte cadeau est valable combien de temps ?")
            if "valables 2 ans" in answer:
                break
            time.sleep(0.5)
        assert "valables 2 ans" in answer
    finally:
        article.write_text(original, encoding="utf-8")


def test_broken_article_is_skipped_and_the_rest_keeps_serving(chat_factory, knowledge_dir: Path):
    broken = knowledge_dir / "fr" / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\n\nbody\n", encoding="utf-8")
    try:
        time.sleep(2.5)
        assert "10 jours" in chat_factory().text("combien de temps pour être remboursé ?")
    finally:
        broken.unlink()
