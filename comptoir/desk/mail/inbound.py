"""The desk's SMTP receiver: shoppers' e-mail replies back into their ticket.

The shop's mail server forwards the Reply-To mailbox to ``inbound_smtp_host:port``
(loopback by default). Each message is read (``replies.py``), must answer one of our
e-mails (its In-Reply-To or References name a Message-ID of a ticket's thread), and is
then added to that ticket, which goes back to the queue with a new promised time; the
consoles hear of it through the hub. A message that answers none of our e-mails gets a
550 (its sender's server tells them), one over ``inbound_max_bytes`` a 552, and a
failure of ours (the database away) a 451, so the sender's server tries again later:
in no case is a reply silently lost.

One receiver for all desk processes: each process tries to bind the port when it
starts; the one that gets it receives, the others log it once and try again every
``RETRY_BIND_S`` seconds, so if the receiving process stops another takes over. The
port cannot be shared (no ``SO_REUSEPORT``), so two never receive at once.

A reply whose From is not the address the shopper gave is still added (shoppers write
from another mailbox), flagged for the agent; answers still go only to the ticket's
address. An automatic answer (out-of-office, bounce) is kept but does not reopen the
ticket.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable

from aiosmtpd.smtp import SMTP, Envelope, Session

from comptoir.desk.mail import ticket_wording as words
from comptoir.desk.mail.message import mail_domain
from comptoir.desk.mail.replies import parse, read_reply, thread_ids
from comptoir.desk.ticket_mail import TicketMailStore
from comptoir.desk.tickets import TicketStore, TicketView
from comptoir.settings import Settings

log = logging.getLogger("comptoir.desk.inbound")
RETRY_BIND_S = 30.0


class ReplyDesk:
    """What happens to one received message (the SMTP side only carries bytes)."""

    def __init__(
        self,
        mails: TicketMailStore,
        tickets: TicketStore,
        announce: Callable[[str, TicketView], None],
    ) -> None:
        self.mails = mails
        self.tickets = tickets
        self.announce = announce

    async def receive(self, raw: bytes) -> str:
        """The SMTP reply for ``raw``: 250 once kept, 550 for a message that answers
        none of our e-mails (or whose ticket is gone)."""
        ticket_id = await self.mails.ticket_of(thread_ids(parse(raw)))
        ticket = await self.tickets.get(ticket_id) if ticket_id is not None else None
        if ticket is None:
            return words.UNKNOWN_THREAD
        reply = read_reply(raw, contact_email=ticket.contact_email, language=ticket.language)
        kept = await self.mails.add_reply(ticket.id, reply)
        if kept is None:
            return words.ALREADY_RECEIVED
        if not reply.automatic:
            ticket = await self.mails.reopen(ticket.id) or ticket
        self.announce("ticket_reply", ticket)
        log.info("reply %s added to ticket %s", kept.id, ticket.id)
        return words.RECEIVED


class _Handler:
    """aiosmtpd's handler: every recipient is accepted, the message decides at DATA."""

    def __init__(self, desk: ReplyDesk) -> None:
        self.desk = desk

    async def handle_DATA(  # aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not raw:
            raw = envelope.content
        try:
            return await self.desk.receive(raw)
        except Exception:
            log.exception("could not keep an incoming e-mail; the sender will retry")
            return words.TRY_LATER


class _Receiver(SMTP):
    """aiosmtpd's SMTP session, with our words for "too large"."""

    async def push(self, status: str) -> None:
        if status.startswith("552 "):
            status = words.TOO_BIG
        await super().push(status)


class InboundServer:
    """Binds the inbound port if it is free, else waits for it (see the module's doc)."""

    def __init__(self, settings: Settings, desk: ReplyDesk) -> None:
        self.settings = settings
        self.desk = desk
        self.server: asyncio.base_events.Server | None = None
        self._task: asyncio.Task | None = None
        self._told = False

    @property
    def receiving(self) -> bool:
        """Whether this process is the one receiving."""
        return self.server is not None

    def _protocol(self) -> SMTP:
        return _Receiver(
            _Handler(self.desk),
            data_size_limit=self.settings.inbound_max_bytes,
            enable_SMTPUTF8=True,
            hostname=mail_domain(self.settings),
            ident="Comptoir",
            timeout=60,
        )

    async def try_bind(self) -> bool:
        """Listen now if the port is free; ``False`` when another process has it."""
        host, port = self.settings.inbound_smtp_host, self.settings.inbound_smtp_port
        loop = asyncio.get_running_loop()
        try:
            self.server = await loop.create_server(self._protocol, host, port, reuse_port=False)
        except OSError as busy:
            if busy.errno != errno.EADDRINUSE:
                raise
            if not self._told:
                log.info(
                    "inbound SMTP %s:%s is taken by another desk process: standing by", host, port
                )
                self._told = True
            return False
        log.info("receiving shoppers' e-mail replies on %s:%s", host, port)
        return True

    async def start(self) -> None:
        """Receive now, or keep trying in the background until the port is ours."""
        if not await self.try_bind():
            self._task = asyncio.get_running_loop().create_task(self._stand_by())

    async def _stand_by(self) -> None:
        while True:
            await asyncio.sleep(RETRY_BIND_S)
            if await self.try_bind():
                return

    async def stop(self) -> None:
        """Stop receiving (or waiting to); connections in progress are closed."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
