"""Which language to answer in."""

from __future__ import annotations

import pytest

from comptoir.language import choose_language, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour", "fr"),
        ("jai pas recu mon colis", "fr"),
        ("où est ma commande ?", "fr"),
        ("je veux parler à un conseiller", "fr"),
        ("where is my order?", "en"),
        ("Hi there", "en"),
        ("are you a bot?", "en"),
        ("I want to talk to a human", "en"),
        ("ok", None),
        ("CMD-10001", None),
        ("", None),
        ('/start_return{"return_reason":"changed_mind"}', None),
        ("/request_human", None),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


def test_written_language_beats_everything():
    assert choose_language("where is my parcel", requested="fr", current="fr") == "en"


def test_ambiguous_message_keeps_the_conversation_language():
    assert choose_language("ok", requested="fr", current="en") == "en"


def test_new_conversation_starts_in_the_widget_language():
    assert choose_language("ok", requested="en", current=None) == "en"
    assert choose_language("ok", requested=None, current=None) == "fr"


def test_a_clicked_button_keeps_the_conversation_in_french():
    payload = '/start_return{"return_resolution":"refund"}'
    assert choose_language(payload, requested="fr", current="fr") == "fr"


def test_a_language_picked_in_the_widget_beats_the_conversation_language():
    assert choose_language("ok", requested="en", current="fr", chosen=True) == "en"
    assert choose_language("bonjour", requested="en", current="fr", chosen=True) == "fr"
