"""Console sign-in: a backoff on failed passwords, per user name and per client address.

Guessing an agent's password would give every transcript, so failures are counted per
user name (whether it exists or not: the answer is the same) and per client address
(``client_address``: the real client behind a trusted proxy). After
``console_login_failures_before_backoff`` failures, each key waits, doubling with every
further failure (2 s, 4 s, 8 s... up to 15 minutes), and every attempt during the wait
is answered 429 with ``Retry-After`` *before* the password is looked at, so the right
password is refused too until the wait ends; failures are forgiven after 15 quiet
minutes once the wait has ended (at the longest wait: one guess per 15 minutes). A
success clears the user name's count
(not the address's: signing in to one's own account must not reset guesses at others).
Attempts still being checked count too, so a burst sent at once gets no more guesses.

The counts live in the desk process (like a restart, several workers each keep their
own: the wait then applies per process).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sanic import HTTPResponse, Request
from sanic import json as json_response

from comptoir.desk.accounts import AccountStore
from comptoir.desk.api_models import read_json_object
from comptoir.desk.errors import error
from comptoir.desk.guards import COOKIE
from comptoir.desk.proxy import client_address, request_scheme

FIRST_DELAY_S = 2.0
MAX_DELAY_S = 15 * 60.0
FORGET_AFTER_S = 15 * 60.0
MAX_KEYS = 100_000
SESSION_MAX_AGE_S = 12 * 3600


@dataclass(slots=True)  # up to MAX_KEYS of them live at once
class _Count:
    failures: int = 0
    checking: int = 0
    blocked_until: float = 0.0
    last_failure: float = 0.0


class SignInThrottle:
    """Failed sign-ins per key (``user:NAME``, ``address:IP``) and the wait they earn."""

    def __init__(
        self,
        failures_before_backoff: int,
        *,
        first_delay_s: float = FIRST_DELAY_S,
        max_delay_s: float = MAX_DELAY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = failures_before_backoff
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self._clock = clock
        self._counts: dict[str, _Count] = {}

    @staticmethod
    def keys(username: str, address: str) -> tuple[str, str]:
        """The two keys of an attempt (the name as accounts store it, bounded)."""
        return f"user:{username.strip().lower()[:64]}", f"address:{address}"

    def _wait(self, key: str, now: float) -> float:
        count = self._counts.get(key)
        if count is None:
            return 0.0
        if count.blocked_until > now:
            return count.blocked_until - now
        if count.checking and count.failures + count.checking >= self.threshold:
            return 1.0  # the attempt being checked decides first
        quiet = now - max(count.last_failure, count.blocked_until)
        if not count.checking and quiet > FORGET_AFTER_S:
            del self._counts[key]  # quiet long after the wait ended: failures forgiven
        return 0.0

    def begin(self, keys: tuple[str, ...]) -> float:
        """Seconds to wait before trying again, or 0: the attempt may be checked (and
        must then be ended with ``end``)."""
        now = self._clock()
        wait = max(self._wait(key, now) for key in keys)
        if wait > 0:
            return wait
        self._make_room(now)
        for key in keys:
            self._counts.setdefault(key, _Count()).checking += 1
        return 0.0

    def end(self, keys: tuple[str, ...], *, success: bool) -> None:
        """Record the outcome of an attempt ``begin`` let through."""
        now = self._clock()
        for key in keys:
            count = self._counts.setdefault(key, _Count())
            count.checking = max(0, count.checking - 1)
            if not success:
                count.failures += 1
                count.last_failure = now
                if count.failures >= self.threshold:
                    doublings = min(count.failures - self.threshold, 30)
                    delay = self.first_delay_s * 2**doublings
                    count.blocked_until = now + min(delay, self.max_delay_s)
            elif key.startswith("user:"):
                count.failures, count.blocked_until = 0, 0.0
            if count.failures == 0 and count.checking == 0:
                del self._counts[key]

    def _make_room(self, now: float) -> None:
        """Forget counts nobody needs any more; never grow without bound."""
        if len(self._counts) < MAX_KEYS:
            return
        for key, count in list(self._counts.items()):
            idle = now - max(count.last_failure, count.blocked_until)
            if not count.checking and (count.failures == 0 or idle > FORGET_AFTER_S):
                del self._counts[key]
        while len(self._counts) >= MAX_KEYS:  # under a flood: the oldest keys go first
            del self._counts[next(iter(self._counts))]


def throttle_of(request: Request) -> SignInThrottle:
    """This desk process's throttle (made on first use, with the settings)."""
    ctx = request.app.ctx
    if getattr(ctx, "signin_throttle", None) is None:
        ctx.signin_throttle = SignInThrottle(ctx.settings.console_login_failures_before_backoff)
    return ctx.signin_throttle


def _credentials(request: Request) -> tuple[str, str]:
    body = read_json_object(request.body or b"{}") or {}
    return str(body.get("username", "")), str(body.get("password", ""))


async def sign_in(request: Request) -> HTTPResponse:
    """``POST /console/api/login``: the session cookie and the CSRF token, a 401, or a
    429 with ``Retry-After`` while the user name or the address must wait."""
    settings = request.app.ctx.settings
    username, password = _credentials(request)
    throttle = throttle_of(request)
    keys = throttle.keys(username, client_address(request, settings.trusted_proxies))
    wait = throttle.begin(keys)
    if wait > 0:
        seconds = math.ceil(wait)
        refused = error(
            429,
            "too_many_attempts",
            f"too many failed sign-ins: wait {seconds} s before trying again",
            retry_after=seconds,
        )
        refused.headers["Retry-After"] = str(seconds)
        return refused
    accounts: AccountStore = request.app.ctx.accounts
    signed = None
    try:
        signed = await accounts.sign_in(username, password)
    finally:
        throttle.end(keys, success=signed is not None)
    if signed is None:
        return error(401, "bad_credentials", "wrong user name or password")
    agent, token, csrf = signed
    response = json_response({"agent": agent.__dict__, "csrf": csrf})
    response.add_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=request_scheme(request, settings.trusted_proxies) == "https",
        max_age=SESSION_MAX_AGE_S,
        path="/console",
    )
    return response
