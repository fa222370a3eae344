"""The response-time promise: when a ticket is due, and whether it is about to be late.

The bot tells an out-of-hours shopper « nous vous répondons sous 12 heures ouvrées »
(``business_hours.response_time_hours``); the console must hold agents to that same
sentence. The promise is counted in opening hours (``BusinessHours.after_open_seconds``),
so a request left on Friday evening is due on Monday or Tuesday, not on Saturday
morning, and a public holiday does not eat into it. One definition here, used when a
ticket opens or goes offline (``tickets.py``), when a shopper's e-mail reopens an
offline ticket, and by the overdue sweeper (``overdue.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from comptoir.calendar import BusinessHours
from comptoir.settings import Settings

ON_TIME = "on_time"
SOON = "soon"
LATE = "late"
DUE_STATES = (ON_TIME, SOON, LATE)
"""A ticket's ``due_state``, in the order they come."""

PROMISED_STATUSES = ("waiting", "offline")
"""The tickets still owed an answer: a claimed ticket is being handled (never soon nor
late), a collecting one has not told us what it needs yet, a closed one is done."""


@dataclass(frozen=True)
class Promise:
    """The shop's promise: ``hours`` (opening hours and the promised response time) and
    how long before the deadline a ticket shows « bientôt en retard »."""

    hours: BusinessHours = field(default_factory=BusinessHours)
    soon_minutes: int = 120

    @classmethod
    def from_settings(cls, settings: Settings) -> Promise:
        """The promise the bot states with these settings."""
        return cls(settings.business_hours, settings.ticket_due_soon_minutes)

    def due(self, start: datetime) -> datetime:
        """When a request made (or reopened) at ``start`` must be answered: the promised
        number of opening hours after ``start``."""
        return self.hours.after_open_seconds(start, self.hours.response_time_hours * 3600)

    def state(self, status: str, due_at: datetime | None, now: datetime) -> str:
        """``late`` once ``due_at`` has passed, ``soon`` within ``soon_minutes`` of it,
        else ``on_time``; only a ticket still owed an answer can be soon or late."""
        if due_at is None or status not in PROMISED_STATUSES:
            return ON_TIME
        if now >= due_at:
            return LATE
        if now >= due_at - timedelta(minutes=self.soon_minutes):
            return SOON
        return ON_TIME


def promised_due(settings: Settings, start: datetime) -> datetime:
    """When a request made (or reopened) at ``start`` is due, by the shop's promise."""
    return Promise.from_settings(settings).due(start)
