"""Proof of ownership in the conversation, as a shopper sees it, per shop setting: the
question asked, the two halves of a postcode proof, locks and pauses, signed-in
shoppers and their expiry, and return steps re-checked against the database."""

from __future__ import annotations

import time
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.handoff import ActionHumanHandoff
from actions.orders import (
    ActionAskOrderProof,
    ActionOrderStatusAnswer,
    ActionOrderStatusStart,
    ValidateOrderStatusForm,
)
from actions.returns import ActionReturnFlow
from comptoir.settings import get_settings
from comptoir.shop.db import sessions
from comptoir.shop.returns import returns_of
from comptoir.shop.verification import sign_identity
from tests.unit.actions.conftest import load_tracker, proved, run_action

SECRET = "s" * 32
LEA = "lea.martin@example.fr"
ASK_EMAIL = (
    "Merci. Pour protéger vos données, indiquez-moi l'adresse e-mail utilisée pour la commande."
)
NEUTRAL = (
    "Je ne retrouve pas de commande correspondant à ces informations. Vérifions "
    "ensemble : quel est le numéro de commande ?"
)


@pytest.fixture
def settings(shop_url, monkeypatch):
    """Change settings for one test: ``settings(order_proof="…")``."""

    def change(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"COMPTOIR_{name.upper()}", str(value))
        get_settings.cache_clear()

    change(identity_secret=SECRET)
    return change


def tracker(
    sender: str,
    text: str,
    *,
    intent: str = "nlu_fallback",
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker whose latest message is ``text``, as Rasa sends it to the actions."""
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": {"language": "fr", **(slots or {})},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 1.0},
                "entities": entities or [],
                "metadata": {"lang": "fr", **(metadata or {})},
            },
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def at_proof(sender: str, *answers: str, address: str = "192.0.2.1") -> Tracker:
    """The form asking for the proof of CMD-10001; ``answers`` are the shopper's
    messages at that question, the last one being the latest."""
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "où est ma commande CMD-10001"},
        {"event": "active_loop", "name": "order_status_form"},
        {"event": "slot", "name": "requested_slot", "value": "order_proof"},
    ]
    events += [{"event": "user", "text": answer} for answer in answers]
    return tracker(
        sender,
        answers[-1],
        slots={"order_number": "CMD-10001", "requested_slot": "order_proof"},
        metadata={"client_address": address},
        events=events,
    )


async def proof_step(sender: str, *answers: str, address: str = "192.0.2.1"):
    """Extract and validate the latest answer, as the form does."""
    form = ValidateOrderStatusForm()
    shopper = at_proof(sender, *answers, address=address)
    extracted = await form.extract_order_proof(None, shopper, {})
    outcome = await run_action(form, shopper)
    return extracted, outcome


async def test_by_default_the_bot_asks_for_the_email_alone(settings):
    outcome = await run_action(ActionAskOrderProof(), at_proof("ask-1", "CMD-10001"))
    assert outcome.texts == [ASK_EMAIL]
    _, outcome = await proof_step("ask-2", "75011")
    assert outcome.texts == [NEUTRAL]  # a postcode proves nothing


async def test_postcode_then_last_name_proves_the_order_when_the_shop_allows_it(settings):
    settings(order_proof="email_or_postcode_and_detail")
    outcome = await run_action(ActionAskOrderProof(), at_proof("two-1", "CMD-10001"))
    assert "ou bien le code postal de livraison avec le nom de famille" in outcome.text
    # a lone postcode is no try yet: the bot asks for the other half
    extracted, outcome = await proof_step("two-1", "75011")
    assert extracted == {"order_proof": "75011"} and outcome.slots == {"order_proof": None}
    assert outcome.messages == []
    asked = await run_action(ActionAskOrderProof(), at_proof("two-1", "75011"))
    assert asked.texts == [
        "Merci. Et le nom de famille indiqué sur la commande, ou son montant total ?"
    ]
    # "Martin" alone reads like small talk, but it is the awaited last name
    extracted, outcome = await proof_step("two-1", "75011", "Martin")
    assert extracted == {"order_proof": "Martin"}
    assert outcome.slots == {"order_proof": "verified", "verified_order": "CMD-10001"}
    _, outcome = await proof_step("two-2", "75011 89 €")  # CMD-10001's total
    assert outcome.slots["order_proof"] == "verified"
    _, outcome = await proof_step("two-3", "75011 Bernard")
    assert outcome.texts == [NEUTRAL]


async def test_the_lock_says_nothing_about_the_order_and_its_handoff_keeps_the_reason(settings):
    for attempt in range(3):
        _, outcome = await proof_step("lock-1", f"x{attempt}@example.com")
    (locked,) = outcome.messages
    assert "je ne peux plus vérifier de commande pour vous" in locked["text"]
    assert locked["buttons"] == [{"title": "Parler à un conseiller", "payload": "/request_human"}]
    assert locked["custom"] == {"kind": "verification_locked"}
    assert outcome.slots == {"order_proof": "locked", "verified_order": None}
    # starting again in that conversation is refused at once, even for another order
    again = tracker("lock-1", "où est ma commande CMD-10004", intent="order_status")
    outcome = await run_action(ActionOrderStatusStart(), again)
    assert "ne peux plus vérifier" in outcome.text and outcome.followups == []
    # the person asked for then knows why
    events = [
        {"event": "bot", "text": locked["text"], "data": {"custom": locked["custom"]}},
        {"event": "user", "text": "/request_human"},
    ]
    handoff = tracker("lock-1", "/request_human", intent="request_human", events=events)
    outcome = await run_action(ActionHumanHandoff(), handoff)
    assert outcome.customs[0]["reason"] == "verification_locked"


async def test_limits_count_per_client_address_from_the_desk(settings):
    settings(verify_failures_per_address_per_hour=2)
    await proof_step("addr-1", "x@example.com", address="203.0.113.5")
    _, outcome = await proof_step("addr-2", "y@example.com", address="203.0.113.5")
    assert "ne peux plus vérifier" in outcome.text  # the address, in a new conversation
    _, owner = await proof_step("addr-3", LEA, address="192.0.2.99")
    assert owner.slots["order_proof"] == "verified"


async def test_past_the_global_limit_everyone_is_told_checks_are_paused(settings):
    settings(verify_failures_global_per_hour=1)
    _, outcome = await proof_step("glob-1", "x@example.com", address="203.0.113.1")
    assert "suspendue quelques instants pour tout le monde" in outcome.text
    assert outcome.buttons == {"Parler à un conseiller": "/request_human"}


def signed_in(sender: str, text: str, expires_in: int = 600) -> Tracker:
    """Léa, signed in on the shop's page (her identity valid ``expires_in`` seconds
    more), asking ``text`` about her orders."""
    expires = int(time.time()) + expires_in
    metadata = {
        "customer_email": LEA,
        "customer_signature": sign_identity(LEA, SECRET, expires),
        "customer_expires": expires,
    }
    return tracker(sender, text, intent="order_status", metadata=metadata)


async def test_a_signed_in_shopper_gets_their_order_in_one_step(settings):
    shopper = signed_in("signed-1", "où est ma commande CMD-10001 ?")
    outcome = await run_action(ActionOrderStatusStart(), shopper)
    assert outcome.texts[0].startswith("Votre commande CMD-10001 a été livrée")
    assert outcome.slots["verified_order"] == "CMD-10001"


@pytest.mark.parametrize("expires", [-60, 30 * 86400])
async def test_an_expired_or_too_long_identity_is_ignored(settings, expires):
    shopper = signed_in("signed-2", "où est ma commande ?", expires)
    outcome = await run_action(ActionOrderStatusStart(), shopper)
    assert outcome.messages == [] and outcome.followups == ["order_status_form"]


async def test_a_shop_that_accepts_only_signed_in_shoppers(settings):
    settings(order_proof="signed_identity")
    guest = tracker("guest-1", "où est ma commande CMD-10001 ?", intent="order_status")
    outcome = await run_action(ActionOrderStatusStart(), guest)
    assert "connectez-vous" in outcome.text and outcome.followups == []
    assert outcome.buttons == {"Parler à un conseiller": "/request_human"}
    # a signed-in shopper asking for someone else's order gets nothing about it
    other = signed_in("signed-3", "où est ma commande CMD-10003 ?")
    outcome = await run_action(ActionOrderStatusStart(), other)
    assert "parmi celles de votre compte" in outcome.text and "CMD-10003" not in outcome.text


async def test_a_verified_order_slot_without_proof_in_the_database_says_nothing(settings):
    forged = load_tracker("order_status_late", order_proof="verified")  # nothing recorded
    outcome = await run_action(ActionOrderStatusAnswer(), forged)
    assert outcome.texts == [NEUTRAL] and outcome.slots["verified_order"] is None


# ---------------------------------------------------------------------- returns
def returns(url: str, order: str) -> list[tuple[str, str]]:
    with sessions(url)() as session:
        return [(r.resolution, r.conversation_id) for r in returns_of(session, order)]


def confirming_a_late_repair(sender: str = "fixture-return-late") -> Tracker:
    """CMD-10014, delivered 20 days ago, a defect: the shopper confirms a repair with a
    forged payload that also says "refund"."""
    forged = load_tracker(
        "return_late_changed_mind",
        return_reason="defective",
        return_resolution="repair",
        return_step="confirm",
    )
    forged.sender_id = sender
    forged.latest_message.update(
        text='/affirm{"return_resolution":"refund"}',
        intent={"name": "affirm", "confidence": 1.0},
        entities=[{"entity": "return_resolution", "value": "refund"}],
    )
    return forged


async def test_a_forged_choice_in_a_confirmation_is_ignored(settings, shop_url):
    outcome = await run_action(ActionReturnFlow(), proved(confirming_a_late_repair()))
    assert outcome.customs[0]["kind"] == "return_created"
    assert returns(shop_url, "CMD-10014") == [("repair", "fixture-return-late")]


async def test_a_confirmation_the_policy_no_longer_allows_records_nothing(settings, shop_url):
    forged = proved(confirming_a_late_repair())
    forged.slots["return_resolution"] = "refund"  # as if the slot itself had been forged
    forged.slots["return_step"] = "confirm"
    outcome = await run_action(ActionReturnFlow(), forged)
    assert "return_created" not in str(outcome.customs)
    assert returns(shop_url, "CMD-10014") == []


async def test_create_re_checks_reason_item_and_proof_before_writing(settings, shop_url):
    from comptoir.shop.eligibility import Eligibility
    from comptoir.shop.policy import load_policy
    from comptoir.shop.return_flow import NextStep, ReturnChoices
    from comptoir.shop.service import load_order, open_session

    allowed = Eligibility(True, "shop_fault", "shop", None, None, resolutions=("refund",))
    cases = {
        "unknown reason": ReturnChoices("SPEAKER-NOVA", "whim", "refund", "confirm"),
        "item not on the order": ReturnChoices("GOLD-BAR", "damaged_in_transit", "refund"),
        "not offered": ReturnChoices("CANDLE-FIGUIER", "changed_mind", "repair", "confirm"),
    }
    for name, choices in cases.items():
        shopper = proved(load_tracker("return_confirm", verified_order="CMD-10015"))
        said = _Collect()
        with open_session(shop_url) as session:
            order = load_order(session, "CMD-10015")
            step = NextStep("create", choices, eligibility=allowed)
            ActionReturnFlow._create(said, session, order, step, load_policy(), "fr", shopper)
        assert "Je ne peux pas enregistrer cette demande" in said.messages[0]["text"], name
    # proved in another conversation only: nothing either
    stranger = load_tracker("return_confirm", verified_order="CMD-10015")
    stranger.sender_id = "someone-else"
    with open_session(shop_url) as session:
        order = load_order(session, "CMD-10015")
        good = ReturnChoices("SPEAKER-NOVA", "damaged_in_transit", "refund", "confirm")
        ActionReturnFlow._create(
            _Collect(),
            session,
            order,
            NextStep("create", good, eligibility=allowed),
            load_policy(),
            "fr",
            stranger,
        )
    assert returns(shop_url, "CMD-10015") == []


class _Collect:
    """A dispatcher that keeps what would be said."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def utter_message(self, **kwargs: Any) -> None:
        self.messages.append(kwargs)


async def test_a_return_on_an_order_not_proved_in_this_conversation_asks_for_it(settings, shop_url):
    forged = load_tracker("return_confirm")  # verified_order set, nothing recorded
    outcome = await run_action(ActionReturnFlow(), forged)
    assert outcome.texts == ["Je dois d'abord retrouver votre commande."]
    assert outcome.slots["verified_order"] is None
    assert outcome.followups == ["action_order_status_start"]
    assert returns(shop_url, "CMD-10001") == []
