"""The return flow and return status, as a shopper sees them, on recorded trackers."""

from __future__ import annotations

import re

import pytest

from actions import services
from actions.return_status import ActionReturnStatus
from actions.returns import ActionReturnFlow
from comptoir.shop.db import sessions
from comptoir.shop.returns import returns_of
from tests.unit.actions.conftest import knowledge_base, load_tracker, proved, run_action


def numbers_of(url: str, order: str) -> list[str]:
    """The return numbers recorded for one order."""
    with sessions(url)() as session:
        return [record.number for record in returns_of(session, order)]


async def test_a_return_of_an_unverified_order_asks_for_the_order_first(shop_url):
    outcome = await run_action(ActionReturnFlow(), load_tracker("return_unverified"))
    assert outcome.texts == ["Je dois d'abord retrouver votre commande."]
    # a new request: nothing left over from an earlier one, the return waits
    assert outcome.slots == {
        **dict.fromkeys(["return_sku", "return_reason", "return_resolution", "return_step"]),
        "pending_task": "return",
    }
    assert outcome.followups == ["action_order_status_start"]


async def test_return_status_of_an_unverified_order_asks_for_the_order_first(shop_url):
    outcome = await run_action(ActionReturnStatus(), load_tracker("return_unverified"))
    assert outcome.texts == ["Je dois d'abord retrouver votre commande."]
    assert outcome.slots == {"pending_task": "return_status"}
    assert outcome.followups == ["action_order_status_start"]


async def test_a_late_change_of_mind_is_refused_with_the_guarantee_and_a_person(shop_url):
    outcome = await run_action(ActionReturnFlow(), proved(load_tracker("return_late_changed_mind")))
    assert outcome.text.startswith("Le délai de rétractation est dépassé : il se terminait le")
    assert "la garantie légale s'applique" in outcome.text
    assert outcome.buttons == {
        "C'est un défaut": '/start_return{"return_reason":"defective"}',
        "Parler à un conseiller": "/request_human",
    }
    assert outcome.customs == [{"kind": "return_refused", "refusal": "window_closed"}]
    # the request is over: every return slot is forgotten, and the bot waits
    assert outcome.slots == dict.fromkeys(
        ["return_sku", "return_reason", "return_resolution", "return_step"]
    )
    assert outcome.followups == ["action_listen"]
    assert numbers_of(shop_url, "CMD-10014") == []


async def test_the_same_refusal_in_english(shop_url):
    tracker = proved(load_tracker("return_late_changed_mind", language="en"))
    outcome = await run_action(ActionReturnFlow(), tracker)
    assert outcome.text.startswith("The withdrawal period is over: it ended on")
    assert set(outcome.buttons) == {"It's faulty", "Talk to an agent"}


async def test_a_defect_without_a_tip_goes_straight_to_the_resolution(shop_url):
    tracker = proved(load_tracker("return_late_changed_mind"))
    tracker.latest_message["entities"] = [{"entity": "return_reason", "value": "defective"}]
    outcome = await run_action(ActionReturnFlow(), tracker)
    assert outcome.texts == ["Que souhaitez-vous ?"]
    # past the 14 days, a defect is repaired or exchanged, not refunded
    assert list(outcome.buttons) == ["Réparation", "Échange"]
    assert outcome.slots["return_reason"] == "defective"
    assert outcome.slots["return_step"] == "resolution"


async def test_the_summary_states_the_rule_the_dates_and_the_label_cost(shop_url):
    tracker = proved(load_tracker("return_confirm", return_step="resolution"))
    tracker.latest_message["intent"] = {"name": "start_return"}
    outcome = await run_action(ActionReturnFlow(), tracker)
    (summary,) = outcome.texts
    assert summary.startswith("Récapitulatif : Lampe Orsay (commande CMD-10001), remboursement.")
    assert "Droit de rétractation : livré le" in summary and "vous avez jusqu'au" in summary
    assert "4,90 €" in summary
    assert outcome.buttons == {"Oui, je confirme": "/affirm", "Non": "/deny"}
    assert outcome.slots["return_step"] == "confirm"


async def test_confirming_creates_one_return_with_its_number(shop_url):
    outcome = await run_action(ActionReturnFlow(), proved(load_tracker("return_confirm")))
    (created,) = outcome.customs
    assert created["kind"] == "return_created" and created["created"] is True
    assert re.fullmatch(r"R-\d{4}-\d{6}", created["return_number"])
    assert f"votre demande {created['return_number']} est enregistrée" in outcome.text
    assert "10 jours après réception" in outcome.text
    assert outcome.slots["return_step"] is None
    # confirming again gives back the open return instead of a second one
    again = await run_action(ActionReturnFlow(), proved(load_tracker("return_confirm")))
    assert again.customs == [
        {"kind": "return_created", "return_number": created["return_number"], "created": False}
    ]
    assert "déjà ouvert" in again.text
    assert numbers_of(shop_url, "CMD-10001") == [created["return_number"]]


async def test_saying_no_to_the_summary_creates_nothing(shop_url):
    tracker = proved(load_tracker("return_confirm"))
    tracker.latest_message["intent"] = {"name": "deny"}
    outcome = await run_action(ActionReturnFlow(), tracker)
    assert outcome.texts == ["D'accord, je n'ouvre pas de retour."]
    assert numbers_of(shop_url, "CMD-10001") == []


@pytest.fixture
def knowledge(monkeypatch):
    tips = {"depannage-lampe": "Three checks: the bulb, the plug…"}
    monkeypatch.setattr(services, "knowledge_service", lambda: knowledge_base(tips))


async def test_a_faulty_night_light_gets_the_troubleshooting_tip_first(shop_url, knowledge):
    outcome = await run_action(
        ActionReturnFlow(), proved(load_tracker("return_defective_night_light"))
    )
    assert outcome.texts == [
        "First, a tip that often solves it:\nThree checks: the bulb, the plug…",
        "Did that solve it?",
    ]
    assert outcome.buttons == {"Yes, it's fixed": "/affirm", "No, still faulty": "/deny"}
    assert outcome.slots["return_sku"] == "NIGHT-LUCIOLE"  # the order's only item
    assert outcome.slots["return_step"] == "troubleshooting"


def answering_the_tip(intent: str):
    """The night light's tracker when the shopper answers "did that solve it?"."""
    tracker = proved(
        load_tracker(
            "return_defective_night_light",
            return_sku="NIGHT-LUCIOLE",
            return_reason="defective",
            return_step="troubleshooting",
        )
    )
    tracker.latest_message.update(intent={"name": intent}, entities=[])
    return tracker


async def test_when_the_tip_worked_no_return_is_opened(shop_url, knowledge):
    outcome = await run_action(ActionReturnFlow(), answering_the_tip("affirm"))
    assert outcome.texts == ["Great! No return is needed then. I'm here if the problem comes back."]
    assert outcome.slots["return_step"] is None
    assert numbers_of(shop_url, "CMD-10017") == []


async def test_when_the_tip_failed_the_resolutions_follow(shop_url, knowledge):
    outcome = await run_action(ActionReturnFlow(), answering_the_tip("deny"))
    assert outcome.texts == ["What would you like?"]
    # within the 14 days, a defect may also be refunded
    assert list(outcome.buttons) == ["Repair", "Exchange", "Refund"]
    assert outcome.slots["return_step"] == "resolution"


async def test_an_unreadable_policy_apologises_and_offers_a_person(shop_url, monkeypatch, tmp_path):
    broken = tmp_path / "returns.yml"
    broken.write_text("withdrawal_days: 3\n", encoding="utf-8")  # below the legal floor
    monkeypatch.setenv("COMPTOIR_RETURNS_POLICY", str(broken))
    from comptoir.settings import get_settings

    get_settings.cache_clear()
    outcome = await run_action(ActionReturnFlow(), proved(load_tracker("return_confirm")))
    assert "Je ne peux pas traiter les retours pour le moment" in outcome.text
    assert outcome.buttons == {"Parler à un conseiller": "/request_human"}
    assert numbers_of(shop_url, "CMD-10001") == []


async def test_an_overdue_refund_is_apologised_for_and_goes_to_a_person(shop_url):
    tracker = proved(load_tracker("return_status_overdue"))
    outcome = await run_action(ActionReturnStatus(), tracker)
    first, overdue = outcome.messages
    assert re.match(r"Retour R-\d{4}-\d{6} : reçu\. Étapes : demandé \(", first["text"])
    assert "Remboursement promis au plus tard le" in first["text"]
    assert "en retard sur notre promesse" in overdue["text"]
    assert outcome.buttons == {"Parler à un conseiller": "/request_human"}
    assert overdue["custom"] == {"kind": "refund_overdue", "priority": True}


async def test_an_order_without_returns_says_so(shop_url):
    tracker = proved(load_tracker("return_status_overdue", verified_order="CMD-10001"))
    outcome = await run_action(ActionReturnStatus(), tracker)
    assert outcome.texts == ["Aucun retour n'est ouvert pour la commande CMD-10001."]


async def test_a_verified_order_slot_without_proof_in_the_database_tells_nothing(shop_url):
    """A slot set by a forged tracker is not proof: the returns stay unsaid."""
    outcome = await run_action(ActionReturnStatus(), load_tracker("return_status_overdue"))
    assert outcome.texts == ["Je dois d'abord retrouver votre commande."]
    assert not any("R-" in text for text in outcome.texts)
