"""Proof of ownership, its limits, signed identities and forged return steps (issue 12).

Attack 3 (weak proof and an abusable lockout), the action side of attack 4 (forged
button payloads creating a return the policy never offered) and the identity expiry of
attack 8, each driven against the real servers: the desk over HTTP and, for the forged
step, the action server's webhook. The stack of this module is its own: it trusts
127.0.0.1 as a reverse proxy, so each test speaks from the client address it chooses
with ``X-Forwarded-For``, and its lockouts never reach the shared stack's shoppers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from comptoir.shop.returns import returns_of
from comptoir.shop.service import open_session
from comptoir.shop.verification import sign_identity
from comptoir.stack import Stack
from tests.e2e.test_handoff import Console, add_agent
from tests.stack_fixtures import REPLY_TIMEOUT_MS, make_stack, token_client

IDENTITY_SECRET = secrets.token_urlsafe(32)
LEA, TOM, CHLOE = "lea.martin@example.fr", "tom.bernard@example.fr", "chloe.petit@example.fr"
PARIS = [f"750{n:02d}" for n in range(1, 21)]
# Words that only appear when the bot describes an order: none may reach an attacker.
ORDER_DETAILS = ("a été livrée", "est en route", "est en retard", "n° de suivi", "Colissimo")
NEUTRAL = "Je ne retrouve pas de commande correspondant à ces informations."
LOCKED = "ne peux plus vérifier"


@pytest.fixture(scope="module")
def guarded(rasa_model: Path, tmp_path_factory) -> Iterator[Stack]:
    """A stack of this module's own, behind a "proxy" (127.0.0.1) it trusts."""
    stack, _ = make_stack(
        rasa_model,
        tmp_path_factory.mktemp("proof"),
        {
            "COMPTOIR_TRUSTED_PROXIES": '["127.0.0.1"]',
            "COMPTOIR_IDENTITY_SECRET": IDENTITY_SECRET,
            # The desk's own message limits are not what these tests are about.
            "COMPTOIR_LIMIT_MESSAGES_PER_ADDRESS_PER_MINUTE": "1000",
            "COMPTOIR_LIMIT_NEW_CONVERSATIONS_PER_ADDRESS_PER_HOUR": "1000",
        },
    )
    stack.start()
    yield stack
    stack.stop()


class Shopper:
    """Someone chatting through the desk from one client address (via the trusted proxy)."""

    def __init__(self, stack: Stack, address: str) -> None:
        self.http = token_client(stack.config.desk_url)
        self.http.headers["X-Forwarded-For"] = address
        self.address = address
        self.conversation = ""
        self.new_conversation()

    def new_conversation(self) -> str:
        self.conversation = f"t-{uuid.uuid4().hex[:12]}"
        return self.conversation

    def say(self, text: str, **extra) -> list[dict]:
        url = f"/api/conversations/{self.conversation}/messages"
        response = self.http.post(url, json={"text": text, **extra})
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def text(self, text: str, **extra) -> str:
        return "\n".join(m["text"] for m in self.say(text, **extra))


def shop_returns(stack: Stack, number: str) -> list[tuple[str, str]]:
    """(resolution, conversation) of every return recorded on an order."""
    with open_session(f"sqlite:///{stack.config.run_dir / 'shop.db'}") as session:
        return [(r.resolution, r.conversation_id) for r in returns_of(session, number)]


def identity(email: str, expires: int, secret: str = IDENTITY_SECRET) -> dict:
    """What the shop's page sends for a signed-in shopper."""
    return {"email": email, "signature": sign_identity(email, secret, expires), "expires": expires}


def assert_no_order_data(text: str) -> None:
    for words in ORDER_DETAILS:
        assert words not in text, f"order data given away: {words!r} in {text!r}"


# ----------------------------------------------------------------- attack 3: proof
def test_postcode_spraying_from_one_address_harvests_nothing_and_locks_the_address(guarded):
    """Attack 3: the postcode alone proved ownership, and new conversations were free:
    spraying the Paris postcodes over sequential order numbers harvested orders. Now a
    postcode proves nothing, every try answers the same neutral sentence, and the
    address (not the orders' owners) is locked past its hourly limit; the lockout is
    listed for agents, and the handoff it leads to keeps its reason."""
    attacker = Shopper(guarded, "203.0.113.7")
    postcodes = iter(PARIS)
    answers: list[str] = []
    for number in ("CMD-10001", "CMD-10002", "CMD-10003", "CMD-10004"):
        attacker.new_conversation()  # a new conversation costs nothing
        for _ in range(3):
            if len(answers) == 10:
                break
            attacker.say(f"où est ma commande {number} ?")
            answers.append(attacker.text("75011" if number == "CMD-10004" else next(postcodes)))
    for answer in answers:
        assert_no_order_data(answer)
    # Each conversation stops after three failures, with the same sentence whatever
    # failed; the tenth failure from the address locks the address.
    for position, answer in enumerate(answers, start=1):
        expected = LOCKED if position % 3 == 0 or position == 10 else NEUTRAL
        assert expected in answer, (position, answer)
    attacker.new_conversation()
    locked = attacker.text("où est ma commande CMD-10001 ?")
    assert LOCKED in locked and "adresse e-mail" not in locked
    # The owner, from their own address, is not locked out.
    owner = Shopper(guarded, "192.0.2.11")
    owner.say("où est ma commande CMD-10001 ?")
    assert "CMD-10001 a été livrée" in owner.text(LEA)

    # Agents see the lockout: when, which conversation and address, which limit, and
    # the order number only partly.
    env = guarded.environment()
    agent = Console(guarded.config.desk_url, add_agent(env, "Camille"))
    listed = agent.http.get("/console/api/lockouts")
    assert listed.status_code == 200, listed.text
    mine = [e for e in listed.json()["lockouts"] if e["client_address"] == "203.0.113.7"]
    assert {e["limit"] for e in mine} >= {"conversation", "address"}
    assert all(
        e["order_number"] and e["order_number"] not in {f"CMD-1000{n}" for n in range(1, 5)}
        for e in mine
    )
    assert all(e["conversation_id"] and e["at"] for e in mine)
    assert "CMD-10004" not in listed.text and "CMD-10001" not in listed.text
    stranger = httpx.get(f"{guarded.config.desk_url}/console/api/lockouts", timeout=30)
    assert stranger.status_code == 401
    # The handoff that follows keeps why a person is needed.
    attacker.say("/request_human")
    ticket = agent.ticket_of(attacker.conversation)
    assert ticket["reason"] == "verification_locked"


def test_wrong_tries_from_another_address_do_not_lock_the_owner_out(guarded):
    """Attack 3: five wrong tries on an order, from anyone, locked its real owner out
    for an hour. Now the requester is locked, never the owner."""
    attacker = Shopper(guarded, "198.51.100.9")
    for attempt in range(5):
        if attempt == 3:
            attacker.new_conversation()  # the conversation's own limit is three
        attacker.say("où est ma commande CMD-10003 ?")
        answer = attacker.text(f"pirate{attempt}@example.com")
        assert_no_order_data(answer)
    assert LOCKED in answer  # the fifth failure locks the attacker on that order
    assert LOCKED in attacker.text("où est ma commande CMD-10003 ?")
    owner = Shopper(guarded, "192.0.2.33")
    # A guest owner: the number, then the e-mail (two steps).
    assert "adresse e-mail" in owner.text("où est ma commande CMD-10003 ?")
    assert "CMD-10003 est en retard" in owner.text(TOM)


def test_a_signed_in_shopper_gets_the_answer_in_one_step(guarded):
    """Attack 3 (no regression): the shop's signed-in shopper needs no other proof."""
    shopper = Shopper(guarded, "192.0.2.50")
    signed = identity(LEA, int(time.time()) + 600)
    answer = shopper.text("où est ma commande CMD-10001 ?", customer=signed)
    assert "CMD-10001 a été livrée" in answer


def test_an_expired_or_never_expiring_identity_gives_nothing(guarded):
    """Attack 8: a signed identity never expired, so a signature copied once (a shared
    computer, a log) listed and described a shopper's orders forever. Now an identity
    carries its expiry in what is signed, and is refused once expired or when it claims
    to last longer than the shop allows."""
    now = int(time.time())
    legacy = {  # the old signature: the e-mail alone
        "email": LEA,
        "signature": hmac.new(IDENTITY_SECRET.encode(), LEA.encode(), hashlib.sha256).hexdigest(),
    }
    forms = {
        "expired": identity(LEA, now - 60),
        "too far ahead": identity(LEA, now + 30 * 86400),
        "legacy, never expiring": legacy,
        "expiry changed after signing": {**identity(LEA, now - 60), "expires": now + 600},
    }
    for name, customer in forms.items():
        shopper = Shopper(guarded, "192.0.2.60")
        messages = shopper.say("où est ma commande CMD-10001 ?", customer=customer)
        text = json.dumps(messages, ensure_ascii=False)
        assert_no_order_data(text)
        assert "Lampe Orsay" not in text and not any(m["buttons"] for m in messages), name
        shopper.new_conversation()
        listing = shopper.say("où est ma commande ?", customer=customer)
        assert not any(m["buttons"] for m in listing), name  # no list of her orders
        assert "CMD-10004" not in json.dumps(listing) and "Veilleuse" not in json.dumps(listing)


@pytest.fixture
def shop_proof(rasa_model: Path, tmp_path, request) -> Iterator[Stack]:
    """A stack whose shop chose another proof (``request.param``)."""
    stack, _ = make_stack(
        rasa_model,
        tmp_path,
        {"COMPTOIR_ORDER_PROOF": request.param, "COMPTOIR_IDENTITY_SECRET": IDENTITY_SECRET},
    )
    stack.start()
    yield stack
    stack.stop()


@pytest.mark.parametrize("shop_proof", ["email_or_postcode_and_detail"], indirect=True)
def test_a_shop_may_accept_the_postcode_with_the_last_name_or_the_amount(shop_proof):
    """Attack 3: the postcode alone proved ownership. A shop that wants postcodes
    accepts one only with the order's last name or total, still in two steps."""
    shopper = Shopper(shop_proof, "127.0.0.1")
    asked = shopper.text("où est ma commande CMD-10001 ?")
    assert "code postal de livraison avec le nom de famille" in asked
    assert "nom de famille indiqué sur la commande" in shopper.text("75011")  # no try yet
    assert "CMD-10001 a été livrée" in shopper.text("Martin")
    other = Shopper(shop_proof, "127.0.0.1")
    other.say("où est ma commande CMD-10004 ?")
    assert "Veilleuse Luciole" in other.text("75011 94 €")
    wrong = Shopper(shop_proof, "127.0.0.1")
    wrong.say("où est ma commande CMD-10003 ?")
    answer = wrong.text("69003 Martin")
    assert NEUTRAL in answer
    assert_no_order_data(answer)


@pytest.mark.parametrize("shop_proof", ["signed_identity"], indirect=True)
def test_a_shop_may_accept_only_its_signed_in_shoppers(shop_proof):
    """Attack 3: guessable proofs. A shop may accept only its signed identity: guests
    are told politely to sign in or to talk to a person; the signed-in get one step."""
    guest = Shopper(shop_proof, "127.0.0.1")
    messages = guest.say("où est ma commande CMD-10001 ?")
    text = "\n".join(m["text"] for m in messages)
    assert "connectez-vous" in text and "adresse e-mail" not in text
    assert buttons(messages) == {"Parler à un conseiller": "/request_human"}
    assert_no_order_data(guest.text(LEA))  # an e-mail proves nothing here
    signed = Shopper(shop_proof, "127.0.0.1")
    answer = signed.text(
        "où est ma commande CMD-10001 ?", customer=identity(LEA, int(time.time()) + 600)
    )
    assert "CMD-10001 a été livrée" in answer


# ------------------------------------------------------------ attack 4: forged steps
def buttons(messages: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in messages for b in m["buttons"]}


def test_a_forged_affirm_creates_no_refund_through_the_desk(guarded):
    """Attack 4: on an order delivered 20 days ago with a defect (only repair or
    exchange offered), answering the summary with /affirm{"return_resolution":"refund"}
    created a refund. Now the forged choice is ignored and the action re-checks the
    decision from the database: no refund is ever recorded."""
    shopper = Shopper(guarded, "192.0.2.70")
    shopper.say("où est ma commande CMD-10014 ?")
    assert "CMD-10014" in shopper.text(CHLOE)
    reasons = buttons(shopper.say("je veux retourner un article"))
    tip = buttons(shopper.say(reasons["Défectueux, en panne"]))
    resolutions = buttons(shopper.say(tip["Non, toujours en panne"]))
    assert set(resolutions) == {"Réparation", "Échange"}
    summary = shopper.say(resolutions["Réparation"])
    assert buttons(summary)["Oui, je confirme"] == "/affirm"
    forged = shopper.say('/affirm{"return_resolution":"refund"}')
    assert "remboursement" not in json.dumps(forged, ensure_ascii=False).lower()
    assert all(resolution != "refund" for resolution, _ in shop_returns(guarded, "CMD-10014"))


def forged_return(conversation: str, order: str, sku: str, reason: str) -> dict:
    """What Rasa would post at the confirmation of a return: a refund never offered."""
    slots = {
        "language": "fr",
        "verified_order": order,
        "order_number": order,
        "return_sku": sku,
        "return_reason": reason,
        "return_resolution": "refund",
        "return_step": "confirm",
    }
    tracker = {
        "sender_id": conversation,
        "slots": slots,
        "latest_message": {
            "text": '/affirm{"return_resolution":"refund"}',
            "intent": {"name": "affirm", "confidence": 1.0},
            "entities": [{"entity": "return_resolution", "value": "refund"}],
            "metadata": {"lang": "fr", "client_address": "192.0.2.80"},
        },
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {
        "next_action": "action_return_flow",
        "sender_id": conversation,
        "version": "3.6.20",
        "domain": {},
        "tracker": tracker,
    }


def test_a_forged_return_step_on_the_action_server_creates_nothing(guarded):
    """Attack 4 (and 2): the return's last step, posted to the action server's webhook
    with slots of the attacker's choosing, recorded a refund on an order nobody proved
    in that conversation. Now the action re-checks from the database that the order
    was verified in the conversation, the reason is known, the item is on the order and
    the resolution is one the policy offers today; otherwise it creates nothing."""
    env = guarded.environment()
    token = env.get("COMPTOIR_ACTIONS_TOKEN", "")
    url = f"{guarded.config.actions_url}/webhook"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"token": token} if token else {}
    before = {n: shop_returns(guarded, n) for n in ("CMD-10014", "CMD-10015")}
    calls = [
        # an order never verified in this conversation (damage: a refund is possible)
        forged_return(
            f"forged-{uuid.uuid4().hex[:8]}", "CMD-10015", "SPEAKER-NOVA", "damaged_in_transit"
        ),
        # a defect 20 days after delivery: the policy offers repair or exchange only
        forged_return(f"forged-{uuid.uuid4().hex[:8]}", "CMD-10014", "LAMP-ORSAY", "defective"),
        # an item that is not on the order, an unknown reason
        forged_return(f"forged-{uuid.uuid4().hex[:8]}", "CMD-10015", "GOLD-BAR", "whim"),
    ]
    for call in calls:
        response = httpx.post(url, json=call, headers=headers, params=params, timeout=60)
        # With Rasa's token the forged call reaches the actions: they must refuse it.
        assert response.status_code == (200 if token else 401), response.text
        if response.status_code == 200:
            responses = response.json().get("responses", [])
            assert not any(
                (r.get("custom") or {}).get("kind") == "return_created" for r in responses
            ), responses
    assert {n: shop_returns(guarded, n) for n in before} == before


# ------------------------------------------------------- the widget's signed-in path
def test_the_widget_of_a_signed_in_shopper_answers_in_one_step(guarded, browser):
    """Attack 8 (no regression): the shop's page puts the signed identity with its
    expiry in the widget's data attributes; the shopper gets their order in one step."""
    expires = int(time.time()) + 900
    signature = sign_identity(LEA, IDENTITY_SECRET, expires)
    desk = guarded.config.desk_url
    page_html = (
        "<!doctype html><html lang='fr'><body><h1>Boutique</h1>"
        f"<script src='{desk}/widget.js' data-comptoir-url='{desk}' data-lang='fr' "
        f"data-customer-email='{LEA}' data-customer-signature='{signature}' "
        f"data-customer-expires='{expires}'></script></body></html>"
    )
    server = shop_site(page_html)
    context = browser.new_context(locale="fr-FR")
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.get_by_role("button", name="Ouvrir la discussion").click()
        box = page.get_by_role("textbox", name="Votre message")
        box.fill("où est ma commande CMD-10001 ?")
        box.press("Enter")
        page.locator("#comptoir-widget .msg.bot").filter(has_text="a été livrée").first.wait_for()
    finally:
        context.close()
        server.shutdown()


def shop_site(html: str) -> ThreadingHTTPServer:
    """The shop's own site on loopback, serving one page (running in a thread)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_agents_read_the_lockouts_in_words_in_the_console(guarded, browser):
    """Attack 3: lockouts were invisible, so a locked-out shopper or an attack in
    progress went unnoticed. Now the console lists them, in French or English."""
    from tests.e2e.test_widget_browser import assert_no_codes, console_page

    stuck = Shopper(guarded, "192.0.2.90")
    for attempt in range(3):
        stuck.say("où est ma commande CMD-10005 ?")
        stuck.say(f"oubli{attempt}@example.com")
    username = add_agent(guarded.environment(), "Inès")
    context, agent = console_page(browser, guarded.config.desk_url + "/", username)
    try:
        entry = agent.locator("#lockouts li", has_text="192.0.2.90").first
        entry.wait_for()
        assert "Trop d'essais dans une même conversation" in entry.inner_text()
        assert "CMD-•••05" in entry.inner_text() and "CMD-10005" not in entry.inner_text()
        agent.get_by_role("heading", name="Vérifications de commande bloquées (24 h)").wait_for()
        assert_no_codes(agent)
        agent.get_by_role("button", name="English", exact=True).click()
        agent.locator(
            "#lockouts li", has_text="Too many tries in one conversation"
        ).first.wait_for()
        agent.get_by_role("heading", name="Order checks locked (24 h)").wait_for()
    finally:
        context.close()
