"""Offline tickets answered by e-mail, replies threaded back, transcripts on request.

A real ``comptoir desk`` process runs with its SMTP settings pointing at
``tests.smtp_sink`` and its own inbound SMTP port; an agent signs in to its console
API, the test writes the conversations and tickets into the desk's database (as the
routing would), and reads what the sink received. SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import logging
import os
import smtplib
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.policy import SMTP

import httpx
import pytest
from sqlalchemy import text as sql

from comptoir.desk.mail.message import OutgoingMail
from comptoir.desk.mail.outbox import Outbox
from comptoir.desk.promise import Promise
from comptoir.desk.schema import upgrade_schema
from comptoir.desk.store import ConversationStore
from comptoir.desk.ticket_mail import TicketMailStore
from comptoir.desk.ticket_mail_api import queue_answer
from comptoir.desk.tickets import TicketStore, TicketView
from comptoir.message_kinds import ORDER_STATUS
from comptoir.settings import Settings
from comptoir.shop.demo import seed
from comptoir.stack import free_port, random_secrets
from tests.conftest import new_postgres_database
from tests.e2e.test_handoff import Console, add_agent
from tests.mail_fixtures import SmtpSink
from tests.stack_fixtures import start_desk, wait_for_health

CARD = "4111 1111 1111 1111"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('desk') / 'desk.db'}"
        return
    with new_postgres_database() as url:
        yield url


@dataclass
class RunningDesk:
    url: str
    env: dict[str, str]
    sink: SmtpSink
    inbound_port: int


@pytest.fixture(scope="module")
def desk_process(database, tmp_path_factory) -> Iterator[RunningDesk]:
    """A desk sending to its SMTP sink and receiving replies on its own port."""
    folder = tmp_path_factory.mktemp("ticket-mail")
    sink = SmtpSink(free_port(), folder / "maildir", folder / "tempfail").start()
    (folder / "run").mkdir(mode=0o700)
    seed(f"sqlite:///{folder / 'run' / 'shop.db'}")
    port, inbound = free_port(), free_port()
    env = {
        **os.environ,
        **random_secrets(),
        "COMPTOIR_DEMO_MODE": "0",
        "COMPTOIR_RUN_DIR": str(folder / "run"),
        "COMPTOIR_DESK_DATABASE_URL": database,
        "COMPTOIR_SMTP_HOST": "127.0.0.1",
        "COMPTOIR_SMTP_PORT": str(sink.port),
        "COMPTOIR_SMTP_SECURITY": "none",
        "COMPTOIR_MAIL_FROM": "Atelier Lumière <support@atelier-lumiere.example>",
        "COMPTOIR_MAIL_REPLY_TO": "reponses@atelier-lumiere.example",
        "COMPTOIR_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "COMPTOIR_MAIL_POLL_S": "0.3",
        "COMPTOIR_MAIL_MAX_ATTEMPTS": "2",
        "COMPTOIR_INBOUND_MAIL": "smtp",
        "COMPTOIR_INBOUND_SMTP_PORT": str(inbound),
        # Each test asks for transcripts from a client address of its own (X-Forwarded-For).
        "COMPTOIR_TRUSTED_PROXIES": '["127.0.0.1"]',
        "COMPTOIR_LIMIT_TRANSCRIPTS_PER_ADDRESS_PER_DAY": "4",
    }
    process = start_desk(port, env, log=folder / "desk.log")
    url = f"http://127.0.0.1:{port}"
    try:
        started = wait_for_health(url, 60, healthy=False, process=process)
        assert started, (folder / "desk.log").read_text()
        yield RunningDesk(url, env, sink, inbound)
    finally:
        process.terminate()
        process.wait(timeout=20)
        sink.stop()


@pytest.fixture(scope="module")
def agent(desk_process) -> Console:
    return Console(desk_process.url, add_agent(desk_process.env, "Inès"))


@dataclass
class Desk:
    """The running desk, and its database as the routing would write it."""

    process: RunningDesk
    store: ConversationStore
    tickets: TicketStore
    mails: TicketMailStore
    client: str  # the shopper's client address (this test's own)

    @property
    def sink(self) -> SmtpSink:
        return self.process.sink

    async def conversation(self, *lines: tuple[str, str, dict], language: str = "fr") -> str:
        conversation = f"t-{uuid.uuid4().hex[:12]}"
        for sender, text, custom in lines:
            await self.store.append(
                conversation, sender, text, language=language, payload={"custom": custom}
            )
        return conversation

    async def offline_ticket(
        self, email: str = "lea@example.fr", language: str = "fr", request: str = ""
    ) -> TicketView:
        """An out-of-hours request, as ``routing._collect`` leaves it."""
        conversation = await self.conversation(
            ("shopper", "je veux parler à un conseiller", {}),
            ("bot", "Nos conseillers ne sont pas disponibles pour le moment.", {}),
            language=language,
        )
        ticket, _ = await self.tickets.open(
            conversation, "shopper_request", language=language, status="collecting"
        )
        request = request or "Ma facture porte une mauvaise adresse, pouvez-vous la corriger ?"
        done = await self.tickets.collect(ticket.id, email=email, request=request)
        assert done is not None and done.status == "offline"
        return done

    def token(self, conversation: str) -> str:
        from comptoir.desk.conversation_tokens import token_for

        return token_for(self.process.env["COMPTOIR_CONVERSATION_SECRET"], conversation)

    def transcript(
        self, conversation: str, token: str | None = None, client: str | None = None
    ) -> httpx.Response:
        return httpx.post(
            f"{self.process.url}/api/conversations/{conversation}/transcript",
            headers={
                "X-Conversation-Token": token or self.token(conversation),
                "X-Forwarded-For": client or self.client,
            },
            timeout=30,
        )

    async def verified_chat(self, number: str, language: str = "fr") -> str:
        """A chat where the bot answered the status of order ``number`` (after proof)."""
        return await self.conversation(
            ("shopper", f"Où en est ma commande {number} ?", {}),
            (
                "bot",
                f"Votre commande {number} est payée.",
                {"kind": ORDER_STATUS, "order_number": number},
            ),
            language=language,
        )


CLIENTS = itertools.count(1)


@pytest.fixture
async def desk(desk_process, database) -> AsyncIterator[Desk]:
    await upgrade_schema(database)
    store = ConversationStore(database)
    tickets = TicketStore(store.sessions, Promise())
    n = next(CLIENTS)
    client = f"198.51.{n // 250}.{n % 250 + 1}"
    yield Desk(desk_process, store, tickets, TicketMailStore(store.sessions, tickets), client)
    await store.close()


def answer(agent: Console, ticket_id: int, text: str, request_id: str | None = None):
    body = {"text": text} | ({"request_id": request_id} if request_id else {})
    return agent.post(f"/tickets/{ticket_id}/email", body)


def to(sink: SmtpSink, address: str, count: int = 1, timeout_s: float = 20) -> list:
    """What ``address`` received, once it has ``count`` messages (or after the wait)."""
    found: list = []
    for _ in range(int(timeout_s * 10)):
        found = [m for m in sink.messages() if m["To"].addresses[0].addr_spec == address]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    return found


def delivery(agent: Console, ticket_id: int, wanted: str, timeout_s: float = 20) -> list[dict]:
    """The thread once its last answer's delivery is ``wanted`` (or after the wait)."""
    emails: list[dict] = []
    for _ in range(int(timeout_s * 10)):
        emails = agent.http.get(f"/console/api/tickets/{ticket_id}/emails").json()["emails"]
        if [m for m in emails if m["direction"] == "out"][-1].get("delivery") == wanted:
            break
        time.sleep(0.1)
    return emails


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def reply_to(desk: Desk, message, text: str, sender: str, **headers: str) -> tuple[int, str]:
    """The shopper answers ``message`` from their mail program, through the shop's
    mail server to the desk's inbound port."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "reponses@atelier-lumiere.example"
    mail["Subject"] = "Re: " + message["Subject"]
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example.fr>"
    mail["In-Reply-To"] = message["Message-ID"]
    mail["References"] = message["Message-ID"]
    for name, value in headers.items():
        mail[name] = value
    quoted = "\n".join("> " + line for line in body(message).splitlines())
    mail.set_content(f"{text}\n\nLe lun. 3 juin 2024, Atelier Lumière a écrit :\n{quoted}\n")
    with smtplib.SMTP("127.0.0.1", desk.process.inbound_port, timeout=10) as client:
        client.ehlo("mx.example.fr")
        client.mail(sender)
        client.rcpt("reponses@atelier-lumiere.example")
        code, answer_text = client.data(mail.as_bytes(policy=SMTP))
    return code, answer_text.decode()


# ------------------------------------------------------------------ answering by e-mail


async def test_an_agent_answers_an_offline_request_and_the_shopper_receives_it(desk, agent):
    ticket = await desk.offline_ticket("lea@example.fr")
    text = "Bonjour Léa,\n\nC'est corrigé : la facture <b>rectifiée</b> est dans votre espace."
    sent = answer(agent, ticket.id, text, "click-" + uuid.uuid4().hex[:8])
    assert sent.status_code == 200, sent.text
    assert sent.json()["ticket"]["status"] == "answered"
    assert ticket.id not in [
        t["id"] for t in agent.http.get("/console/api/tickets").json()["tickets"]
    ]

    (mail,) = to(desk.sink, "lea@example.fr")
    assert mail["Subject"] == f"Re : votre demande n° {ticket.id} – Atelier Lumière"
    assert mail["Content-Language"] == "fr"
    assert mail["Reply-To"] == "reponses@atelier-lumiere.example"
    assert mail["Message-ID"].startswith(f"<ticket-{ticket.id}.")
    assert mail["In-Reply-To"] is None  # the first e-mail of the thread
    plain = body(mail)
    assert "C'est corrigé : la facture <b>rectifiée</b>" in plain
    assert "> Ma facture porte une mauvaise adresse" in plain  # the request, quoted
    assert "Inès, pour le service client" in plain
    assert "&lt;b&gt;rectifiée&lt;/b&gt;" in html(mail)  # the agent's text never becomes markup

    emails = delivery(agent, ticket.id, "sent")
    assert [(m["direction"], m["author"], m["delivery"]) for m in emails] == [
        ("out", "Inès", "sent")
    ]
    assert "message_id" not in emails[0]


async def test_a_double_click_sends_one_e_mail(desk, agent):
    ticket = await desk.offline_ticket("paul@example.fr")
    click = "click-" + uuid.uuid4().hex[:8]
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda _: answer(agent, ticket.id, "Votre colis part demain.", click), range(4)
            )
        )
    assert [a.status_code for a in answers] == [200] * 4
    assert sorted(a.json()["duplicate"] for a in answers) == [False, True, True, True]
    # Without a request id, the same words to the same ticket are one answer too.
    assert answer(agent, ticket.id, "Votre colis part demain.").json()["duplicate"] is False
    assert answer(agent, ticket.id, "Votre colis part demain.").json()["duplicate"] is True
    time.sleep(2)  # the worker polls every 0.3 s: a second e-mail would be there by now
    assert len(to(desk.sink, "paul@example.fr", 3, timeout_s=1)) == 2
    assert len(await desk.mails.thread(ticket.id)) == 2


async def test_an_english_request_is_answered_in_english(desk, agent):
    ticket = await desk.offline_ticket(
        "james@example.co.uk", "en", "My invoice has the wrong address."
    )
    assert answer(agent, ticket.id, "Fixed: the new invoice is in your account.").status_code == 200
    (mail,) = to(desk.sink, "james@example.co.uk")
    assert mail["Subject"] == f"Re: your request no. {ticket.id} – Atelier Lumière"
    assert mail["Content-Language"] == "en"
    plain = body(mail)
    assert plain.startswith("Hello,") and "Your message:" in plain
    assert "> My invoice has the wrong address." in plain
    assert "You can simply reply to this e-mail" in plain


async def test_the_reply_comes_back_and_the_next_answer_continues_the_thread(desk, agent):
    ticket = await desk.offline_ticket("chloe@example.fr")
    assert answer(agent, ticket.id, "Quelle adresse souhaitez-vous ?").status_code == 200
    (first,) = to(desk.sink, "chloe@example.fr")
    code, text = reply_to(
        desk, first, "Le 4 rue Neuve, 33000 Bordeaux.", "Chloé <chloe@example.fr>"
    )
    assert code == 250, text
    detail = agent.http.get(f"/console/api/tickets/{ticket.id}").json()["ticket"]
    assert detail["status"] == "offline" and detail["due_at"]
    assert ticket.id in [t["id"] for t in agent.http.get("/console/api/tickets").json()["tickets"]]
    emails = agent.http.get(f"/console/api/tickets/{ticket.id}/emails").json()["emails"]
    assert [(m["direction"], m["text"]) for m in emails][-1] == (
        "in",
        "Le 4 rue Neuve, 33000 Bordeaux.",
    )
    assert emails[-1]["sender_matches"] and "delivery" not in emails[-1]

    assert answer(agent, ticket.id, "C'est noté, merci !").status_code == 200
    # Delivered within a second of the first: the sink's order is not theirs.
    (second,) = [
        m for m in to(desk.sink, "chloe@example.fr", 2) if m["Message-ID"] != first["Message-ID"]
    ]
    references = second["References"].split()
    assert references[0] == first["Message-ID"]
    assert second["In-Reply-To"] == references[-1] != first["Message-ID"]  # the shopper's reply
    assert "> Le 4 rue Neuve, 33000 Bordeaux." in body(second)  # their last words, quoted


async def test_a_refused_address_is_shown_as_refused(desk, agent):
    ticket = await desk.offline_ticket("rejected@example.fr")
    assert answer(agent, ticket.id, "Bonjour, voici la réponse.").status_code == 200
    emails = delivery(agent, ticket.id, "rejected")
    assert emails[-1]["delivery"] == "rejected" and emails[-1]["error_kind"] == "rejected"


async def test_only_an_offline_request_is_answered_by_e_mail_and_only_by_an_agent(desk, agent):
    conversation = await desk.conversation(("shopper", "un conseiller svp", {}))
    live, _ = await desk.tickets.open(conversation, "shopper_request")
    refused = answer(agent, live.id, "Bonjour")
    assert refused.status_code == 409 and refused.json()["error"] == "not_by_email"
    ticket = await desk.offline_ticket()
    assert answer(agent, ticket.id, "   ").status_code == 400
    assert answer(agent, ticket.id, "x" * 5001).status_code == 400
    assert answer(agent, ticket.id, "Bonjour", "bad id!").status_code == 400
    assert answer(agent, 999_999, "Bonjour").status_code == 404
    no_csrf = agent.http.post(f"/console/api/tickets/{ticket.id}/email", json={"text": "Bonjour"})
    assert no_csrf.status_code == 403
    stranger = httpx.post(
        f"{desk.process.url}/console/api/tickets/{ticket.id}/email", json={"text": "Bonjour"}
    )
    assert stranger.status_code == 401
    assert await desk.mails.thread(ticket.id) == []


async def test_an_answered_request_is_resolved_not_handed_back_and_a_reply_reopens_it(desk, agent):
    ticket = await desk.offline_ticket("nina@example.fr")
    assert answer(agent, ticket.id, "Le remboursement est parti ce matin.").status_code == 200
    handed = agent.post(f"/tickets/{ticket.id}/hand-back")
    assert handed.status_code == 409  # nobody is in the chat to hand it to
    assert handed.json()["error"] == "resolve_instead"
    assert (await desk.tickets.get(ticket.id)).status == "answered"
    assert agent.post(f"/tickets/{ticket.id}/resolve").status_code == 200
    (mail,) = to(desk.sink, "nina@example.fr")
    code, text = reply_to(desk, mail, "Je ne le vois pas encore.", "nina@example.fr")
    assert code == 250, text
    queue = agent.http.get("/console/api/tickets").json()["tickets"]
    assert [t["status"] for t in queue if t["id"] == ticket.id] == ["offline"]


async def test_an_answer_is_not_swallowed_by_an_older_e_mail_s_key(desk, agent):
    """Row ids come back (SQLite reuses the highest one after a purge): an outbox row
    keyed by an old answer's id alone used to take the new answer's place, so it was
    marked answered and never sent."""
    ticket = await desk.offline_ticket("oscar@example.fr")
    async with desk.store.sessions() as session:
        next_id = await next_mail_id(session)
    old = OutgoingMail(
        to="someone-else@example.fr",
        language="fr",
        subject="Ancienne réponse",
        text="…",
        html="<p>…</p>",
        message_id=f"<old-{uuid.uuid4().hex}@atelier-lumiere.example>",
    )
    outbox = Outbox(desk.store.sessions, Settings())
    assert await outbox.enqueue(old, dedupe_key=f"ticket-answer:{next_id}", purpose="ticket_answer")
    sent = answer(agent, ticket.id, "Votre colis est reparti ce matin.")
    assert sent.status_code == 200, sent.text
    (mail,) = to(desk.sink, "oscar@example.fr")
    assert "Votre colis est reparti ce matin." in body(mail)
    assert sent.json()["email"]["id"] == next_id


async def test_an_answer_that_cannot_be_queued_is_logged_and_kept_out_of_the_thread(desk, caplog):
    """Should the answer's key still hold another e-mail, the agent must hear of it
    (HTTP 500 ``answer_not_queued``, the ticket left in the queue) rather than believe
    it left: ``queue_answer`` says so and logs it, and the row is dropped so that
    sending again records it afresh."""
    ticket = await desk.offline_ticket("pia@example.fr")
    message_id = f"<ticket-{ticket.id}.{uuid.uuid4().hex[:16]}@atelier-lumiere.example>"
    row, _ = await desk.mails.start_answer(
        ticket.id,
        dedupe_key=f"{ticket.id}:k",
        message_id=message_id,
        agent_name="Inès",
        text="Bonjour",
    )
    mail = OutgoingMail(
        to="pia@example.fr",
        language="fr",
        subject="Re",
        text="Bonjour",
        html="<p>Bonjour</p>",
        message_id=message_id,
    )
    outbox = Outbox(desk.store.sessions, Settings())
    other = replace(mail, message_id=f"<other-{uuid.uuid4().hex}@atelier-lumiere.example>")
    key = f"ticket-answer:{ticket.id}:{message_id}"
    assert await outbox.enqueue(other, dedupe_key=key, purpose="ticket_answer")
    with caplog.at_level(logging.ERROR, logger="comptoir.desk.ticket_mail"):
        assert await queue_answer(outbox, desk.mails, ticket.id, row, mail) is None
    assert f"answer {row.id} of ticket {ticket.id} not queued" in caplog.text
    await desk.mails.forget_unqueued(row.id)
    assert await desk.mails.thread(ticket.id) == []
    assert (await desk.tickets.get(ticket.id)).status == "offline"


async def next_mail_id(session) -> int:
    """The id the next ticket e-mail will get (PostgreSQL's sequence, SQLite's rowid)."""
    if session.bind.dialect.name == "postgresql":
        last, called = (
            await session.execute(sql("select last_value, is_called from desk_ticket_mails_id_seq"))
        ).one()
        return last + 1 if called else last
    return (await session.scalar(sql("select coalesce(max(id), 0) from desk_ticket_mails"))) + 1


# ------------------------------------------------------------------ the transcript


async def test_no_transcript_without_an_address_the_desk_already_trusts(desk):
    conversation = await desk.conversation(
        ("shopper", "Où en est ma commande CMD-10007 ? mon e-mail est x@pirate.example", {}),
        (
            "bot",
            "Pour vérifier, donnez-moi l'e-mail de la commande.",
            {"order_number": "CMD-10007"},
        ),
    )
    refused = desk.transcript(conversation)
    assert refused.status_code == 409
    assert refused.json()["error"] == "no_trusted_address"
    assert "adresse dont nous savons déjà qu’elle est la vôtre" in refused.json()["message"]
    assert desk.transcript(conversation, token="forged").status_code == 403
    time.sleep(1)
    assert to(desk.sink, "x@pirate.example", timeout_s=0.5) == []


async def test_an_address_typed_for_an_offline_request_alone_gets_no_transcript(desk):
    """Anyone may type a stranger's address into the offline form: the shop's e-mail
    would then carry the typist's words to them. Until an agent has answered there,
    that address receives nothing."""
    ticket = await desk.offline_ticket("victime@example.fr", request="Bonjour, lisez ceci.")
    await desk.store.append(ticket.conversation_id, "shopper", "Texte choisi", language="fr")
    refused = desk.transcript(ticket.conversation_id)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "no_trusted_address"
    assert "une fois qu’un conseiller vous y a répondu" in refused.json()["message"]
    time.sleep(1)
    assert to(desk.sink, "victime@example.fr", timeout_s=0.5) == []


async def test_the_transcript_goes_to_the_order_proved_not_to_one_merely_named(desk):
    conversation = await desk.verified_chat("CMD-10006")  # Tom's, proved
    await desk.store.append(
        conversation,
        "bot",
        "Pour la commande CMD-10017, donnez-moi l'e-mail de la commande.",
        language="fr",
        payload={"custom": {"order_number": "CMD-10017"}},  # James's: named, never proved
    )
    sent = desk.transcript(conversation)
    assert sent.status_code == 200, sent.text
    assert "t•••@example.fr" in sent.json()["message"]
    assert len(to(desk.sink, "tom.bernard@example.fr")) == 1
    assert to(desk.sink, "james.wilson@example.co.uk", timeout_s=0.5) == []


async def test_one_address_gets_at_most_three_transcripts_a_day_whatever_the_chat(desk):
    """Conversations are free: without a cap per recipient, new chats would send one
    address as many e-mails as anyone likes. Each chat here comes from another client."""
    chats = [await desk.verified_chat("CMD-10017", "en") for _ in range(4)]
    answers = [desk.transcript(chat, client=f"203.0.113.{n}") for n, chat in enumerate(chats)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429], answers[-1].text
    refused = answers[-1]
    assert refused.json()["error"] == "too_many_transcripts"
    assert refused.json()["message"].startswith(
        "This address has already received several conversations today"
    )
    assert 0 < int(refused.headers["Retry-After"]) <= 86400
    time.sleep(1)
    assert len(to(desk.sink, "james.wilson@example.co.uk", 4, timeout_s=1)) == 3


async def test_one_client_address_asks_for_at_most_four_transcripts_a_day(desk, agent):
    addresses = [f"client{n}-{uuid.uuid4().hex[:6]}@example.fr" for n in range(5)]
    tickets = [await desk.offline_ticket(address) for address in addresses]
    for ticket in tickets:
        assert answer(agent, ticket.id, "Bonjour, voici notre réponse.").status_code == 200
    answers = [desk.transcript(ticket.conversation_id) for ticket in tickets]
    assert [a.status_code for a in answers] == [200] * 4 + [429], answers[-1].text
    assert "depuis votre connexion" in answers[-1].json()["message"]
    assert to(desk.sink, addresses[4], 2, timeout_s=2)[1:] == []  # the answer only


async def test_the_transcript_goes_to_the_verified_order_s_address_once(desk):
    note_free = "Note interne : client difficile"
    conversation = await desk.conversation(
        ("shopper", "Où en est ma commande CMD-10007 ?", {}),
        (
            "bot",
            "Votre commande CMD-10007 est payée.",
            {"kind": ORDER_STATUS, "order_number": "CMD-10007"},
        ),
        ("shopper", f"Ma carte {CARD} a été débitée deux fois", {}),
        ("shopper", "/request_human", {"label": "Parler à un conseiller"}),
    )
    ticket, _ = await desk.tickets.open(conversation, "shopper_request")
    await desk.tickets.add_note(ticket.id, "Inès", note_free)
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: desk.transcript(conversation), range(3)))
    assert [a.status_code for a in answers] == [200] * 3
    assert sorted(a.json()["duplicate"] for a in answers) == [False, True, True]
    assert "c•••@example.fr" in answers[0].json()["message"]

    (mail,) = to(desk.sink, "chloe.petit@example.fr")
    assert mail["Subject"].startswith("Votre conversation avec Atelier Lumière du ")
    plain = body(mail)
    assert "Vous : Où en est ma commande CMD-10007 ?" in plain
    assert "Assistant : Votre commande CMD-10007 est payée." in plain
    assert "Vous : Parler à un conseiller" in plain and "/request_human" not in plain
    assert CARD not in plain and "[numéro de carte masqué]" in plain
    assert note_free not in plain
    time.sleep(1)
    assert len(to(desk.sink, "chloe.petit@example.fr", 2, timeout_s=0.5)) == 1


async def test_an_offline_request_s_address_gets_the_transcript_once_an_agent_wrote_there(
    desk, agent
):
    ticket = await desk.offline_ticket(
        "marc@example.fr", "en", "Please call me back about my order."
    )
    await desk.store.append(ticket.conversation_id, "shopper", "thanks", language="en")
    refused = desk.transcript(ticket.conversation_id)
    assert refused.status_code == 409 and refused.json()["message"].startswith("I can only send")
    assert answer(agent, ticket.id, "We will call you tomorrow morning.").status_code == 200
    for n in range(3):
        await desk.store.append(ticket.conversation_id, "shopper", f"thanks {n}", language="en")
        sent = desk.transcript(ticket.conversation_id)
        assert sent.status_code == 200, sent.text
        assert sent.json()["message"].startswith("On its way: you will receive the conversation")
    await desk.store.append(ticket.conversation_id, "shopper", "one more", language="en")
    too_many = desk.transcript(ticket.conversation_id)
    assert too_many.status_code == 429
    assert "3 copies of this conversation today" in too_many.json()["message"]
    mails = to(desk.sink, "marc@example.fr", 4)
    transcripts = [m for m in mails if m["Subject"].startswith("Your conversation with")]
    assert len(mails) == 4 and len(transcripts) == 3
    assert transcripts[0]["Content-Language"] == "en"
    assert "You: Please call me back" not in body(transcripts[0])  # the ticket's text is no message
    assert "You: thanks 0" in body(transcripts[0])
