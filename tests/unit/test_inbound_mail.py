"""Shoppers' e-mail replies back into their ticket: reading them, and the desk's receiver.

The reading is checked on e-mails as mail programs write them (Gmail's wrapped
« Le … a écrit : », Apple Mail's non-breaking spaces, Outlook's « De : » block, HTML
only, broken MIME). The receiver is the desk's real aiosmtpd server on a loopback port,
on a real database (SQLite and PostgreSQL); the tests talk SMTP to it with ``smtplib``,
as the shop's mail server would, and read the SMTP replies it gives.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage

import pytest
from sqlalchemy import update

from comptoir.desk.mail import inbound
from comptoir.desk.mail.inbound import InboundServer, ReplyDesk
from comptoir.desk.mail.replies import html_to_text, parse, read_reply, strip_quotes, thread_ids
from comptoir.desk.promise import Promise
from comptoir.desk.retention import PurgeReport, delete_from_desk, expired_offline_tickets
from comptoir.desk.schema import upgrade_schema
from comptoir.desk.store import Conversation, ConversationStore
from comptoir.desk.ticket_mail import TicketMailStore
from comptoir.desk.tickets import Ticket, TicketStore, TicketView
from comptoir.settings import Settings
from comptoir.stack import free_port

SHOP = "support@atelier-lumiere.example"
CARD = "4111 1111 1111 1111"  # passes the Luhn check

# ------------------------------------------------------------------ reading a reply


def test_the_thread_is_read_from_in_reply_to_then_references_newest_first():
    message = parse(
        b"In-Reply-To: <ticket-3.b@shop.example>\r\n"
        b"References: <ticket-3.a@shop.example>\r\n <ticket-3.b@shop.example>\r\n\r\nOk"
    )
    assert thread_ids(message) == ["<ticket-3.b@shop.example>", "<ticket-3.a@shop.example>"]
    only_references = EmailMessage()
    only_references["References"] = "<x@y> <ticket-3.a@shop.example>"
    assert thread_ids(only_references) == ["<ticket-3.a@shop.example>", "<x@y>"]
    assert thread_ids(EmailMessage()) == []


FRENCH_GMAIL = """Bonjour,

Merci, l'adresse est bien 12 rue des Lilas.

Cordialement,
Léa

Le lun. 3 juin 2024 à 10:00, Atelier Lumière <
support@atelier-lumiere.example> a écrit :

> Bonjour,
> Nous avons corrigé votre facture.
"""
FRENCH_APPLE = (
    "Parfait, merci !\n\nEnvoyé depuis mon iPhone\n\n"
    "Le 3 juin 2024 à 10:00, Atelier Lumière <support@atelier-lumiere.example>"
    " a\u00a0écrit\u00a0:\n\n> Bonjour\n"
)
ENGLISH = """Thanks, that works.

On Mon, 3 Jun 2024 at 10:00, Atelier Lumière <support@atelier-lumiere.example> wrote:
> Hello,
> We fixed your invoice.
"""
QUOTE_FR = "Le lun. 3 juin 2024 à 10:00, Atelier <support@atelier-lumiere.example> a écrit :"
FRENCH_SIGNED = f"Merci, c'est reçu.\n\nBien à vous,\nLéa\n\n{QUOTE_FR}\n> Bonjour\n"
ENGLISH_SIGNED = "Thanks!\n\nKind regards,\nJames Wilson\n07700 900123\n\n" + ENGLISH[21:]
OUTLOOK = """D'accord, je garde le colis.

-------- Message d'origine --------
De : Atelier Lumière <support@atelier-lumiere.example>
Envoyé : lundi 3 juin 2024 10:00
Objet : Re : votre demande n° 12

Bonjour,
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FRENCH_GMAIL, "Bonjour,\n\nMerci, l'adresse est bien 12 rue des Lilas."),
        (FRENCH_APPLE, "Parfait, merci !"),
        (ENGLISH, "Thanks, that works."),
        (OUTLOOK, "D'accord, je garde le colis."),
        (FRENCH_SIGNED, "Merci, c'est reçu."),
        (ENGLISH_SIGNED, "Thanks!"),
    ],
    ids=["gmail-fr-wrapped", "apple-fr-nbsp", "en", "outlook-fr", "fr-sign-off", "en-sign-off"],
)
def test_quoted_text_and_signatures_are_cut(text: str, expected: str):
    assert strip_quotes(text) == expected


def test_a_list_in_the_reply_is_not_taken_for_a_signature():
    text = "Il manque :\n- 2 pulls\n- 1 écharpe\n\nOn Mon, 3 Jun, Shop <a@b.fr> wrote:\n> hi"
    assert strip_quotes(text) == "Il manque :\n- 2 pulls\n- 1 écharpe"


def test_answers_written_between_the_quoted_lines_are_kept_without_the_quotes():
    text = (
        "Le lun. 3 juin 2024 à 10:00, Atelier <a@b.fr> a écrit :\n"
        "> Quelle taille ?\nDu M.\n> Quelle couleur ?\nBleu.\n"
    )
    assert strip_quotes(text) == "Du M.\nBleu."


def test_an_html_only_reply_becomes_text_without_markup_scripts_or_the_quote():
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>Bonjour,<br>le colis est <b>arrivé</b> &amp; ouvert.</p>"
        '<div class="gmail_quote">Le 3 juin, Atelier a écrit :<blockquote>Bonjour'
        "</blockquote></div></body></html>"
    )
    assert html_to_text(html) == "Bonjour,\nle colis est arrivé & ouvert."


def raw_reply(
    body: str = "Merci, c'est noté.",
    *,
    sender: str = "Léa Martin <lea@example.fr>",
    in_reply_to: str | None = None,
    references: str | None = None,
    message_id: str = "<reply-1@mail.example.fr>",
    html: bool = False,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "reponses@atelier-lumiere.example"
    message["Subject"] = "Re : votre demande n° 12"
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    if html:
        message.set_content(body, subtype="html")
    else:
        message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)  # CRLF line ends, as on the wire


def test_a_card_number_in_a_reply_is_masked_and_the_sender_compared_without_case():
    raw = raw_reply(f"Voici ma carte {CARD} pour le remboursement.", sender="LEA@Example.fr")
    reply = read_reply(raw, contact_email="lea@example.fr", language="fr")
    assert CARD not in reply.text and "[numéro de carte masqué]" in reply.text
    assert reply.sender_matches and reply.sender == "lea@example.fr"
    assert not reply.automatic
    assert reply.message_id == "<reply-1@mail.example.fr>"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00 not an e-mail at all \x00\x01",
        b'From: \xe9\xe9\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
        b"Content-Type: text/plain; charset=klingon\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@\r\n",
        b"Content-Type: text/html; charset=utf-8\r\nIn-Reply-To: <<<>>>\r\n\r\n<p><b>unclosed",
    ],
    ids=["empty", "binary", "broken-multipart", "broken-html"],
)
def test_malformed_mail_is_read_without_raising(raw: bytes):
    reply = read_reply(raw, contact_email="lea@example.fr", language="fr")
    assert isinstance(reply.text, str)
    assert reply.message_id.startswith("<")
    assert thread_ids(parse(raw)) == []


# ------------------------------------------------------------------ the receiver


@dataclass
class Receiver:
    """A desk's receiver on a real database, and what it told the consoles."""

    port: int
    settings: Settings
    tickets: TicketStore
    mails: TicketMailStore
    store: ConversationStore
    server: InboundServer
    told: list[tuple[str, TicketView]] = field(default_factory=list)

    async def offline_ticket(self, email: str = "lea@example.fr") -> tuple[TicketView, str]:
        """An offline ticket answered once by e-mail: ``(ticket, our Message-ID)``."""
        ticket = await self.new_offline_ticket(email)
        ours = await self.record_answer(ticket.id)
        answered = await self.mails.answered(ticket.id, (await self.mails.thread(ticket.id))[-1].id)
        assert answered is not None and answered.status == "answered"
        return answered, ours

    async def new_offline_ticket(self, email: str = "lea@example.fr") -> TicketView:
        """An out-of-hours request nobody answered yet."""
        conversation = f"t-{uuid.uuid4().hex[:16]}"
        await self.store.append(conversation, "shopper", "je veux un conseiller", language="fr")
        ticket, _ = await self.tickets.open(conversation, "shopper_request", status="collecting")
        offline = await self.tickets.collect(ticket.id, email=email, request="Ma facture.")
        assert offline is not None and offline.status == "offline"
        return offline

    async def record_answer(self, ticket_id: int, key: str = "k") -> str:
        """An agent's answer kept in the thread (not yet marked ``answered``): its
        Message-ID."""
        ours = f"<ticket-{ticket_id}.{key}0123456789abcdef@atelier-lumiere.example>"
        await self.mails.start_answer(
            ticket_id,
            dedupe_key=f"{ticket_id}:{key}",
            message_id=ours,
            agent_name="Inès",
            text="Ok",
        )
        return ours

    async def send(self, raw: bytes, rcpt: str = "reponses@atelier-lumiere.example") -> tuple:
        """Send over SMTP as a mail server would: ``(code, text)`` of the DATA reply."""

        def deliver() -> tuple[int, str]:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as client:
                client.ehlo("mx.example.fr")
                client.mail("lea@example.fr")
                client.rcpt(rcpt)
                code, text = client.data(raw)
                return code, text.decode()

        return await asyncio.to_thread(deliver)


@pytest.fixture
async def receiver(desk_url: str) -> AsyncIterator[Receiver]:
    await upgrade_schema(desk_url)
    store = ConversationStore(desk_url)
    port = free_port()
    settings = Settings(
        inbound_mail="smtp",
        inbound_smtp_port=port,
        inbound_max_bytes=20_000,
        mail_from=f"Atelier Lumière <{SHOP}>",
    )
    tickets = TicketStore(store.sessions, Promise.from_settings(settings))
    mails = TicketMailStore(store.sessions, tickets)
    told: list[tuple[str, TicketView]] = []
    desk = ReplyDesk(mails, tickets, lambda kind, ticket: told.append((kind, ticket)))
    server = InboundServer(settings, desk)
    await server.start()
    assert server.receiving
    yield Receiver(port, settings, tickets, mails, store, server, told)
    await server.stop()
    await store.close()


async def test_a_reply_by_in_reply_to_joins_its_ticket_which_waits_for_an_agent_again(receiver):
    ticket, ours = await receiver.offline_ticket()
    before = datetime.now(UTC)
    code, text = await receiver.send(raw_reply(FRENCH_GMAIL, in_reply_to=ours))
    assert code == 250, text
    thread = await receiver.mails.thread(ticket.id)
    assert [m.direction for m in thread] == ["out", "in"]
    reply = thread[-1]
    assert reply.text == "Bonjour,\n\nMerci, l'adresse est bien 12 rue des Lilas."
    assert reply.author == "lea@example.fr" and reply.sender_matches
    again = await receiver.tickets.get(ticket.id)
    assert again.status == "offline"
    assert again.due_at is not None and datetime.fromisoformat(again.due_at) > before
    assert ticket.id in [t.id for t in await receiver.tickets.queue()]
    assert [(kind, t.id, t.status) for kind, t in receiver.told] == [
        ("ticket_reply", ticket.id, "offline")
    ]


async def test_a_reply_naming_our_e_mail_only_in_references_is_threaded(receiver):
    ticket, ours = await receiver.offline_ticket()
    references = f"<first@mail.example.fr> {ours}"
    code, _ = await receiver.send(raw_reply(ENGLISH, references=references))
    assert code == 250
    assert (await receiver.mails.thread(ticket.id))[-1].text == "Thanks, that works."


async def test_a_message_answering_none_of_our_e_mails_is_refused_with_a_550(receiver):
    ticket, _ = await receiver.offline_ticket()
    guessed = f"<ticket-{ticket.id}.ffffffffffffffff@atelier-lumiere.example>"
    for raw in (raw_reply(), raw_reply(in_reply_to=guessed)):
        code, text = await receiver.send(raw)
        assert code == 550
        assert "answers none of our e-mails" in text
        assert "ne suit aucun de nos e-mails" in text
    assert len(await receiver.mails.thread(ticket.id)) == 1
    assert (await receiver.tickets.get(ticket.id)).status == "answered"


async def test_a_message_over_the_size_limit_gets_a_552_and_changes_nothing(receiver):
    ticket, ours = await receiver.offline_ticket()
    big = raw_reply("Photo du colis :\n" + ("x" * 76 + "\n") * 400, in_reply_to=ours)
    assert len(big) > receiver.settings.inbound_max_bytes
    code, text = await receiver.send(big)
    assert code == 552, text
    assert "too large" in text and "trop lourd" in text
    assert len(await receiver.mails.thread(ticket.id)) == 1
    # The receiver is still there for the next message.
    assert (await receiver.send(raw_reply(in_reply_to=ours)))[0] == 250


async def test_a_reply_from_another_address_is_kept_but_flagged_for_the_agent(receiver):
    ticket, ours = await receiver.offline_ticket()
    raw = raw_reply(
        "C'est Léa, depuis mon adresse pro.", sender="l.martin@travail.example", in_reply_to=ours
    )
    assert (await receiver.send(raw))[0] == 250
    reply = (await receiver.mails.thread(ticket.id))[-1]
    assert reply.author == "l.martin@travail.example" and not reply.sender_matches
    # A person must read it: the ticket is back; answers still go to the address given.
    again = await receiver.tickets.get(ticket.id)
    assert again.status == "offline" and again.contact_email == "lea@example.fr"


async def test_an_out_of_office_is_kept_but_does_not_reopen_the_ticket(receiver):
    ticket, ours = await receiver.offline_ticket()
    raw = raw_reply(
        "Je suis absente jusqu'au 10 juin.",
        in_reply_to=ours,
        headers={"Auto-Submitted": "auto-replied"},
    )
    assert (await receiver.send(raw))[0] == 250
    reply = (await receiver.mails.thread(ticket.id))[-1]
    assert reply.automatic
    assert (await receiver.tickets.get(ticket.id)).status == "answered"


async def test_a_reply_arriving_while_the_answer_is_recorded_keeps_the_ticket_in_the_queue(
    receiver,
):
    """The reply lands between the answer being kept and the ticket being marked
    answered: it finds the ticket still ``offline`` and reopens nothing, so marking it
    answered then would hide the reply from every agent."""
    ticket = await receiver.new_offline_ticket()
    ours = await receiver.record_answer(ticket.id)
    answer_id = (await receiver.mails.thread(ticket.id))[-1].id
    assert (await receiver.send(raw_reply(in_reply_to=ours)))[0] == 250
    assert (await receiver.tickets.get(ticket.id)).status == "offline"
    stays = await receiver.mails.answered(ticket.id, answer_id)
    assert stays.status == "offline"
    assert ticket.id in [t.id for t in await receiver.tickets.queue()]
    # An answer written once the agent could read that reply does take the ticket out.
    await receiver.record_answer(ticket.id, "second")
    latest = (await receiver.mails.thread(ticket.id))[-1]
    assert latest.direction == "out" and latest.id > answer_id
    assert (await receiver.mails.answered(ticket.id, latest.id)).status == "answered"


async def test_an_automatic_reply_does_not_keep_an_answered_ticket_in_the_queue(receiver):
    ticket, _ = await receiver.offline_ticket()
    ours = await receiver.record_answer(ticket.id, "again")
    answer_id = (await receiver.mails.thread(ticket.id))[-1].id
    out_of_office = raw_reply(
        "Absente.", in_reply_to=ours, headers={"Auto-Submitted": "auto-replied"}
    )
    assert (await receiver.send(out_of_office))[0] == 250
    assert (await receiver.mails.answered(ticket.id, answer_id)).status == "answered"


async def test_an_offline_ticket_is_resolved_not_handed_back_and_a_reply_reopens_it(receiver):
    waiting, _ = await receiver.offline_ticket()
    ticket, ours = await receiver.offline_ticket()
    fresh = await receiver.new_offline_ticket()
    # Nobody is in the chat to hand it to: any agent may resolve it, nobody hand it back.
    for offline in (waiting, fresh):
        assert not await receiver.tickets.close(offline.id, 42, "handed_back")
    assert (await receiver.tickets.get(fresh.id)).status == "offline"
    assert (await receiver.tickets.get(waiting.id)).status == "answered"
    assert await receiver.tickets.close(ticket.id, 42, "resolved")
    assert ticket.id not in [t.id for t in await receiver.tickets.queue()]
    assert (await receiver.send(raw_reply("Finalement, une question.", in_reply_to=ours)))[0] == 250
    back = await receiver.tickets.get(ticket.id)
    assert back.status == "offline"
    assert ticket.id in [t.id for t in await receiver.tickets.queue()]
    async with receiver.store.sessions() as session:
        assert (await session.get(Ticket, ticket.id)).closed_at is None


async def test_the_same_message_delivered_twice_is_kept_once(receiver):
    ticket, ours = await receiver.offline_ticket()
    raw = raw_reply(in_reply_to=ours, message_id="<twice@mail.example.fr>")
    first = await receiver.send(raw)
    second = await receiver.send(raw)
    assert first[0] == second[0] == 250
    assert "already" in second[1]
    assert len(await receiver.mails.thread(ticket.id)) == 2


async def test_malformed_mime_on_a_known_thread_is_kept_and_the_receiver_goes_on(receiver):
    ticket, ours = await receiver.offline_ticket()
    broken = (
        f"From: lea@example.fr\r\nIn-Reply-To: {ours}\r\nMessage-ID: <broken@x>\r\n"
        'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/html; charset=no-such-charset\r\n\r\n"
        "<p>Le colis est arriv\xe9 <b>ab\xeem\xe9"
    ).encode("latin-1")
    code, _ = await receiver.send(broken)
    assert code == 250
    kept = (await receiver.mails.thread(ticket.id))[-1]
    assert "Le colis est arriv" in kept.text and "<" not in kept.text
    html_only = raw_reply(
        "<p>Merci <script>alert(1)</script>beaucoup !</p>",
        in_reply_to=ours,
        html=True,
        message_id="<html@x>",
    )
    assert (await receiver.send(html_only))[0] == 250
    assert (await receiver.mails.thread(ticket.id))[-1].text == "Merci beaucoup !"


async def test_only_one_process_receives_and_another_takes_over_when_it_stops(
    receiver, monkeypatch
):
    monkeypatch.setattr(inbound, "RETRY_BIND_S", 0.2)
    desk = ReplyDesk(receiver.mails, receiver.tickets, lambda *_: None)
    second = InboundServer(receiver.settings, desk)
    await second.start()
    try:
        assert receiver.server.receiving and not second.receiving
        await receiver.server.stop()
        for _ in range(50):
            if second.receiving:
                break
            await asyncio.sleep(0.1)
        assert second.receiving
        ticket, ours = await receiver.offline_ticket()
        assert (await receiver.send(raw_reply(in_reply_to=ours)))[0] == 250
        assert len(await receiver.mails.thread(ticket.id)) == 2
    finally:
        await second.stop()


async def test_retention_counts_a_reply_as_activity_and_purges_the_thread_with_the_ticket(
    receiver,
):
    ticket, ours = await receiver.offline_ticket()
    assert (await receiver.send(raw_reply(in_reply_to=ours)))[0] == 250
    long_ago = datetime.now(UTC) - timedelta(days=200)
    async with receiver.store.sessions.begin() as session:
        await session.execute(
            update(Ticket).where(Ticket.id == ticket.id).values(created_at=long_ago)
        )
        await session.execute(
            update(Conversation)
            .where(Conversation.id == ticket.conversation_id)
            .values(updated_at=long_ago)
        )
    sessions = receiver.store.sessions
    # The shopper wrote yesterday: a person owes them an answer, the chat is kept.
    assert ticket.conversation_id not in await expired_offline_tickets(sessions, 90)
    # Once it is all old, the conversation goes, and its e-mails with it.
    assert ticket.conversation_id in await expired_offline_tickets(sessions, 0)
    await delete_from_desk(sessions, [ticket.conversation_id], PurgeReport())
    assert await receiver.mails.thread(ticket.id) == []
