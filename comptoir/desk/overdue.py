"""Tickets past their promised answer time: told to the shop's tools once, and to the
consoles at once.

Every ``ticket_overdue_check_s`` the desk looks for waiting and offline tickets whose
``due_at`` has passed and that nobody reported yet. Marking them is one conditional
UPDATE per ticket (``overdue_notified_at`` still empty), so when several desk
processes sweep the same database at the same moment, each ticket is won by exactly one
of them, and only the winner posts ``ticket_overdue`` to the webhook (the same name
style as ``ticket_opened``, ``ticket_offline``...) and publishes it to the consoles, so
the queue's badge turns « en retard » without waiting for its next refresh.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from comptoir.desk.db import as_utc, utc_now
from comptoir.desk.hub import Hub
from comptoir.desk.promise import PROMISED_STATUSES, Promise
from comptoir.desk.routing import CONSOLE_CHANNEL
from comptoir.desk.tickets import Ticket, TicketStore, TicketView
from comptoir.desk.webhook import WebhookSender

log = logging.getLogger("comptoir.desk.overdue")

OVERDUE_EVENT = "ticket_overdue"
"""The webhook's and the consoles' event for a ticket past its promised time."""
BATCH = 500
"""Tickets looked at per pass (a backlog is worked through on the next passes)."""


async def _date_undated(sessions: async_sessionmaker, promise: Promise) -> None:
    """Give a due time to the waiting and offline tickets opened before the promise
    was recorded (a desk upgraded with tickets in its queue): counted from their
    opening, set only where it is still empty, so two desks agree."""
    async with sessions.begin() as session:
        rows = await session.execute(
            select(Ticket.id, Ticket.created_at)
            .where(Ticket.status.in_(PROMISED_STATUSES), Ticket.due_at.is_(None))
            .limit(BATCH)
        )
        for ticket_id, created in rows.all():
            await session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.due_at.is_(None))
                .values(due_at=promise.due(as_utc(created)))
            )


async def claim_overdue(sessions: async_sessionmaker, now: datetime | None = None) -> list[int]:
    """Mark the tickets past due that no desk has reported yet; the ids this call won.

    Each mark is a conditional UPDATE (``overdue_notified_at`` still empty, the ticket
    still waiting or offline): whoever runs the same query at the same time gets a
    ``rowcount`` of 0 for it and reports nothing.
    """
    now = now or utc_now()
    async with sessions() as session:
        candidates = list(
            await session.scalars(
                select(Ticket.id)
                .where(
                    Ticket.status.in_(PROMISED_STATUSES),
                    Ticket.due_at <= now,
                    Ticket.overdue_notified_at.is_(None),
                )
                .order_by(Ticket.due_at)
                .limit(BATCH)
            )
        )
    won = []
    for ticket_id in candidates:
        async with sessions.begin() as session:
            result = await session.execute(
                update(Ticket)
                .where(
                    Ticket.id == ticket_id,
                    Ticket.status.in_(PROMISED_STATUSES),
                    Ticket.overdue_notified_at.is_(None),
                )
                .values(overdue_notified_at=now)
            )
            if result.rowcount == 1:
                won.append(ticket_id)
    return won


class OverdueSweeper:
    """One desk process's sweeps: date, claim, then tell the webhook and the consoles."""

    def __init__(self, tickets: TicketStore, hub: Hub, webhook: WebhookSender | None) -> None:
        self.tickets = tickets
        self.hub = hub
        self.webhook = webhook

    async def sweep(self, now: datetime | None = None) -> list[TicketView]:
        """One pass: the tickets this process reported (each reported by one process)."""
        await _date_undated(self.tickets.sessions, self.tickets.promise)
        reported = []
        for ticket_id in await claim_overdue(self.tickets.sessions, now):
            ticket = await self.tickets.get(ticket_id)
            if ticket is None:  # purged in between: nothing left to report
                continue
            data = ticket.as_json()
            self.hub.publish(CONSOLE_CHANNEL, {"seq": 0, "event": OVERDUE_EVENT, "ticket": data})
            if self.webhook is not None:
                self.webhook.send(OVERDUE_EVENT, data)
            log.info("ticket %s is past its promised answer time (%s)", ticket.id, ticket.due_at)
            reported.append(ticket)
        return reported

    async def run(self, every_s: float) -> None:
        """The desk's background task: a sweep every ``every_s`` seconds, for ever."""
        while True:
            try:
                await self.sweep()
            except Exception:  # a failed pass must not stop the desk; the next one retries
                log.exception("overdue sweep failed")
            await asyncio.sleep(every_s)
