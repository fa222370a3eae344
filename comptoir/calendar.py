"""Time as the shop lives it: French working days and the hours people answer.

This is the ground floor: the law counts working days (returns, delays), the desk needs
opening hours to decide between a live agent and an offline ticket, and the bot states
the same hours to shoppers. One module, read by the desk, the actions and the shop
logic alike, so the bot and the desk can never disagree about when someone answers.
It imports nothing from Comptoir.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, field_validator

WEEKDAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


@lru_cache(maxsize=32)
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a French public holiday."""
    return day.weekday() < 5 and day not in _french_holidays(day.year)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def parse_quiet_hours(spec: str) -> tuple[time, time] | None:
    """``"21:00-08:00"`` → (21:00, 08:00): local hours when notices wait (they may span
    midnight); ``""`` → None, no quiet hours. Anything else raises ValueError with the
    expected form, so a typo in ``COMPTOIR_NOTIFY_QUIET_HOURS`` stops the start-up."""
    if not spec.strip():
        return None
    parts = spec.split("-")
    try:
        if len(parts) != 2:
            raise ValueError
        start, end = (time.fromisoformat(part.strip().zfill(5)) for part in parts)
    except ValueError:
        raise ValueError(
            f"quiet hours {spec!r}: expected two local times like '21:00-08:00', or '' for none"
        ) from None
    return (start, end) if start != end else None


class BusinessHours(BaseModel):
    """Opening days (0 = Monday), opening hours and the promised offline response time.

    Outside them (or when no agent is signed in) the bot does not promise a live person:
    it takes the shopper's e-mail and request for an offline ticket and gives the
    promised response time instead.
    """

    days: list[int] = [0, 1, 2, 3, 4]
    opens: time = time(9, 0)
    closes: time = time(18, 0)
    timezone: str = "Europe/Paris"
    skip_public_holidays: bool = True
    response_time_hours: int = 12

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: list[int]) -> list[int]:
        if not days or any(d not in range(7) for d in days):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        return sorted(set(days))

    def is_open_day(self, day: date) -> bool:
        """Whether ``day`` is an opening day: one of ``days``, and not a public holiday
        falling on a weekday (when ``skip_public_holidays``)."""
        if day.weekday() not in self.days:
            return False
        return not (self.skip_public_holidays and day.weekday() < 5 and not is_working_day(day))

    def is_open(self, now: datetime) -> bool:
        """Whether a person is expected at the console at ``now``."""
        local = now.astimezone(ZoneInfo(self.timezone))
        return self.is_open_day(local.date()) and self.opens <= local.time() < self.closes

    def _windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The opening hours from ``start`` on, day by day, in UTC (10 years at most)."""
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        for _ in range(3660):
            if self.is_open_day(day):
                opens = datetime.combine(day, self.opens, tzinfo=zone).astimezone(UTC)
                closes = datetime.combine(day, self.closes, tzinfo=zone).astimezone(UTC)
                yield max(opens, start), closes
            day += timedelta(days=1)

    def open_seconds_between(self, start: datetime, end: datetime) -> float:
        """Seconds of opening hours between two instants: how long a shopper waited
        for the team, not counting nights, closed days and public holidays (the time an
        owner can hold agents to, and the unit of the promised offline response time)."""
        total = 0.0
        for opens, closes in self._windows(start):
            if opens >= end:
                break
            total += max(0.0, (min(closes, end) - opens).total_seconds())
        return total

    def after_open_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant at which ``seconds`` of opening hours have passed since ``start``
        (the deadline of a promise made in working hours)."""
        left = seconds
        for opens, closes in self._windows(start):
            window = (closes - opens).total_seconds()
            if window > 0 and left <= window:
                return opens + timedelta(seconds=left)
            left -= max(0.0, window)
        return start + timedelta(days=3660)

    def describe(self, language: str) -> str:
        """ "du lundi au vendredi, de 9 h à 18 h" / "Monday to Friday, 9:00 to 18:00"."""
        names = WEEKDAYS["fr" if language == "fr" else "en"]
        first, last = names[self.days[0]], names[self.days[-1]]
        contiguous = self.days == list(range(self.days[0], self.days[-1] + 1))
        if language == "fr":
            days = f"du {first} au {last}" if contiguous else ", ".join(names[d] for d in self.days)
            return f"{days}, de {self.opens.hour} h à {self.closes.hour} h"
        days = f"{first} to {last}" if contiguous else ", ".join(names[d] for d in self.days)
        return f"{days}, {self.opens:%H:%M} to {self.closes:%H:%M}"
