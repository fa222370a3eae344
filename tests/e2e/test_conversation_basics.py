"""A shopper talks to the real bot through the desk: French first, English when written."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Bonjour", "Je suis Comptoir"),
        ("tu es un robot ?", "assistant automatique"),
        ("raconte-moi une blague", "dépasse ce que je sais faire"),
        ("au revoir", "Au revoir"),
        ("merci beaucoup", "Avec plaisir"),
        # English when the shopper writes English.
        ("Hi there, good morning", "I'm Comptoir"),
        ("are you a bot?", "automated assistant"),
        ("tell me a joke", "outside what I can help with"),
        ("goodbye, have a nice day", "Goodbye"),
    ],
)
def test_answers_in_the_shoppers_language(chat, message, expected):
    assert expected in chat.text(message)


def test_language_follows_the_shopper_and_sticks(chat):
    assert "Bonjour" in chat.text("Bonjour")
    assert "Hello" in chat.text("hello, I have a question")
    # "ok" says nothing about the language: the conversation stays in English.
    assert "What else can I do" in chat.text("ok")


def test_widget_language_used_for_ambiguous_first_message(chat_factory):
    chat = chat_factory(lang="en")
    assert "What else can I do" in chat.text("ok")


def test_a_return_without_a_verified_order_asks_for_the_order_first(chat):
    answer = chat.text("je veux retourner un article")
    assert "numéro de commande" in answer


def test_request_human_gives_a_way_to_reach_a_person(chat):
    answer = chat.text("je veux parler à un conseiller")
    assert "support@atelier-lumiere.example" in answer and "01 84 80 12 34" in answer


def test_history_is_kept_in_order(chat, desk):
    chat.say("Bonjour")
    chat.say("tu es un robot ?")
    history = desk.get(f"/api/conversations/{chat.id}/messages").json()["messages"]
    senders = [m["sender"] for m in history]
    assert senders == ["shopper", "bot", "shopper", "bot"]
    assert [m["seq"] for m in history] == [1, 2, 3, 4]
    assert history[0]["text"] == "Bonjour" and all(m["delivered"] for m in history)


def test_button_payload_can_be_sent_back_as_text(chat):
    # Two knowledge misses in a row: the bot offers a person with Yes/No buttons.
    chat.say("vendez-vous des pièces détachées pour tracteur ?")
    messages = chat.say("avez-vous un programme de fidélité avec des points")
    buttons = [b for m in messages for b in m["buttons"]]
    assert [b["payload"] for b in buttons] == ["/affirm", "/deny"]
    assert "support@atelier-lumiere.example" in chat.text(buttons[0]["payload"])


def test_health_reports_every_component(desk):
    body = desk.get("/health").json()
    assert body == {
        "status": "ok",
        "rasa": {"ok": True},
        "actions": {"ok": True},
        "database": {"ok": True},
    }


def test_demo_page_is_served(desk):
    page = desk.get("/")
    assert page.status_code == 200 and "Atelier Lumière" in page.text
