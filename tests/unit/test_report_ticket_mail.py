"""The owner's report on offline tickets answered by e-mail, on real databases (SQLite
and PostgreSQL), with the answers sent by the real worker to ``tests.smtp_sink`` (an
SMTP server process) and the reply read by the real receiver's code.

An answer counts as the first response once its e-mail has left (one the mail server
refused reached nobody); answering resolves nothing (only an agent does); and the
roll-up, which reads only what changed since its last pass, sees a sent answer and a
reply that reopens a resolved ticket even when every other timestamp is old.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import DateTime, select, update

from comptoir.desk.db import utc_now
from comptoir.desk.mail import ticket_wording as words
from comptoir.desk.mail.compose import compose
from comptoir.desk.mail.inbound import ReplyDesk
from comptoir.desk.mail.outbox import Outbox, OutboxMail
from comptoir.desk.mail.worker import MailWorker
from comptoir.desk.promise import Promise
from comptoir.desk.reports.rollup import refresh
from comptoir.desk.reports.tables import ReportTicket
from comptoir.desk.schema import upgrade_schema
from comptoir.desk.store import Conversation, ConversationStore, Message
from comptoir.desk.ticket_mail import TicketMail, TicketMailStore
from comptoir.desk.ticket_mail_api import queue_answer
from comptoir.desk.tickets import Ticket, TicketStore
from comptoir.settings import Settings

HOURS = Settings().business_hours


@dataclass
class World:
    store: ConversationStore
    tickets: TicketStore
    mails: TicketMailStore
    outbox: Outbox
    worker: MailWorker
    start: datetime  # when the offline requests were left: three hours ago

    async def offline_ticket(self, email: str) -> int:
        """A conversation and its offline ticket, nobody's answer yet."""
        conversation = f"r-{uuid.uuid4().hex[:12]}"
        await self.store.append(conversation, "shopper", "ma lampe est cassée", language="fr")
        ticket, _ = await self.tickets.open(conversation, "shopper_request", status="collecting")
        await self.tickets.collect(ticket.id, email=email, request="Ma lampe est cassée.")
        return ticket.id

    async def answer(
        self, ticket_id: int, text: str = "Nous vous envoyons une autre lampe."
    ) -> str:
        """An agent's answer, as the console route records and queues it."""
        ticket = await self.tickets.get(ticket_id)
        content = words.answer_content(
            language="fr", number=ticket_id, shop="Atelier", text=text, agent="Inès", quoted=""
        )
        mail = compose(
            self.outbox.settings,
            content,
            to=ticket.contact_email,
            language="fr",
            tag=f"ticket-{ticket_id}",
        )
        row, _ = await self.mails.start_answer(
            ticket_id,
            dedupe_key=f"{ticket_id}:x",
            message_id=mail.message_id,
            agent_name="Inès",
            text=text,
        )
        assert await queue_answer(self.outbox, self.mails, ticket_id, row, mail) is not None
        assert (await self.mails.answered(ticket_id, row.id)).status == "answered"
        return mail.message_id

    async def age(self, ticket_id: int, *, answered: timedelta, closed: timedelta) -> None:
        """Everything about the ticket happened long ago: the chat and the request at
        ``start``, its e-mails (and their sending) ``answered`` later, every other time
        of the ticket ``closed`` later; so only a new change can bring it to the
        roll-up's attention."""
        async with self.store.sessions.begin() as session:
            row = await session.get(Ticket, ticket_id)
            stamps = {
                column.name: self.start + closed
                for column in Ticket.__table__.columns
                if isinstance(column.type, DateTime) and getattr(row, column.name) is not None
            }
            await session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id)
                .values(**stamps | {"created_at": self.start})
            )
            for model in (Conversation, Message):
                key = Conversation.id if model is Conversation else Message.conversation_id
                times = {"created_at": self.start} | (
                    {"updated_at": self.start} if model is Conversation else {}
                )
                await session.execute(update(model).where(key == row.conversation_id).values(times))
            await session.execute(
                update(TicketMail)
                .where(TicketMail.ticket_id == ticket_id)
                .values(created_at=self.start + answered)
            )
            outbox = select(TicketMail.outbox_id).where(TicketMail.ticket_id == ticket_id)
            for column in ("created_at", "tried_at", "sent_at", "not_before"):
                await session.execute(
                    update(OutboxMail)
                    .where(OutboxMail.id.in_(outbox), getattr(OutboxMail, column).is_not(None))
                    .values({column: self.start + answered})
                )

    async def facts(self, ticket_id: int) -> ReportTicket:
        async with self.store.sessions() as session:
            return await session.scalar(
                select(ReportTicket).where(ReportTicket.ticket_id == ticket_id)
            )

    async def refresh(self) -> int:
        return await refresh(self.store.sessions, HOURS, HOURS.response_time_hours)


@pytest.fixture
async def world(desk_url: str, smtp_sink) -> AsyncIterator[World]:
    await upgrade_schema(desk_url)
    store = ConversationStore(desk_url)
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_security="none",
        smtp_timeout_s=5,
        mail_from="Atelier Lumière <support@atelier-lumiere.example>",
        mail_reply_to="reponses@atelier-lumiere.example",
        public_url="https://aide.atelier-lumiere.example",
        notify_quiet_hours="",
    )
    tickets = TicketStore(store.sessions, Promise.from_settings(settings))
    outbox = Outbox(store.sessions, settings)
    start = utc_now().replace(microsecond=0) - timedelta(hours=3)
    yield World(
        store, tickets, TicketMailStore(store.sessions, tickets), outbox, MailWorker(outbox), start
    )
    await store.close()


async def test_an_answer_the_mail_server_refused_is_no_first_response_and_resolves_nothing(
    world, smtp_sink
):
    ticket = await world.offline_ticket("rejected-lea@example.fr")  # the sink answers 550
    await world.answer(ticket)
    assert await world.worker.run_once() == 1
    async with world.store.sessions() as session:
        (status,) = await session.scalars(select(OutboxMail.status))
    assert status == "rejected"
    await world.refresh()
    facts = await world.facts(ticket)
    assert facts.offline
    assert facts.first_response_s is None, "the shopper never got that answer"
    assert facts.resolution_s is None, "an answer is not a resolution"


async def test_the_answer_counts_once_sent_and_the_roll_up_sees_it_leave(world, smtp_sink):
    ticket = await world.offline_ticket("lea@example.fr")
    smtp_sink.stop()  # the mail server is down when the agent answers
    await world.answer(ticket)
    assert await world.worker.run_once() == 1
    await world.age(ticket, answered=timedelta(hours=1), closed=timedelta(hours=1))
    await world.refresh()
    assert (await world.facts(ticket)).first_response_s is None, "still in the outbox"

    smtp_sink.start()
    async with world.store.sessions.begin() as session:  # its next try is due
        await session.execute(update(OutboxMail).values(not_before=utc_now()))
    assert await world.worker.run_once() == 1
    assert len(smtp_sink.wait_for(1)) == 1
    assert await world.refresh() == 1, "the sending is a change the roll-up must read"
    facts = await world.facts(ticket)
    async with world.store.sessions() as session:
        (sent_at,) = await session.scalars(select(OutboxMail.sent_at))
    assert sent_at is not None
    expected = (sent_at.replace(tzinfo=world.start.tzinfo) - world.start).total_seconds()
    assert facts.first_response_s == pytest.approx(expected, abs=1)
    assert facts.first_response_s > 3 * 3600 - 60  # when it left, not when it was written
    assert facts.resolution_s is None


async def test_a_reply_reopening_a_resolved_ticket_takes_its_resolution_out_of_the_report(
    world, smtp_sink
):
    ticket = await world.offline_ticket("lea@example.fr")
    ours = await world.answer(ticket)
    assert await world.worker.run_once() == 1
    assert await world.tickets.close(ticket, 7, "resolved")
    await world.age(ticket, answered=timedelta(hours=1), closed=timedelta(hours=2))
    await world.refresh()
    facts = await world.facts(ticket)
    assert (facts.first_response_s, facts.resolution_s) == (3600, 7200)

    assert await world.refresh() == 0, "nothing new"
    reply = EmailMessage()
    reply["From"] = "lea@example.fr"
    reply["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example.fr>"
    reply["In-Reply-To"] = ours
    reply.set_content("La nouvelle lampe n'est pas arrivée.")
    desk = ReplyDesk(world.mails, world.tickets, lambda *_: None)
    assert (await desk.receive(reply.as_bytes())).startswith("250")
    assert (await world.tickets.get(ticket)).status == "offline"

    assert await world.refresh() == 1, "the reply is a change the roll-up must read"
    facts = await world.facts(ticket)
    assert facts.resolution_s is None, "the request is open again"
    assert facts.first_response_s == 3600
