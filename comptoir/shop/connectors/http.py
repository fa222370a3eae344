"""The one way connectors talk HTTP: timeout, retries with backoff, clear errors, safe logs.

Platforms fail in the same few ways: down or slow (network errors, 5xx), busy (429 with
``Retry-After``, in seconds or as an HTTP date), or refusing the key (401/403). This
client retries the first two a few times (``connector_retries``), waits as the platform
asks but never longer than ``max_wait_s`` (a shopper is waiting), and then raises
``PlatformUnavailable`` or ``PlatformAuthFailed`` so that the conversation can answer
politely. Other answers (200, 404, 400...) are returned: what they mean is the
connector's business. Logs name the platform, the method and the address with its
secret query parameters hidden; headers (where keys travel) are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from comptoir.settings import Settings
from comptoir.shop.connectors.errors import (
    ConnectorNotConfigured,
    PlatformAuthFailed,
    PlatformUnavailable,
)

log = logging.getLogger("comptoir.shop.connectors")

SECRET_PARAMETER = re.compile(r"(?i)key|secret|token|signature|password|auth")
HIDDEN = "[hidden]"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
FIRST_BACKOFF_S = 0.25

#: Tells, from an answer with an ordinary status, how long to wait before retrying it
#: (Shopify's GraphQL throttle answers 200 with a THROTTLED error); None: not retried.
RetryWhen = Callable[[httpx.Response], float | None]


def safe_url(url: httpx.URL | str) -> str:
    """The address without user info and with secret query parameters hidden, for logs."""
    url = httpx.URL(str(url))
    params = [(k, HIDDEN if SECRET_PARAMETER.search(k) else v) for k, v in url.params.multi_items()]
    return str(url.copy_with(userinfo=b"", query=None).copy_merge_params(params)).replace(
        "%5Bhidden%5D", HIDDEN
    )


def retry_after_s(response: httpx.Response, now: datetime | None = None) -> float | None:
    """The wait a 429/503 asks for (``Retry-After`` in seconds or as an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PlatformHttp:
    """One ``httpx.AsyncClient`` for one platform, with its retry and error rules."""

    def __init__(
        self,
        platform: str,
        *,
        base_url: str = "",
        timeout_s: float = 8.0,
        retries: int = 3,
        max_wait_s: float | None = None,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
    ) -> None:
        self.platform = platform
        self.timeout_s = timeout_s
        self.retries = retries
        self.max_wait_s = timeout_s if max_wait_s is None else max_wait_s
        self.calls = 0  # HTTP requests actually sent, retries included
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": "Comptoir (+https://github.com/comptoir)", **(headers or {})},
            auth=auth,
            follow_redirects=False,
        )

    @classmethod
    def from_settings(cls, settings: Settings, platform: str, **options: Any) -> PlatformHttp:
        """A client with the shop's timeout and retries (``connector_*`` settings)."""
        return cls(
            platform,
            base_url=(settings.connector_url or "").rstrip("/"),
            timeout_s=settings.connector_timeout_s,
            retries=settings.connector_retries,
            **options,
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        retry_when: RetryWhen | None = None,
    ) -> httpx.Response:
        """Send one request, retrying what can be retried; the last answer or an error."""
        options: dict[str, Any] = {"params": params, "json": json, "headers": headers}
        request = self._client.build_request(method, url, **options)
        # Given to ``send`` (run again on each try: a signature gets a fresh nonce); the
        # client's own auth when none is given.
        options["auth"] = auth if auth is not None else httpx.USE_CLIENT_DEFAULT
        where = f"{method} {safe_url(request.url)}"
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            started = time.perf_counter()
            self.calls += 1
            try:
                response = await self._client.send(request, auth=options.get("auth"))
            except httpx.UnsupportedProtocol as error:
                raise ConnectorNotConfigured(
                    f"{self.platform}: the address {safe_url(request.url)} is not http(s)",
                    platform=self.platform,
                ) from error
            except httpx.TransportError as error:
                problem = self._network_problem(error)
                if last:
                    raise PlatformUnavailable(
                        f"{self.platform} {problem} ({where}, {attempt + 1} tries)",
                        platform=self.platform,
                    ) from None
                await self._wait(attempt, None, f"{problem} ({where})")
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            wait = self._retry_wait(response, retry_when)
            if wait is None:
                self._raise_for_auth(response, where)
                log.debug(
                    "%s %s: %d in %.0f ms", self.platform, where, response.status_code, elapsed_ms
                )
                return response
            if last:
                raise PlatformUnavailable(
                    f"{self.platform} answered HTTP {response.status_code} to {where} "
                    f"after {attempt + 1} tries",
                    platform=self.platform,
                    status=response.status_code,
                )
            await self._wait(attempt, wait, f"answered HTTP {response.status_code} to {where}")
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _network_problem(self, error: httpx.TransportError) -> str:
        if isinstance(error, httpx.TimeoutException):
            return f"did not answer within {self.timeout_s:g} s"
        return f"could not be reached ({type(error).__name__})"

    @staticmethod
    def _retry_wait(response: httpx.Response, retry_when: RetryWhen | None) -> float | None:
        """None to keep this answer; otherwise the wait (-1: the usual backoff)."""
        if response.status_code in RETRIED_STATUSES:
            asked = retry_after_s(response)
            return -1.0 if asked is None else asked
        if retry_when is not None:
            return retry_when(response)
        return None

    def _raise_for_auth(self, response: httpx.Response, where: str) -> None:
        if response.status_code in (401, 403):
            raise PlatformAuthFailed(
                f"{self.platform} refused the key (HTTP {response.status_code}) for {where}",
                platform=self.platform,
                status=response.status_code,
            )

    async def _wait(self, attempt: int, asked_s: float | None, what: str) -> None:
        """Sleep before the next try: as asked (``Retry-After``) or exponential backoff."""
        if asked_s is None or asked_s < 0:
            backoff = FIRST_BACKOFF_S * 2**attempt + random.uniform(0, 0.1)
            delay = min(backoff, self.max_wait_s)
        elif asked_s > self.max_wait_s:
            raise PlatformUnavailable(
                f"{self.platform} {what} and asked to wait {asked_s:.0f} s, longer than "
                f"{self.max_wait_s:g} s",
                platform=self.platform,
            )
        else:
            delay = asked_s
        log.warning(
            "%s %s; retry %d of %d in %.1f s",
            self.platform,
            what,
            attempt + 1,
            self.retries,
            delay,
        )
        await asyncio.sleep(delay)

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()
