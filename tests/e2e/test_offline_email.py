"""An out-of-hours request answered by e-mail from the console, the shopper's reply back
in the ticket, and the chat transcript on request (Chromium, the real stack).

A second desk, closed at every hour, runs on the session's Rasa and action server; it
sends through ``tests.smtp_sink`` (a real SMTP server process) and receives replies on
its own inbound SMTP port. The shopper uses the widget on the desk's demo page, the
agent the console, both in Debian's Chromium; the reply is sent with ``smtplib``, as
the shop's mail server would forward it.
"""

from __future__ import annotations

import re
import smtplib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from playwright.sync_api import expect

from comptoir.stack import free_port
from tests.e2e.test_handoff import add_agent
from tests.e2e.test_widget_browser import (
    SCREENSHOTS,
    assert_no_codes,
    bot_messages,
    console_page,
    open_chat,
    say,
)
from tests.mail_fixtures import SmtpSink
from tests.stack_fixtures import start_desk, wait_for_health

pytestmark = pytest.mark.browser

# Closed every day: whatever the hour the suite runs, a request goes offline.
CLOSED = '{"days": [0], "opens": "00:00", "closes": "00:00"}'
SHOPPER = "lea.martin@example.fr"
REQUEST = "Ma facture porte une mauvaise adresse de livraison, pouvez-vous la corriger ?"


@dataclass
class ClosedDesk:
    url: str
    env: dict[str, str]
    sink: SmtpSink
    inbound_port: int


@pytest.fixture(scope="module")
def closed_desk(stack_and_knowledge, tmp_path_factory) -> Iterator[ClosedDesk]:
    """A desk outside business hours that sends and receives e-mail."""
    stack = stack_and_knowledge[0]
    folder = tmp_path_factory.mktemp("offline-email")
    sink = SmtpSink(free_port(), folder / "maildir", folder / "tempfail").start()
    port, inbound = free_port(), free_port()
    env = {
        **stack.environment(),
        "COMPTOIR_DESK_PORT": str(port),  # the demo page's widget talks to this desk
        "COMPTOIR_DESK_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'desk.db'}",
        "COMPTOIR_BUSINESS_HOURS": CLOSED,
        "COMPTOIR_SMTP_HOST": "127.0.0.1",
        "COMPTOIR_SMTP_PORT": str(sink.port),
        "COMPTOIR_SMTP_SECURITY": "none",
        "COMPTOIR_MAIL_FROM": "Atelier Lumière <support@atelier-lumiere.example>",
        "COMPTOIR_MAIL_REPLY_TO": "reponses@atelier-lumiere.example",
        "COMPTOIR_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "COMPTOIR_MAIL_POLL_S": "0.5",
        "COMPTOIR_INBOUND_MAIL": "smtp",
        "COMPTOIR_INBOUND_SMTP_PORT": str(inbound),
    }
    process = start_desk(port, env, log=stack.logs / "offline-email-desk.log")
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for_health(url, 60, process=process), "the closed desk did not start"
        yield ClosedDesk(url, env, sink, inbound)
    finally:
        process.terminate()
        process.wait(20)
        sink.stop()


def received(sink: SmtpSink, address: str, count: int = 1, timeout_s: float = 30) -> list:
    deadline = time.monotonic() + timeout_s
    while True:
        found = [m for m in sink.messages() if m["To"].addresses[0].addr_spec == address]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def reply_by_email(desk: ClosedDesk, answered, text: str) -> int:
    """Léa answers from her mail program: her words above our e-mail, quoted."""
    mail = EmailMessage()
    mail["From"] = f"Léa Martin <{SHOPPER}>"
    mail["To"] = "reponses@atelier-lumiere.example"
    mail["Subject"] = "Re: " + answered["Subject"]
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example.fr>"
    mail["In-Reply-To"] = answered["Message-ID"]
    quoted = "\n".join("> " + line for line in plain(answered).splitlines())
    mail.set_content(
        f"{text}\n\nBien à vous,\nLéa\n\n"
        f"Le lun. 3 juin 2024 à 22:14, Atelier Lumière <support@atelier-lumiere.example> "
        f"a écrit :\n{quoted}\n"
    )
    with smtplib.SMTP("127.0.0.1", desk.inbound_port, timeout=10) as client:
        client.ehlo("mx.example.fr")
        client.mail(SHOPPER)
        client.rcpt("reponses@atelier-lumiere.example")
        code, _ = client.data(mail.as_bytes(policy=SMTP))
    return code


def leave_an_offline_request(context, desk: ClosedDesk):
    """Out of hours, the shopper asks for a person in the widget and leaves an e-mail and
    a request; the page is kept for the end of the chat."""
    page = context.new_page()
    open_chat(page, desk.url + "/")
    page.get_by_role("button", name="Parler à un conseiller").click()
    bot_messages(page).filter(has_text="pas disponibles pour le moment").wait_for()
    say(page, f"mon adresse : {SHOPPER}")
    bot_messages(page).filter(has_text="Quelle est votre demande").wait_for()
    say(page, REQUEST)
    bot_messages(page).filter(has_text=SHOPPER).last.wait_for()
    return page


def test_an_offline_request_answered_by_email_and_the_reply_back_in_the_console(
    browser, context, closed_desk
):
    shopper = leave_an_offline_request(context, closed_desk)

    # The chat is over: the shopper asks for a copy. A typed address is nobody's proof:
    # nothing goes to it before an agent has answered there.
    shopper.get_by_role("button", name="Terminer la discussion").click()
    copy = shopper.get_by_role("button", name="Recevoir la conversation par e-mail")
    copy.click()
    shopper.get_by_text("une fois qu’un conseiller vous y a répondu").wait_for()
    time.sleep(1)
    assert received(closed_desk.sink, SHOPPER, timeout_s=0.5) == []

    agent_context, agent = console_page(
        browser, closed_desk.url + "/", add_agent(closed_desk.env, "Inès")
    )
    try:
        ticket = agent.locator("#queue button").filter(has_text="hors horaires")
        ticket.first.click()
        box = agent.get_by_role("region", name="E-mails")
        box.get_by_text(f"le client attend une réponse à {SHOPPER}").wait_for()
        assert agent.locator("#reply").is_hidden()  # no live chat: the shopper has left
        answer = "Bonjour Léa,\n\nC'est corrigé : la nouvelle facture est dans votre espace client."
        box.get_by_label("Répondre par e-mail").fill(answer)
        box.get_by_role("button", name="Envoyer par e-mail").click()
        box.get_by_text("Réponse enregistrée").wait_for()

        # The shopper receives it: in French, threaded, their request quoted.
        (mail,) = received(closed_desk.sink, SHOPPER)
        number = re.search(r"n° (\d+)", mail["Subject"]).group(1)
        assert mail["Subject"] == f"Re : votre demande n° {number} – Atelier Lumière"
        assert mail["Content-Language"] == "fr"
        assert mail["Reply-To"] == "reponses@atelier-lumiere.example"
        assert re.fullmatch(
            rf"<ticket-{number}\.[0-9a-f]{{16}}@atelier-lumiere\.example>", mail["Message-ID"]
        )
        assert "C'est corrigé : la nouvelle facture est dans votre espace client." in plain(mail)
        assert f"> {REQUEST}" in plain(mail)
        # The console shows the answer sent, in words; the ticket left the queue.
        box.locator("li[data-direction=out]").get_by_text("État : envoyé").wait_for()
        expect(agent.locator(f'#queue button[data-ticket="{number}"]')).to_have_count(0)

        # Now the address is the thread's: the copy of the chat goes there.
        copy.click()
        shopper.get_by_text("vous recevrez la conversation à l'adresse l•••@example.fr").wait_for()
        transcript = next(
            m
            for m in received(closed_desk.sink, SHOPPER, 2)
            if m["Subject"].startswith("Votre conversation avec Atelier Lumière du ")
        )
        assert f"Vous : {REQUEST}" in plain(transcript)

        # Léa answers by e-mail: her words come back into the ticket, the quote left out.
        assert reply_by_email(closed_desk, mail, "Merci, c'est bien reçu. Et pour l'avoir ?") == 250
        reply = box.locator("li[data-direction=in]")
        expect(reply).to_have_count(1)
        expect(reply).to_contain_text("Merci, c'est bien reçu. Et pour l'avoir ?")
        expect(reply).to_contain_text(f"Réponse du client ({SHOPPER})")
        assert "a écrit" not in reply.inner_text() and "Bien à vous" not in reply.inner_text()
        # The ticket waits for an agent again, with its promised time.
        back = agent.locator(f'#queue button[data-ticket="{number}"]')
        expect(back).to_have_count(1)
        expect(back).to_contain_text("réponse promise avant le")
        assert_no_codes(agent)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        agent.screenshot(path=str(SCREENSHOTS / "console-offline-email.png"))
    finally:
        agent_context.close()
