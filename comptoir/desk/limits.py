"""Abuse limits: how much one client address or one conversation may ask of the desk.

New conversations were free and messages unlimited, so a script could open thousands of
chats (each one a fresh try at proving an order), flood Rasa, follow a chat with any
number of WebSockets, or post votes without end. Each limit is a counter in a window
that starts at the first hit and lasts its period: counted in Redis when
``redis_url`` is set (shared by every desk process), in memory otherwise. Past a limit
the desk answers HTTP 429 with ``Retry-After`` (the seconds until the window ends) and
a sentence the widget shows the shopper, in their language.

If Redis cannot be reached, the limits let requests through (and log it): a shop's
support chat must not go down with its rate limiter.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError
from sanic import HTTPResponse

from comptoir.desk.errors import error
from comptoir.i18n import Bilingual, pick
from comptoir.settings import Settings

log = logging.getLogger("comptoir.desk.limits")
PREFIX = "comptoir:limit:"
SOCKET_LEASE_S = 6 * 3600
"""A socket count left by a process that died is forgotten after this (Redis)."""
DAY_S = 86400


@dataclass(frozen=True)
class Verdict:
    """Whether one more is allowed and, if not, how many seconds until it will be."""

    allowed: bool
    retry_after_s: int = 0


class Counter(Protocol):
    """Where the counts live (memory or Redis)."""

    async def hit(self, key: str, limit: int, window_s: int) -> Verdict: ...

    async def acquire(self, key: str, limit: int) -> bool: ...

    async def release(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryCounter:
    """Counts in this process (one desk process: the default, embedded setup)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window's end, hits)
        self._held: dict[str, int] = {}
        self._hits = 0

    async def hit(self, key: str, limit: int, window_s: int) -> Verdict:
        now = self._clock()
        self._sweep(now)
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window_s, 0
        count += 1
        self._windows[key] = (ends, count)
        return Verdict(True) if count <= limit else Verdict(False, _seconds(ends - now))

    def _sweep(self, now: float) -> None:
        """Forget ended windows now and then, so idle addresses do not pile up."""
        self._hits += 1
        if self._hits % 1000 == 0:
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}

    async def acquire(self, key: str, limit: int) -> bool:
        if self._held.get(key, 0) >= limit:
            return False
        self._held[key] = self._held.get(key, 0) + 1
        return True

    async def release(self, key: str) -> None:
        left = self._held.get(key, 0) - 1
        if left > 0:
            self._held[key] = left
        else:
            self._held.pop(key, None)

    async def close(self) -> None:
        return None


# One round trip each, atomic: concurrent desk processes never both take the last place.
_HIT = """
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
"""
_ACQUIRE = """
local held = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if held > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1
"""
_RELEASE = """
if redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end
return 1
"""


class RedisCounter:
    """Counts shared by every desk process through Redis."""

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url)
        self._hit = self._redis.register_script(_HIT)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._release = self._redis.register_script(_RELEASE)

    async def hit(self, key: str, limit: int, window_s: int) -> Verdict:
        try:
            count, ttl_ms = await self._hit(keys=[PREFIX + key], args=[window_s * 1000])
        except (RedisError, OSError) as problem:  # fail open, see the module's docstring
            log.warning("rate limit %s not checked: %r", key, problem)
            return Verdict(True)
        allowed = int(count) <= limit
        return Verdict(True) if allowed else Verdict(False, _seconds(int(ttl_ms) / 1000))

    async def acquire(self, key: str, limit: int) -> bool:
        try:
            return bool(await self._acquire(keys=[PREFIX + key], args=[limit, SOCKET_LEASE_S]))
        except (RedisError, OSError) as problem:
            log.warning("socket limit %s not checked: %r", key, problem)
            return True

    async def release(self, key: str) -> None:
        try:
            await self._release(keys=[PREFIX + key])
        except (RedisError, OSError) as problem:
            log.warning("socket count %s not released: %r", key, problem)

    async def close(self) -> None:
        await self._redis.aclose()


def _seconds(remaining: float) -> int:
    """A Retry-After value: whole seconds, at least 1."""
    return max(1, math.ceil(remaining))


def wait_for_window(times: Sequence[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than ``limit`` of ``times`` (oldest first) fall within the
    ``window`` before now; 0 when one more is allowed already."""
    recent = [t for t in times if t > now - window]
    if len(recent) < limit:
        return 0
    frees_a_place = recent[len(recent) - limit] + window
    return _seconds((frees_a_place - now).total_seconds())


_MESSAGES = {
    "new_conversation": Bilingual(
        "Vous avez ouvert beaucoup de nouvelles conversations en peu de temps. Merci "
        "d'attendre {wait} avant d'en commencer une autre, ou de poursuivre la "
        "conversation en cours.",
        "You have started many new conversations in a short time. Please wait {wait} "
        "before starting another one, or carry on with the current one.",
    ),
    "message": Bilingual(
        "Vous envoyez trop de messages à la suite : celui-ci n'est pas parti. Merci "
        "d'attendre {wait} avant de le renvoyer.",
        "You are sending too many messages in a row: this one was not sent. Please wait "
        "{wait} before sending it again.",
    ),
    "feedback": Bilingual(
        "Merci, nous avons bien reçu vos avis sur cette conversation.",
        "Thank you, we have received your feedback on this conversation.",
    ),
    "ticket": Bilingual(
        "Vous avez déjà demandé un conseiller plusieurs fois aujourd'hui dans cette "
        "conversation. Pour une réponse sûre, écrivez-nous à {email} : nous vous "
        "répondrons sous {hours} heures ouvrées. Je reste là pour vos autres questions.",
        "You have already asked for an agent several times today in this chat. To be "
        "sure of an answer, please email {email}: we will reply within {hours} working "
        "hours. I'm still here for your other questions.",
    ),
    "already_rated": Bilingual(
        "Merci, vous avez déjà noté cette conversation.",
        "Thank you, you have already rated this chat.",
    ),
}
_DETAILS = {
    "new_conversation": "too many new conversations from this address; retry after "
    "Retry-After seconds",
    "message": "too many messages from this address; the message was not stored",
    "feedback": "too many votes for this conversation",
    "ticket": "too many requests for a person in this conversation today",
}


def describe_wait(seconds: int, language: str) -> str:
    """« 45 secondes », « environ 12 minutes », « environ 2 heures »."""
    if seconds < 60:
        return pick(language, f"{seconds} secondes", f"{seconds} seconds")
    if seconds < 5400:
        minutes = max(1, round(seconds / 60))
        unit = "minutes" if minutes > 1 else "minute"
        return pick(language, f"environ {minutes} {unit}", f"about {minutes} {unit}")
    hours = round(seconds / 3600)
    return pick(language, f"environ {hours} heures", f"about {hours} hours")


def shopper_message(what: str, language: str, retry_after_s: int = 0, **values: object) -> str:
    """The sentence the widget shows for refusal ``what``."""
    return _MESSAGES[what](language, wait=describe_wait(retry_after_s, language), **values)


def too_many(what: str, retry_after_s: int, language: str, **values: object) -> HTTPResponse:
    """HTTP 429: ``Retry-After`` and ``{"error", "detail", "message"}``."""
    message = shopper_message(what, language, retry_after_s, **values)
    response = error(429, "too_many_requests", _DETAILS[what], message=message)
    response.headers["Retry-After"] = str(retry_after_s)
    return response


def already_rated(language: str) -> HTTPResponse:
    """HTTP 409 for a second satisfaction score of one conversation."""
    message = shopper_message("already_rated", language)
    return error(409, "already_rated", "this conversation already has a score", message=message)


class Limits:
    """The desk's limits, from the settings, on one counter; one per desk process."""

    def __init__(self, settings: Settings, counter: Counter | None = None) -> None:
        self.settings = settings
        self.counter = counter or (
            RedisCounter(settings.redis_url) if settings.redis_url else MemoryCounter()
        )

    async def message(self, address: str, *, new: bool, language: str) -> HTTPResponse | None:
        """A shopper message from ``address`` (``new``: it starts a conversation):
        ``None`` when allowed, else the 429 to answer."""
        s = self.settings
        verdict = await self.counter.hit(
            f"messages:{address}", s.limit_messages_per_address_per_minute, 60
        )
        if not verdict.allowed:
            return too_many("message", verdict.retry_after_s, language)
        if new:
            verdict = await self.counter.hit(
                f"new:{address}", s.limit_new_conversations_per_address_per_hour, 3600
            )
            if not verdict.allowed:
                return too_many("new_conversation", verdict.retry_after_s, language)
        return None

    async def feedback(self, conversation_id: str, language: str) -> HTTPResponse | None:
        """A 👍/👎 of the conversation (counted over a day)."""
        limit = self.settings.limit_feedback_per_conversation
        verdict = await self.counter.hit(f"feedback:{conversation_id}", limit, DAY_S)
        return None if verdict.allowed else too_many("feedback", verdict.retry_after_s, language)

    @asynccontextmanager
    async def socket(self, conversation_id: str) -> AsyncIterator[bool]:
        """Hold one of the conversation's socket places while open (``False``: full)."""
        key = f"sockets:{conversation_id}"
        admitted = await self.counter.acquire(key, self.settings.limit_sockets_per_conversation)
        try:
            yield admitted
        finally:
            if admitted:
                await self.counter.release(key)

    async def close(self) -> None:
        await self.counter.close()
