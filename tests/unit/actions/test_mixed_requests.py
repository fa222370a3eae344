"""A return or warranty request that names its order, whichever intent it was given.

« je voudrais retourner un article de ma commande CMD-10001 » was classified
``order_status`` with confidence 1.0 and got a status: the order-status action now reads
the shopper's words and starts the return, keeping the order number. A warranty claim
(a click on « Faire jouer la garantie », or the guarantee named) keeps its reason
through the verification.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.orders import ActionOrderStatusAnswer, ActionOrderStatusStart
from actions.return_status import ActionReturnStatus
from actions.returns import ActionReturnFlow
from actions.tasks import requested_task
from tests.unit.actions.conftest import load_tracker, proved, run_action

RETURN_SLOTS = ["return_sku", "return_reason", "return_resolution", "return_step"]


def saying(tracker: Tracker, text: str, intent: str) -> Tracker:
    """The same conversation, the shopper's latest message replaced."""
    tracker.latest_message["text"] = text
    tracker.latest_message["intent"] = {"name": intent, "confidence": 1.0}
    tracker.events = [
        *tracker.events,
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
    ]
    return tracker


async def test_a_return_taken_for_an_order_question_starts_the_return(shop_url):
    outcome = await run_action(ActionOrderStatusStart(), load_tracker("order_status_mixed_return"))
    # the return path, not a status: the order is verified first, with its number kept
    assert outcome.texts == ["Je dois d'abord retrouver votre commande."]
    assert outcome.slots["pending_task"] == "return"
    assert outcome.slots["order_number"] == "CMD-10001"
    assert outcome.followups == ["order_status_form"]
    assert not any(c.get("kind") == "order_status" for c in outcome.customs)


async def test_the_same_in_english(shop_url):
    tracker = load_tracker("order_status_mixed_return", language="en")
    tracker = saying(tracker, "I want to return the jumper from order CMD-10001", "order_status")
    outcome = await run_action(ActionOrderStatusStart(), tracker)
    assert outcome.texts == ["First I need to find your order."]
    assert outcome.slots["pending_task"] == "return"
    assert outcome.slots["order_number"] == "CMD-10001"


async def test_after_verification_the_return_resumes(shop_url):
    tracker = load_tracker("order_status_late", order_proof="verified", pending_task="return")
    outcome = await run_action(ActionOrderStatusAnswer(), tracker)
    assert outcome.messages == []
    assert outcome.slots == {"order_proof": None, "pending_task": None}
    assert outcome.followups == ["action_return_flow"]


async def test_a_warranty_claim_on_a_verified_order_goes_straight_to_the_flow(shop_url):
    tracker = proved(load_tracker("order_status_late"))
    tracker = saying(tracker, "le casque de CMD-10003 ne marche plus, garantie", "order_status")
    outcome = await run_action(ActionOrderStatusStart(), tracker)
    assert outcome.messages == []  # no status: the return flow speaks next
    assert outcome.slots == {"pending_task": None, "return_reason": "defective"}
    assert outcome.followups == ["action_return_flow"]


async def test_an_order_question_without_a_return_still_gets_the_status(shop_url):
    # a return left unfinished earlier does not hijack a new status question
    tracker = proved(load_tracker("order_status_late", pending_task="return"))
    tracker = saying(tracker, "ma commande CMD-10003 arrive quand ?", "order_status")
    outcome = await run_action(ActionOrderStatusStart(), tracker)
    assert outcome.texts[0].startswith("Votre commande CMD-10003 est en retard")
    assert outcome.slots["pending_task"] is None
    assert outcome.followups == []


def test_a_task_set_this_turn_or_carried_on_by_picking_an_order_stands():
    tracker = load_tracker("order_status_mixed_return", pending_task="return")
    tracker = saying(tracker, "où est ma commande CMD-10001 ?", "order_status")
    assert requested_task(tracker) is None  # a new question, typed: the old task goes
    tracker.events.append({"event": "slot", "name": "pending_task", "value": "return"})
    assert requested_task(tracker) == "return"  # set by the return flow in this turn
    clicked = saying(
        load_tracker("order_status_mixed_return", pending_task="return_status"),
        '/order_status{"order_number":"CMD-10001"}',
        "order_status",
    )
    clicked.latest_message["entities"] = [{"entity": "order_number", "value": "CMD-10001"}]
    assert requested_task(clicked) == "return_status"  # one of their orders, picked for it
    clicked.latest_message["entities"] = []
    assert requested_task(clicked) is None  # « Suivre ma commande »: a status, now


async def test_a_warranty_click_keeps_its_reason_through_the_verification(shop_url):
    outcome = await run_action(ActionReturnFlow(), load_tracker("return_warranty_click"))
    assert outcome.texts == ["Je dois d'abord retrouver votre commande."]
    assert outcome.slots["pending_task"] == "warranty"
    assert outcome.followups == ["action_order_status_start"]
    # once the order is verified, the flow resumes with the defect as the reason
    verified = load_tracker("order_status_late", order_proof="verified", pending_task="warranty")
    resumed = await run_action(ActionOrderStatusAnswer(), verified)
    assert resumed.slots["return_reason"] == "defective"
    assert resumed.followups == ["action_return_flow"]


async def test_naming_the_guarantee_skips_the_reason_question(shop_url):
    tracker = proved(load_tracker("return_confirm", **dict.fromkeys(RETURN_SLOTS)))
    tracker = saying(tracker, "je voudrais faire jouer la garantie sur ma lampe", "start_return")
    outcome = await run_action(ActionReturnFlow(), tracker)
    assert outcome.texts == ["Que souhaitez-vous ?"]
    assert outcome.slots["return_reason"] == "defective"


async def test_a_fault_in_the_shoppers_words_still_asks_the_reason(shop_url):
    # « ne marche plus » may be a defect or damage in transit: the shopper says which
    tracker = proved(load_tracker("return_confirm", **dict.fromkeys(RETURN_SLOTS)))
    tracker = saying(tracker, "ma lampe ne marche plus, je veux la renvoyer", "start_return")
    outcome = await run_action(ActionReturnFlow(), tracker)
    assert outcome.texts == ["Pour quelle raison ?"]


async def test_a_return_for_another_order_verifies_that_order_first(shop_url):
    tracker = proved(load_tracker("return_late_changed_mind"))  # CMD-10014 verified
    tracker = saying(
        tracker, "je veux retourner un article de ma commande CMD-10001", "start_return"
    )
    outcome = await run_action(ActionReturnFlow(), tracker)
    assert outcome.texts == ["Je dois d'abord retrouver votre commande."]
    assert outcome.slots == {**dict.fromkeys(RETURN_SLOTS), "pending_task": "return"}
    assert outcome.followups == ["action_order_status_start"]
    # then the order-status action asks to prove CMD-10001, the order the shopper named
    tracker.events.append({"event": "slot", "name": "pending_task", "value": "return"})
    tracker.slots["pending_task"] = "return"
    started = await run_action(ActionOrderStatusStart(), tracker)
    assert started.slots["order_number"] == "CMD-10001"
    assert started.followups == ["order_status_form"]


async def test_a_new_request_taken_for_a_return_status_question_starts_the_return(shop_url):
    tracker = saying(
        load_tracker("return_unverified"),
        "le casque de CMD-10003 ne marche plus, garantie",
        "return_status",
    )
    outcome = await run_action(ActionReturnStatus(), tracker)
    assert outcome.messages == []
    assert outcome.followups == ["action_return_flow"]
    # the flow then verifies the order first, and keeps the warranty for after
    flow = await run_action(ActionReturnFlow(), tracker)
    assert flow.slots["pending_task"] == "warranty"
    assert flow.followups == ["action_order_status_start"]


async def test_a_real_return_status_question_is_answered_as_one(shop_url):
    tracker = saying(load_tracker("return_unverified"), "où en est mon retour ?", "return_status")
    outcome = await run_action(ActionReturnStatus(), tracker)
    assert outcome.slots == {"pending_task": "return_status"}
    assert outcome.followups == ["action_order_status_start"]
