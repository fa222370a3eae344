"""Order status and handoff actions, as a shopper sees them, on recorded trackers."""

from __future__ import annotations

from actions.handoff import ActionHumanHandoff
from actions.orders import ActionOrderStatusAnswer, ActionOrderStatusStart, ValidateOrderStatusForm
from comptoir.settings import get_settings
from tests.unit.actions.conftest import load_tracker, proved, run_action


async def test_a_late_order_opens_with_the_delay_and_an_apology(shop_url):
    tracker = proved(load_tracker("order_status_late"))
    outcome = await run_action(ActionOrderStatusStart(), tracker)
    assert outcome.texts[0].startswith("Votre commande CMD-10003 est en retard")
    assert "Toutes nos excuses" in outcome.texts[0]
    assert outcome.customs[-1]["kind"] == "order_status"
    assert outcome.customs[-1]["late"] is True
    assert outcome.slots == {"verified_order": "CMD-10003", "order_number": "CMD-10003"}


async def test_an_unverified_order_question_starts_the_verification_form(shop_url):
    tracker = load_tracker("order_status_late", verified_order=None)
    outcome = await run_action(ActionOrderStatusStart(), tracker)
    assert outcome.messages == []
    assert outcome.followups == ["order_status_form"]


async def test_the_right_email_verifies_the_order(shop_url):
    form = ValidateOrderStatusForm()
    outcome = await run_action(form, load_tracker("order_form_proof"))
    assert outcome.slots["order_proof"] == "verified"
    assert outcome.slots["verified_order"] == "CMD-10001"


async def test_a_wrong_email_gets_the_neutral_sentence(shop_url):
    tracker = load_tracker("order_form_proof")
    tracker.latest_message["text"] = "quelquun@example.fr"
    outcome = await run_action(ValidateOrderStatusForm(), tracker)
    assert outcome.texts == [
        "Je ne retrouve pas de commande correspondant à ces informations. Vérifions "
        "ensemble : quel est le numéro de commande ?"
    ]
    assert outcome.slots == {"order_number": None, "order_proof": None}


async def test_after_verification_a_pending_return_resumes(shop_url):
    tracker = load_tracker("order_status_late", order_proof="verified", pending_task="return")
    outcome = await run_action(ActionOrderStatusAnswer(), tracker)
    assert outcome.messages == []
    assert outcome.followups == ["action_return_flow"]


async def test_handoff_states_the_configured_hours_and_contacts(shop_url, monkeypatch):
    monkeypatch.setenv(
        "COMPTOIR_BUSINESS_HOURS",
        '{"days": [0, 1, 2, 3, 4, 5], "opens": "08:00", "closes": "20:00", '
        '"response_time_hours": 24}',
    )
    monkeypatch.setenv("COMPTOIR_SUPPORT_EMAIL", "aide@boutique.example")
    get_settings.cache_clear()
    outcome = await run_action(ActionHumanHandoff(), load_tracker("handoff_after_refusal"))
    (text,) = outcome.texts
    assert "du lundi au samedi, de 8 h à 20 h" in text
    assert "aide@boutique.example" in text and "sous 24 heures ouvrées" in text
    # the refused return just before says why a person is needed
    assert outcome.customs == [
        {"language": "fr", "kind": "handoff", "reason": "return_exception", "priority": "normal"}
    ]


async def test_handoff_defaults_match_the_desk(shop_url):
    outcome = await run_action(ActionHumanHandoff(), load_tracker("handoff_after_refusal"))
    assert "support@atelier-lumiere.example" in outcome.text and "01 84 80 12 34" in outcome.text
    assert "du lundi au vendredi, de 9 h à 18 h" in outcome.text
    english = load_tracker("handoff_after_refusal", language="en")
    outcome = await run_action(ActionHumanHandoff(), english)
    assert "+33 1 84 80 12 34" in outcome.text and "Monday to Friday" in outcome.text
