"""The days a report covers: parsed from the page's ``from`` and ``to``, checked once.

The API, the CSV routes and ``comptoir report`` take the same two dates; the rules (whole
days in Paris, last 30 days by default, at most 366, ``from`` not after ``to``) and the
messages that explain a refusal are written here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from comptoir.desk.reports.definitions import REPORT_ZONE

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DEFAULT_DAYS = 30
MAX_DAYS = 366


def shop_today() -> date:
    """Today in Paris (the last day of the default period)."""
    return datetime.now(UTC).astimezone(REPORT_ZONE).date()


class PeriodError(ValueError):
    """Dates a report cannot be made for (the message says what to fix)."""


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the shop's time (Europe/Paris)."""

    start: date
    end: date

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The same number of days just before."""
        return Period(self.start - timedelta(days=self.length), self.start - timedelta(days=1))

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.length)]

    def instants(self) -> tuple[datetime, datetime]:
        """[first midnight, midnight after the last day) in Paris, as instants."""
        first = datetime.combine(self.start, time(0), tzinfo=REPORT_ZONE)
        after = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=REPORT_ZONE)
        return first, after


def _day(raw: str, name: str) -> date:
    if not DATE.fullmatch(raw):
        raise PeriodError(f"'{name}' must be a date as YYYY-MM-DD, not {raw[:40]!r}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise PeriodError(f"'{name}' is not a real day: {raw}") from None


def parse_period(start: str | None, end: str | None, today: date) -> Period:
    """The period of ``from`` and ``to`` (YYYY-MM-DD): by default the last 30 days,
    today included; at most 366 days, ``from`` not after ``to``."""
    last = _day(end, "to") if end else today
    first = _day(start, "from") if start else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise PeriodError(f"'from' ({first}) is after 'to' ({last})")
    period = Period(first, last)
    if period.length > MAX_DAYS:
        raise PeriodError(f"a report covers at most {MAX_DAYS} days, not {period.length}")
    return period
