"""The order-status conversation through the desk, with each platform's connector.

The same conversation as with the local database (tests/e2e/test_orders.py), on the
real stack (desk, Rasa, action server), with ``shop_connector`` set to a platform whose
fake runs on loopback: the order exists only on the platform, so the answer can only
come from the connector. Then the platform fails (down, refusing the key, too slow)
and the shopper gets a plain apology with the button to reach a person, within the
desk's wait. One stack per platform (tests/fakes/platforms.py lists them).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from comptoir.shop.db import sessions
from comptoir.shop.models import Order
from tests.fakes import FakePlatform
from tests.fakes.platforms import available
from tests.fakes.server import FakeServer
from tests.stack_fixtures import Chat, make_stack, token_client

PLATFORMS = available()
Running = tuple[FakePlatform, FakeServer, str, bool]
APOLOGY = "Je n'arrive pas à consulter votre commande pour le moment"
# Every look-up asks the platform (no cache), a request waits 1 s at most, one retry:
# a slow platform is given up after 2 s (``live_orders.lookup_budget_s``).
CONNECTOR_ENV = {
    "COMPTOIR_CONNECTOR_CACHE_S": "0",
    "COMPTOIR_CONNECTOR_TIMEOUT_S": "1",
    "COMPTOIR_CONNECTOR_RETRIES": "1",
}


@pytest.fixture(scope="module", params=sorted(PLATFORMS))
def platform(request, rasa_model, tmp_path_factory) -> Iterator[Running]:
    """A platform's fake, a stack whose connector points at it (its desk's URL), and
    whether the desk's first sync round stored the orders changed before it started."""
    spec = PLATFORMS[request.param]
    with spec.make() as fake:
        changed = spec.add_orders(fake, 3)
        env = {**spec.settings(fake), **CONNECTOR_ENV}
        folder = tmp_path_factory.mktemp(f"connector-{spec.connector}")
        stack, _ = make_stack(rasa_model, folder, env)
        stack.start()
        try:
            synced = wait_for_orders(stack.config.run_dir / "shop.db", changed)
            yield spec, fake, stack.config.desk_url, synced
        finally:
            stack.stop()


def wait_for_orders(database: Path, numbers: list[str], timeout_s: float = 30) -> bool:
    """Whether all ``numbers`` reach the stack's shop database within ``timeout_s``."""
    factory = sessions(f"sqlite:///{database}")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with factory() as session:
            found = session.scalars(select(Order.number).where(Order.number.in_(numbers)))
            if set(found) == set(numbers):
                return True
        time.sleep(0.5)
    return False


@pytest.fixture
def shopper(platform) -> Iterator[Chat]:
    _, fake, url, _ = platform
    fake.reset()
    with token_client(url) as client:
        yield Chat(client)


def test_the_order_status_conversation_answers_from_the_platform(platform, shopper):
    spec, fake, _, _ = platform
    assert "numéro de commande" in shopper.text("où est ma commande ?")
    assert "adresse e-mail" in shopper.text(f"c'est la {spec.scenario.typed}")
    answer = shopper.text(spec.scenario.email)
    for words in spec.scenario.expected:
        assert words in answer
    assert fake.count() >= 1  # asked live, not from the demo shop's database


def test_a_wrong_email_gets_the_usual_neutral_answer(platform, shopper):
    spec, _, _, _ = platform
    shopper.say(f"où est ma commande {spec.scenario.typed}")
    answer = shopper.text("pirate@example.com")
    assert "Je ne retrouve pas de commande" in answer
    assert all(words not in answer for words in spec.scenario.expected)


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "times": 10},  # down: every retry fails
        {"status": 401},  # the key was revoked
        {"status": 200, "delay_s": 3.0, "times": 2},  # slower than the shopper can wait
    ],
    ids=["down", "key-refused", "too-slow"],
)
def test_a_failing_platform_gets_an_apology_and_a_person(platform, shopper, failure):
    spec, fake, _, _ = platform
    shopper.say(f"où est ma commande {spec.scenario.typed}")
    fake.fail_next(**failure)
    started = time.monotonic()
    messages = shopper.say(spec.scenario.email)
    assert time.monotonic() - started < 15  # well within the desk's wait for the bot
    text = "\n".join(m["text"] for m in messages)
    assert APOLOGY in text and "Traceback" not in text
    assert any(b["payload"] == "/request_human" for m in messages for b in m["buttons"])
    fake.reset()
    # Not a failed proof: once the platform is back, the same shopper gets the answer.
    shopper.say(f"où est ma commande {spec.scenario.typed}")
    assert spec.scenario.expected[0] in shopper.text(spec.scenario.email)


def test_the_desk_syncs_the_orders_changed_on_the_platform_by_itself(platform):
    _, _, _, synced = platform
    assert synced, "the desk's first sync round did not store the orders changed just now"
