"""When people answer: business hours, in the shop's time zone, without public holidays.

Outside them (or when no agent is signed in) the bot does not promise a live person: it
takes the shopper's e-mail and request for an offline ticket and gives the promised
response time instead.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from pydantic import BaseModel, field_validator

from comptoir.shop.calendar import is_working_day

DAY_NAMES = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


class BusinessHours(BaseModel):
    """Opening days (0 = Monday), opening hours and the promised offline response time."""

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

    def is_open(self, now: datetime) -> bool:
        """Whether a person is expected at the console at ``now``."""
        local = now.astimezone(ZoneInfo(self.timezone))
        if local.weekday() not in self.days:
            return False
        if self.skip_public_holidays and not is_working_day(local.date()) and local.weekday() < 5:
            return False
        return self.opens <= local.time() < self.closes

    def describe(self, language: str) -> str:
        """ "du lundi au vendredi, de 9 h à 18 h" / "Monday to Friday, 9:00 to 18:00"."""
        names = DAY_NAMES["fr" if language == "fr" else "en"]
        first, last = names[self.days[0]], names[self.days[-1]]
        contiguous = self.days == list(range(self.days[0], self.days[-1] + 1))
        if language == "fr":
            days = f"du {first} au {last}" if contiguous else ", ".join(names[d] for d in self.days)
            return f"{days}, de {self.opens.hour} h à {self.closes.hour} h"
        days = f"{first} to {last}" if contiguous else ", ".join(names[d] for d in self.days)
        return f"{days}, {self.opens:%H:%M} to {self.closes:%H:%M}"
