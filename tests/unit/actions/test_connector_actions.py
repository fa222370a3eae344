"""The conversation with a connector: orders come live from the shop's platform.

The platform is a real fake back office on loopback (tests/fakes/own_api.py); the
shop database is the demo one. What the shopper sees is checked: an order that only
the platform knows is verified and described, a platform that is down or refuses the
key gets a plain apology with the button to reach a person, and that failure is not
counted against the shopper's tries.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy import func, select

from actions.orders import ActionOrderStatusAnswer, ActionOrderStatusStart, ValidateOrderStatusForm
from actions.returns import ActionReturnFlow
from comptoir.settings import get_settings
from comptoir.shop.db import sessions
from comptoir.shop.models import VerificationAttempt
from tests.fakes.own_api import TOKEN, OwnApiFake, two_parcels
from tests.unit.actions.conftest import load_tracker, proved, run_action
from tests.unit.actions.test_proof_actions import tracker

LEA = "lea.martin@example.fr"
UNAVAILABLE = (
    "Je n'arrive pas à consulter votre commande pour le moment : le système de la boutique "
    "ne répond pas. Réessayez dans quelques minutes, ou un conseiller peut prendre le relais."
)
PERSON = {"title": "Parler à un conseiller", "payload": "/request_human"}


@pytest.fixture
def platform(shop_url, monkeypatch):
    """The shop's own API, selected in the settings, holding CMD-20001 (two parcels)."""
    with OwnApiFake([two_parcels()]) as fake:
        for name, value in {
            "SHOP_CONNECTOR": "http",
            "CONNECTOR_URL": fake.url,
            "CONNECTOR_KEY": TOKEN,
            "CONNECTOR_RETRIES": "1",
            "CONNECTOR_TIMEOUT_S": "2",
        }.items():
            monkeypatch.setenv(f"COMPTOIR_{name}", value)
        get_settings.cache_clear()
        yield fake
        get_settings.cache_clear()


def at_proof(sender: str, number: str, answer: str) -> Tracker:
    """The form asking for the proof of ``number``; ``answer`` is the shopper's."""
    events: list[dict[str, Any]] = [
        {"event": "user", "text": f"où est ma commande {number}"},
        {"event": "active_loop", "name": "order_status_form"},
        {"event": "slot", "name": "requested_slot", "value": "order_proof"},
        {"event": "user", "text": answer},
    ]
    return tracker(
        sender,
        answer,
        slots={"order_number": number, "requested_slot": "order_proof"},
        metadata={"client_address": "192.0.2.7"},
        events=events,
    )


def attempts() -> int:
    with sessions(get_settings().shop_db_url)() as session:
        return session.scalar(select(func.count()).select_from(VerificationAttempt))


async def test_an_order_only_the_platform_knows_is_verified_then_described(platform):
    outcome = await run_action(ValidateOrderStatusForm(), at_proof("live-1", "CMD-20001", LEA))
    assert outcome.slots == {"order_proof": "verified", "verified_order": "CMD-20001"}
    assert platform.count("/orders/CMD-20001") == 1
    answer = tracker(
        "live-1", LEA, slots={"order_proof": "verified", "verified_order": "CMD-20001"}
    )
    described = await run_action(ActionOrderStatusAnswer(), answer)
    assert "Colis 1/2 : Colissimo, n° de suivi 6A12345678901" in described.text
    assert "Colis 2/2 : Chronopost, n° de suivi XR123456785FR" in described.text
    assert platform.count("/orders/CMD-20001") == 1  # the same turn's copy: no second call


async def test_a_platform_that_is_down_gets_an_apology_and_a_person(platform, caplog):
    platform.fail_next(503, times=2)
    caplog.set_level(logging.WARNING)
    outcome = await run_action(ValidateOrderStatusForm(), at_proof("down-1", "CMD-20001", LEA))
    (message,) = outcome.messages
    assert message["text"] == UNAVAILABLE and message["buttons"] == [PERSON]
    assert message["custom"] == {"kind": "order_lookup_unavailable"}
    assert outcome.slots == {"order_proof": "unavailable", "verified_order": None}
    assert attempts() == 0  # not a failed proof: the shopper's tries are intact
    assert "could not be looked up" in caplog.text and "HTTP 503" in caplog.text


async def test_a_refused_key_is_the_same_apology_and_the_key_is_never_logged(
    platform, monkeypatch, caplog
):
    monkeypatch.setenv("COMPTOIR_CONNECTOR_KEY", "wrong-key-0123456789")
    get_settings.cache_clear()
    caplog.set_level(logging.DEBUG)
    outcome = await run_action(ValidateOrderStatusForm(), at_proof("key-1", "CMD-20001", LEA))
    assert outcome.texts == [UNAVAILABLE]
    assert "refused the key" in caplog.text
    assert "wrong-key-0123456789" not in caplog.text and TOKEN not in caplog.text


async def test_in_english_too(platform):
    platform.fail_next(500, times=2)
    shopper = at_proof("en-1", "CMD-20001", LEA)
    shopper.slots["language"] = "en"
    outcome = await run_action(ValidateOrderStatusForm(), shopper)
    assert outcome.texts == [
        "I can't look your order up right now: the shop's system isn't answering. Please "
        "try again in a few minutes, or an agent can take over."
    ]
    assert outcome.buttons == {"Talk to an agent": "/request_human"}


async def test_an_order_unknown_everywhere_gets_the_usual_neutral_answer(platform):
    outcome = await run_action(ValidateOrderStatusForm(), at_proof("unk-1", "CMD-99999", LEA))
    assert outcome.texts[0].startswith("Je ne retrouve pas de commande")
    assert attempts() == 1  # an unknown number is a try, as without a connector


async def test_a_locked_shopper_does_not_even_reach_the_platform(platform, monkeypatch):
    monkeypatch.setenv("COMPTOIR_VERIFY_FAILURES_PER_CONVERSATION", "1")
    get_settings.cache_clear()
    await run_action(ValidateOrderStatusForm(), at_proof("lock-9", "CMD-99999", "x@example.com"))
    platform.reset()
    outcome = await run_action(ValidateOrderStatusForm(), at_proof("lock-9", "CMD-20001", LEA))
    assert "ne peux plus vérifier" in outcome.text
    assert platform.count() == 0


async def test_asking_again_about_a_verified_order_fetches_it_anew(platform, monkeypatch):
    monkeypatch.setenv("COMPTOIR_CONNECTOR_CACHE_S", "0")
    get_settings.cache_clear()
    shopper = proved(
        tracker(
            "again-1",
            "et ma commande ?",
            intent="order_status",
            slots={"verified_order": "CMD-20001"},
        )
    )
    await run_action(ValidateOrderStatusForm(), at_proof("again-1", "CMD-20001", LEA))
    platform.put(two_parcels(status="delivered"))
    outcome = await run_action(ActionOrderStatusStart(), shopper)
    assert outcome.texts[0].startswith("Votre commande CMD-20001 a été livrée")
    platform.fail_next(503, times=2)
    outcome = await run_action(ActionOrderStatusStart(), shopper)
    assert outcome.texts == [UNAVAILABLE]


async def test_a_return_waits_for_the_platform_too(platform, monkeypatch):
    monkeypatch.setenv("COMPTOIR_CONNECTOR_CACHE_S", "0")
    get_settings.cache_clear()
    platform.fail_next(503, times=2)
    outcome = await run_action(ActionReturnFlow(), proved(load_tracker("return_late_changed_mind")))
    assert outcome.texts == [UNAVAILABLE] and outcome.buttons == {PERSON["title"]: "/request_human"}
