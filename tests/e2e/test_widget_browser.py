"""The chat widget in a real browser: Debian's Chromium driven by Playwright.

The demo shop page embeds the widget with one script tag, exactly as a shop would; the
widget talks to the real desk, Rasa and action server of the end-to-end stack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import serious_accessibility_violations
from tests.stack_fixtures import REPLY_TIMEOUT_MS

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
OPEN = re.compile("Ouvrir la discussion")

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(stack_and_knowledge) -> str:
    return stack_and_knowledge[0].config.desk_url + "/"


def open_chat(page, shop: str):
    page.goto(shop)
    page.get_by_role("button", name=OPEN).click()
    return page.get_by_role("dialog")


def say(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Votre message")
    box.fill(text)
    box.press("Enter")


def bot_messages(page):
    return page.locator("#comptoir-widget .msg.bot")


def wait_for_bot(page, count: int) -> str:
    """Wait until ``count`` bot messages are shown; returns the text of the last one."""
    messages = bot_messages(page)
    messages.nth(count - 1).wait_for()
    return messages.nth(count - 1).inner_text()


def test_nothing_is_stored_or_requested_before_the_shopper_opens_the_chat(context, shop):
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(shop)
    page.get_by_role("button", name=OPEN).wait_for()
    page.wait_for_timeout(1000)
    assert [url for url in requests if "/api/" in url] == []
    assert page.evaluate("Object.keys(localStorage)") == []
    dialog = open_chat(page, shop)
    dialog.wait_for()
    assert any(k.startswith("comptoir:") for k in page.evaluate("Object.keys(localStorage)"))


def test_open_greet_and_get_a_reply(context, shop):
    page = context.new_page()
    dialog = open_chat(page, shop)
    assert dialog.get_by_role("heading", name="Service client").is_visible()
    say(page, "Bonjour")
    assert "Comptoir" in wait_for_bot(page, 1)
    shopper = page.locator("#comptoir-widget .msg.shopper")
    assert shopper.count() == 1 and "Bonjour" in shopper.inner_text()


def test_quick_replies_send_their_choice_then_disappear(context, shop):
    page = context.new_page()
    open_chat(page, shop)
    say(page, "où est ma commande CMD-10015 ?")
    wait_for_bot(page, 1)
    say(page, "tom.bernard@example.fr")
    page.get_by_text("CMD-10015").first.wait_for()
    count = bot_messages(page).count()
    say(page, "je veux retourner un article")
    item = page.get_by_role("button", name="Enceinte Nova")
    item.wait_for()
    item.click()
    page.get_by_role("button", name="Abîmé à la livraison").wait_for()
    assert page.get_by_role("button", name="Enceinte Nova").count() == 0
    # The shopper sees what they clicked, not the payload.
    shown = page.locator("#comptoir-widget .msg.shopper").last.inner_text()
    assert "Enceinte Nova" in shown and "/start_return" not in shown
    assert bot_messages(page).count() > count


def test_knowledge_answer_with_a_vote(context, shop):
    page = context.new_page()
    open_chat(page, shop)
    say(page, "Combien de temps pour être remboursé ?")
    assert "10 jours" in wait_for_bot(page, 1)
    page.get_by_role("button", name="Oui, réponse utile").click()
    page.get_by_text("Merci pour votre avis.").wait_for()


def test_history_survives_a_reload(context, shop):
    page = context.new_page()
    open_chat(page, shop)
    say(page, "Livrez-vous en Belgique ?")
    first = wait_for_bot(page, 1)
    page.reload()
    # The chat was open: it opens again with the same conversation.
    page.get_by_role("dialog").wait_for()
    page.get_by_text("Livrez-vous en Belgique ?").wait_for()
    assert bot_messages(page).first.inner_text() == first
    assert page.locator("#comptoir-widget .msg.shopper").count() == 1


def test_a_message_typed_offline_is_delivered_once_when_back_online(context, shop, desk):
    page = context.new_page()
    open_chat(page, shop)
    say(page, "Bonjour")
    wait_for_bot(page, 1)
    context.set_offline(True)
    page.wait_for_timeout(300)
    say(page, "Quels sont les frais de livraison ?")
    page.get_by_role("status").filter(has_text="Hors ligne").wait_for()
    assert page.locator("#comptoir-widget .msg.shopper.pending").count() == 1
    page.wait_for_timeout(1500)
    context.set_offline(False)
    wait_for_bot(page, 2)
    page.locator("#comptoir-widget .msg.shopper.pending").wait_for(state="detached")
    stored = (
        "JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':%s'))))"
    )
    conversation, token = page.evaluate(stored % "id"), page.evaluate(stored % "token")
    history = desk.get(
        f"/api/conversations/{conversation}/messages", headers={"X-Conversation-Token": token}
    ).json()["messages"]
    sent = [m for m in history if m["text"] == "Quels sont les frais de livraison ?"]
    assert len(sent) == 1
    page.wait_for_timeout(1000)  # a late retry would show a second bubble
    assert page.get_by_text("Quels sont les frais de livraison ?").count() == 1


def test_keyboard_only_session(context, shop):
    page = context.new_page()
    page.goto(shop)
    launcher = page.get_by_role("button", name=OPEN)
    for _ in range(30):  # Tab through the shop page until the launcher has the focus
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Votre message")
    assert box.evaluate("el => el.getRootNode().activeElement === el")
    page.keyboard.type("tu es un robot ?")
    page.keyboard.press("Enter")
    wait_for_bot(page, 1)
    dialog = page.get_by_role("dialog")
    for _ in range(12):  # focus stays inside the open panel
        page.keyboard.press("Tab")
        assert dialog.evaluate("d => d.contains(d.getRootNode().activeElement)")
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert launcher.evaluate("el => el.getRootNode().activeElement === el")


def test_no_serious_accessibility_violations(context, shop):

    page = context.new_page()
    open_chat(page, shop)
    say(page, "Combien de temps pour être remboursé ?")
    wait_for_bot(page, 1)
    assert serious_accessibility_violations(page) == []


def test_a_bot_message_with_a_script_is_rendered_inert(context, shop):
    page = context.new_page()
    hostile = '<script>window.__owned = 1</script><img src=x onerror="window.__owned = 2"> **gras**'

    def tamper(route):
        # The real desk answers; only the text of its reply is replaced before the page.
        # Without its seq, the tampered copy is shown even if the socket delivered the
        # original first.
        response = route.fetch()
        body = response.json()
        body["messages"][0]["text"] = hostile
        body["messages"][0].pop("seq", None)
        route.fulfill(response=response, body=json.dumps(body))

    page.route(re.compile(r".*/api/conversations/[^/]+/messages$"), tamper)
    open_chat(page, shop)
    say(page, "Bonjour")
    message = bot_messages(page).filter(has_text="window.__owned = 1")
    message.wait_for()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__owned") is None
    assert "<script>window.__owned = 1</script>" in message.inner_text()
    assert message.locator("script, img").count() == 0
    assert message.locator("strong").inner_text() == "gras"


def test_language_switch_reaches_the_bot(context, shop):
    page = context.new_page()
    open_chat(page, shop)
    page.get_by_role("button", name="Switch to English").click()
    assert page.get_by_role("heading", name="Customer service").is_visible()
    page.get_by_role("button", name="Talk to an agent").click()
    assert "support@atelier-lumiere.example" in wait_for_bot(page, 1)
    assert "agent" in bot_messages(page).first.inner_text().lower()


def test_end_of_chat_satisfaction(context, shop):
    page = context.new_page()
    open_chat(page, shop)
    say(page, "Bonjour")
    wait_for_bot(page, 1)
    page.get_by_role("button", name="Terminer la discussion").click()
    page.get_by_role("button", name="5 sur 5").click()
    page.get_by_text("Merci ! À bientôt.").wait_for()
    assert not any(k.endswith(":id") for k in page.evaluate("Object.keys(localStorage)"))


@pytest.mark.parametrize(
    ("name", "viewport"),
    [("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 390, "height": 844})],
)
def test_screenshots_of_the_open_widget(browser, shop, name, viewport):
    context = browser.new_context(locale="fr-FR", viewport=viewport, is_mobile=name == "phone")
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    try:
        page = context.new_page()
        dialog = open_chat(page, shop)
        say(page, "Combien de temps pour être remboursé ?")
        wait_for_bot(page, 1)
        box = dialog.bounding_box()
        if name == "phone":  # full screen on phones
            assert (box["width"], box["height"]) == (viewport["width"], viewport["height"])
        else:
            assert box["width"] <= 400
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"widget-{name}.png"))
    finally:
        context.close()


def console_page(browser, shop: str, username: str):
    """A fresh browser context signed in to the console as ``username``: (context, page)."""
    from tests.e2e.test_handoff import PASSWORD

    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    page = context.new_page()
    page.goto(shop + "console/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    return context, page


# Codes the desk sends that an agent must never read as such (snake_case in general).
RAW_CODES = ("shopper_request", "request_human", "action_human_handoff", "greet")
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def assert_no_codes(page) -> None:
    """Nothing in the console's visible text is an internal code."""
    text = page.locator("body").inner_text()
    assert SNAKE_CASE.findall(text) == [], text
    words = set(re.findall(r"[\w-]+", text))
    assert [code for code in RAW_CODES if code in words] == [], text


def test_a_person_takes_over_in_the_widget_then_hands_back(
    browser, context, shop, stack_and_knowledge
):
    person_takes_over(browser, context, shop, stack_and_knowledge[0].environment())


def person_takes_over(browser, context, shop: str, env: dict[str, str]) -> None:
    """Shopper asks for a person; an agent signs in, claims, they chat, the bot returns."""
    from tests.e2e.test_handoff import add_agent

    agent_context, agent = console_page(browser, shop, add_agent(env, "Camille"))
    try:
        agent.get_by_role("heading", name="File d'attente").wait_for()

        shopper = context.new_page()
        open_chat(shopper, shop)
        say(shopper, "Bonjour, ma lampe Orsay grésille")
        wait_for_bot(shopper, 1)
        shopper.get_by_role("button", name="Parler à un conseiller").click()
        bot_messages(shopper).filter(has_text="Je transmets la conversation").wait_for()

        # The new ticket appears in the queue by itself (pushed over the console socket).
        ticket = agent.locator("#queue button").filter(has_text="ma lampe Orsay grésille")
        ticket.first.click()
        # The agent reads words, not the bot's codes: why, what the bot understood and did.
        summary = agent.locator("#summary", has_text="Demande du client")
        summary.wait_for()
        assert "a demandé un conseiller" in summary.inner_text()
        assert "transfert vers un conseiller" in summary.inner_text()
        assert_no_codes(agent)
        agent.get_by_role("button", name="Prendre la conversation").click()
        shopper.get_by_text("Camille, conseiller·ère, a rejoint la discussion.").wait_for()

        reply = agent.get_by_label("Votre réponse")
        reply.fill("Bonjour, je suis Camille. Depuis quand grésille-t-elle ?")
        reply.press("Enter")
        shopper.locator("#comptoir-widget .msg.agent").filter(has_text="Depuis quand").wait_for()
        assert "Camille" in shopper.locator("#comptoir-widget .msg.agent").last.inner_text()

        say(shopper, "Depuis hier soir")
        agent.locator("#transcript .msg.shopper").filter(has_text="Depuis hier soir").wait_for()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        agent.screenshot(path=str(SCREENSHOTS / "console-chat.png"))
        bots_before = bot_messages(shopper).count()

        agent.get_by_role("button", name="Rendre la main au bot").click()
        shopper.get_by_text("Vous êtes de nouveau avec l'assistant").wait_for()
        say(shopper, "tu es un robot ?")
        wait_for_bot(shopper, bots_before + 1)
        assert "Comptoir" in bot_messages(shopper).last.inner_text()
    finally:
        agent_context.close()


def test_the_console_speaks_the_agents_language(browser, shop, stack_and_knowledge, chat):
    """Reasons, intents and steps in words; FR/EN in the header, remembered; the browser's
    language by default."""
    from tests.e2e.test_handoff import add_agent

    context, agent = console_page(
        browser, shop, add_agent(stack_and_knowledge[0].environment(), "Léon")
    )
    try:
        agent.get_by_role("heading", name="File d'attente").wait_for()
        assert "Je transmets la conversation" in chat.text("Je veux parler à un conseiller")
        # .last: the newest of the queue's tickets with that text (other tests ask too).
        agent.locator("#queue button").filter(
            has_text="Je veux parler à un conseiller"
        ).last.click()
        agent.locator("#summary", has_text="Demande du client").wait_for()
        summary = agent.locator("#summary")
        assert "a demandé un conseiller" in summary.inner_text()
        assert "transfert vers un conseiller" in summary.inner_text()
        assert "en attente" in summary.inner_text() and "normale" in summary.inner_text()
        assert_no_codes(agent)

        agent.get_by_role("button", name="English", exact=True).click()
        agent.locator("#summary", has_text="Shopper asked").wait_for()
        assert "asked for a person" in summary.inner_text()
        assert "handed to a person" in summary.inner_text()
        assert (
            agent.get_by_role("button", name="English", exact=True).get_attribute("aria-pressed")
            == "true"
        )
        assert agent.locator("html").get_attribute("lang") == "en"
        agent.get_by_role("heading", name="Queue").wait_for()
        agent.get_by_role("button", name="Take the conversation").wait_for()
        text = agent.locator("body").inner_text()
        assert "Demande du client" not in text and "File d'attente" not in text

        agent.reload()  # the choice is remembered
        agent.locator("#queue button", has_text="Shopper asked").first.wait_for()
        agent.get_by_role("button", name="Français", exact=True).click()
        agent.locator("#queue button", has_text="Demande du client").first.wait_for()
        agent.locator("#queue button").filter(
            has_text="Je veux parler à un conseiller"
        ).last.click()
        agent.get_by_role("button", name="Prendre la conversation").click()
        agent.get_by_role("button", name="Clôturer la demande").click()
        agent.locator("#summary", has_text="clôturée").wait_for()
    finally:
        context.close()

    english = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    try:
        page = english.new_page()
        page.goto(shop + "console/")
        page.get_by_role("button", name="Sign in").wait_for()
        assert page.get_by_label("User name").is_visible()
    finally:
        english.close()


def test_an_editor_tries_a_question_and_a_missed_one_in_the_console(
    browser, shop, stack_and_knowledge, chat
):
    """In Chromium: an editor signs in, sees what the bot would answer, then tests a
    question shoppers asked that the bot could not answer."""
    from tests.e2e.test_handoff import add_agent

    missed = "est-ce que vous vendez des vélos électriques ?"
    assert "pas de réponse sûre" in chat.text(missed)
    username = add_agent(stack_and_knowledge[0].environment(), "Inès", "editor")
    context, page = console_page(browser, shop, username)
    try:
        page.get_by_role("heading", name="Que répondrait le bot ?").wait_for()
        assert page.get_by_role("heading", name="File d'attente").is_hidden()

        page.get_by_label("Question d'un client").fill("combien de temps pour être remboursé ?")
        page.get_by_role("button", name="Tester", exact=True).click()
        page.get_by_text("Le bot répond avec cet article").wait_for()
        assert "10 jours" in page.locator("#preview-answer").inner_text()

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-editor.png"))
        page.get_by_role("button", name=f"Tester « {missed} »").click()
        page.locator(".decision").get_by_text("Le bot dit qu'il ne sait pas").wait_for()
    finally:
        context.close()
