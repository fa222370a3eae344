"""Shop notices and the response-time promise, in Chromium against the real stack.

A desk of its own (on the session's Rasa and action server, with its own database and a
real webhook receiver): an editor publishes a notice in the console and the widget of
the demo shop shows it; an order-status conversation gets it after the bot's answer,
once; an offline request whose promised time nears and then passes turns « bientôt en
retard », then « en retard » in an agent's queue, and the webhook hears of it once.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import create_engine, update

from comptoir.desk.tickets import Ticket
from comptoir.stack import free_port
from tests.e2e.test_handoff import PASSWORD, Console, add_agent
from tests.helpers import WebhookReceiver, serious_accessibility_violations
from tests.stack_fixtures import (
    ALWAYS_OPEN,
    REPLY_TIMEOUT_MS,
    start_desk,
    token_client,
    wait_for_health,
)

pytestmark = pytest.mark.browser

WEBHOOK_SECRET = "receiver-shared-secret-for-notices"
PARIS = ZoneInfo("Europe/Paris")  # the shop's time zone (business_hours' default)
STRIKE_FR = "Grève chez Colissimo : vos colis peuvent avoir 2 jours de retard."
STRIKE_EN = "Colissimo strike: your parcels may be 2 days late."
# Typed by an editor with HTML in it: shown as written, never interpreted.
CLOSED_FR = "Atelier fermé du 24 au 26 décembre : <b>envois le 27</b>."
CLOSED_EN = "Workshop closed 24 to 26 December: <b>parcels leave on the 27th</b>."
OPEN = re.compile("Ouvrir la discussion")


@pytest.fixture(scope="module")
def receiver():
    made = WebhookReceiver()
    yield made
    made.close()


@pytest.fixture(scope="module")
def notice_desk(stack_and_knowledge, receiver, tmp_path_factory):
    """A desk of its own: (its URL, its environment, its SQLite file). Open round the
    clock, so whether a request becomes an offline ticket depends only on whether an
    agent is signed in; it looks for overdue tickets every second."""
    stack = stack_and_knowledge[0]
    port = free_port()
    database = tmp_path_factory.mktemp("notices") / "desk.db"
    env = {
        **stack.environment(),
        "COMPTOIR_DESK_PORT": str(port),
        "COMPTOIR_DESK_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "COMPTOIR_BUSINESS_HOURS": ALWAYS_OPEN,
        "COMPTOIR_TICKET_OVERDUE_CHECK_S": "1",
        "COMPTOIR_HANDOFF_WEBHOOK_URL": receiver.url,
        "COMPTOIR_HANDOFF_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    process = start_desk(port, env, log=stack.logs / "notices-desk.log")
    url = f"http://127.0.0.1:{port}"
    assert wait_for_health(url, 90, process=process)
    yield url, env, database
    process.terminate()
    process.wait(10)


def shop_time(moment: datetime) -> str:
    """What a ``datetime-local`` input holds for ``moment``, in the shop's time."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def signed_in(browser, url: str, username: str):
    """A fresh French browser context signed in to the console: (context, page)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    page = context.new_page()
    page.goto(url + "/console/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    return context, page


def open_chat(page, url: str):
    page.goto(url + "/")
    page.get_by_role("button", name=OPEN).click()
    return page.get_by_role("dialog")


def say(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Votre message")
    box.fill(text)
    box.press("Enter")


def test_an_editor_publishes_a_notice_and_the_widget_shows_it(browser, context, notice_desk):
    url, env, _ = notice_desk
    editor_context, editor = signed_in(browser, url, add_agent(env, "Inès", "editor"))
    try:
        editor.get_by_role("heading", name="Annonces de la boutique").wait_for()
        now = datetime.now(UTC)
        editor.get_by_label("Texte en français").fill(CLOSED_FR)
        editor.get_by_label("Texte en anglais").fill(CLOSED_EN)
        editor.get_by_label("Début", exact=True).fill(shop_time(now - timedelta(hours=1)))
        editor.get_by_label("Fin", exact=True).fill(shop_time(now - timedelta(hours=2)))
        editor.get_by_role("checkbox", name="Livraison").check()
        editor.get_by_role("button", name="Publier l'annonce").click()
        # The desk refuses, and the editor reads why in words, next to the wrong field.
        editor.get_by_role("alert").filter(has_text="La fin doit venir après le début.").wait_for()
        assert editor.get_by_label("Fin", exact=True).get_attribute("aria-invalid") == "true"

        editor.get_by_label("Fin", exact=True).fill(shop_time(now + timedelta(days=2)))
        editor.get_by_role("button", name="Publier l'annonce").click()
        editor.get_by_role("status").filter(has_text="Annonce publiée.").wait_for()
        item = editor.locator("#notices-list li", has_text=CLOSED_FR)
        item.wait_for()
        assert "affichée en ce moment" in item.inner_text()
        assert "Sujets : Livraison" in item.inner_text()
        assert serious_accessibility_violations(editor, "#notices") == []

        # Any visitor of the shop reads it at the top of the chat, in the widget's language.
        page = context.new_page()
        dialog = open_chat(page, url)
        banner = dialog.get_by_role("status").filter(has_text=CLOSED_FR)
        banner.wait_for()
        assert banner.locator("b").count() == 0, "the editor's text is text, not HTML"
        page.get_by_role("button", name="Switch to English").click()
        dialog.get_by_role("status").filter(has_text=CLOSED_EN).wait_for()
        assert serious_accessibility_violations(page) == []

        # Withdrawn: gone from the list, and from the chat of the next visitor.
        editor.once("dialog", lambda confirm: confirm.accept())
        editor.get_by_role("button", name=re.compile("Retirer l'annonce « Atelier fermé")).click()
        editor.get_by_role("status").filter(has_text="Annonce retirée.").wait_for()
        assert httpx.get(f"{url}/api/notices?language=fr").json()["notices"] == []
    finally:
        editor_context.close()


def test_the_notices_api_checks_roles_input_and_gives_each_language(notice_desk):
    url, env, _ = notice_desk
    editor = Console(url, add_agent(env, "Léon", "editor"))
    # Not an agent: one signed in would make the last test's request a live one.
    owner = Console(url, add_agent(env, "Zoé", "owner"))
    now = datetime.now(UTC)
    notice = {
        "text_fr": "Fermé le 1er mai : réponses le 2.",
        "text_en": "",
        "start": shop_time(now - timedelta(minutes=5)),
        "end": shop_time(now + timedelta(hours=3)),
        "topics": ["all"],
    }
    assert owner.post("/notices", notice).json()["error"] == "role"
    no_csrf = editor.http.post("/console/api/notices", json=notice)
    assert (no_csrf.status_code, no_csrf.json()["error"]) == (403, "csrf")
    too_long = editor.post("/notices", {**notice, "text_fr": "x" * 501})
    assert (too_long.status_code, too_long.json()["error"]) == (400, "text_too_long")
    assert too_long.json()["field"] == "text_fr"
    broken = editor.http.post(
        "/console/api/notices",
        content=b"[1, 2",
        headers={"X-CSRF-Token": editor.csrf, "Content-Type": "application/json"},
    )
    assert (broken.status_code, broken.json()["error"]) == (400, "invalid_json")

    made = editor.post("/notices", notice)
    assert made.status_code == 201, made.text
    notice_id = made.json()["notice"]["id"]
    public = httpx.get(f"{url}/api/notices", params={"language": "en"})
    assert public.headers["cache-control"] == "public, max-age=60"
    shown = next(n for n in public.json()["notices"] if n["id"] == notice_id)
    assert (shown["text"], shown["language"]) == (notice["text_fr"], "fr"), "no English: French"
    refused = httpx.get(f"{url}/api/notices", params={"language": "de"})
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_language")

    changed = editor.http.put(
        f"/console/api/notices/{notice_id}",
        json={**notice, "text_en": "Closed on May 1: answers on the 2nd."},
        headers={"X-CSRF-Token": editor.csrf},
    )
    assert changed.status_code == 200 and changed.json()["notice"]["updated_by"] == "Léon"
    english = httpx.get(f"{url}/api/notices", params={"language": "en"}).json()["notices"]
    assert "Closed on May 1: answers on the 2nd." in [n["text"] for n in english]
    gone = editor.http.delete(
        f"/console/api/notices/{notice_id}", headers={"X-CSRF-Token": editor.csrf}
    )
    assert gone.status_code == 200
    again = editor.http.delete(
        f"/console/api/notices/{notice_id}", headers={"X-CSRF-Token": editor.csrf}
    )
    assert (again.status_code, again.json()["error"]) == (404, "unknown_notice")


def publish(url: str, env: dict[str, str], **fields) -> int:
    """An active delivery notice, published through the console's API."""
    editor = Console(url, add_agent(env, "Inès", "editor"))
    now = datetime.now(UTC)
    body = {
        "text_fr": STRIKE_FR,
        "text_en": STRIKE_EN,
        "start": shop_time(now - timedelta(minutes=5)),
        "end": shop_time(now + timedelta(hours=3)),
        "topics": ["delivery"],
        **fields,
    }
    made = editor.post("/notices", body)
    assert made.status_code == 201, made.text
    return made.json()["notice"]["id"]


def test_an_order_status_answer_brings_the_notice_once(context, notice_desk):
    url, env, _ = notice_desk
    notice_id = publish(url, env)
    page = context.new_page()
    open_chat(page, url)
    say(page, "où est ma commande CMD-10003 ?")
    page.locator("#comptoir-widget .msg.bot").first.wait_for()
    say(page, "tom.bernard@example.fr")
    # The bot answers about the order first, then adds the shop's notice.
    notice = page.locator("#comptoir-widget .msg.notice")
    notice.wait_for()
    assert f"Information de la boutique : {STRIKE_FR}" in notice.inner_text()
    texts = page.locator("#comptoir-widget .msg.bot").all_inner_texts()
    assert "n° de suivi" in texts[-2] and STRIKE_FR in texts[-1], texts

    # The same conversation asks again: the answer comes, the notice does not.
    stored = (
        "JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':%s'))))"
    )
    conversation, token = page.evaluate(stored % "id"), page.evaluate(stored % "token")
    with token_client(url) as client:
        client.tokens[conversation] = token
        path = f"/api/conversations/{conversation}/messages"
        answer = client.post(path, json={"text": "et ma commande CMD-10003, elle arrive quand ?"})
        assert answer.status_code == 200, answer.text
        kinds = [m["custom"].get("kind") for m in answer.json()["messages"]]
        assert "order_status" in kinds and "shop_notice" not in kinds, kinds
        history = client.get(path).json()["messages"]
    given = [m for m in history if m["custom"].get("kind") == "shop_notice"]
    assert [m["custom"]["notice_id"] for m in given] == [notice_id]
    # The buttons of the answer before the notice stay usable under it.
    answered = [m for m in history if m["sender"] == "bot" and m["seq"] < given[0]["seq"]]
    for button in answered[-1]["buttons"]:
        assert page.get_by_role("button", name=button["title"]).is_visible(), button


def set_due(database, conversation_id: str, due: datetime) -> None:
    """Move the promised time of the conversation's ticket (the desk keeps running)."""
    engine = create_engine(f"sqlite:///{database}", connect_args={"timeout": 15})
    with engine.begin() as connection:
        connection.execute(
            update(Ticket).where(Ticket.conversation_id == conversation_id).values(due_at=due)
        )
    engine.dispose()


def test_an_offline_request_turns_late_in_the_queue_and_reaches_the_webhook(
    browser, notice_desk, receiver
):
    url, env, database = notice_desk
    conversation = f"t-{uuid.uuid4().hex[:12]}"
    with token_client(url) as client:
        path = f"/api/conversations/{conversation}/messages"
        for text in (
            "je veux parler à un conseiller",  # nobody signed in: an offline request
            "mon adresse : lea.martin@example.fr",
            "Ma facture n'a pas la bonne adresse, pouvez-vous la corriger ?",
        ):
            assert client.post(path, json={"text": text}).status_code == 200
    username = add_agent(env, "Camille")
    ticket = Console(url, username).ticket_of(conversation)
    assert (ticket["status"], ticket["due_state"]) == ("offline", "on_time")
    # Due 12 opening hours (here: any hour) after the request was complete.
    promised = datetime.fromisoformat(ticket["due_at"]) - datetime.fromisoformat(
        ticket["created_at"]
    )
    assert timedelta(hours=12) < promised < timedelta(hours=12, minutes=1), promised

    agent_context, agent = signed_in(browser, url, username)
    try:
        item = agent.locator(f'#queue li button[data-ticket="{ticket["id"]}"]')
        item.wait_for()
        assert "réponse promise avant le" in item.inner_text()
        assert item.locator(".badge").count() == 0

        # Within the last two hours: the queue's timer turns it « bientôt en retard ».
        set_due(database, conversation, datetime.now(UTC) + timedelta(minutes=30))
        item.locator(".badge", has_text="bientôt en retard").wait_for(timeout=25_000)

        # Past due: the desk reports it, and the queue turns at once (not at its next timer).
        set_due(database, conversation, datetime.now(UTC) - timedelta(minutes=1))
        started = time.monotonic()
        item.locator(".badge", has_text="en retard").filter(has_not_text="bientôt").wait_for(
            timeout=12_000
        )
        assert time.monotonic() - started < 12
        assert serious_accessibility_violations(agent, "#app") == []
    finally:
        agent_context.close()

    overdue = overdue_deliveries(receiver, ticket["id"])
    assert len(overdue) == 1, overdue
    headers, event = overdue[0]
    assert headers["X-Comptoir-Event"] == "ticket_overdue"
    data = event["data"]
    assert (data["conversation_id"], data["reason"], data["language"]) == (
        conversation,
        "shopper_request",
        "fr",
    )
    assert (data["due_state"], data["status"]) == ("late", "offline")
    time.sleep(3)  # three more sweeps: still one delivery about this ticket
    assert len(overdue_deliveries(receiver, ticket["id"])) == 1


def overdue_deliveries(receiver: WebhookReceiver, ticket_id: int) -> list[tuple[dict, dict]]:
    """The ``ticket_overdue`` deliveries about the ticket (waiting a little for the first)."""
    deadline = time.monotonic() + 10
    while True:
        found = [
            (headers, event)
            for headers, event in ((h, json.loads(b)) for h, b in list(receiver.received))
            if event["event"] == "ticket_overdue" and event["data"]["id"] == ticket_id
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
