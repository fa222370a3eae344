"""What every connector to a shop's platform is: fetch one order live, list the updated ones.

A connector maps the platform's orders to ``OrderIn``, the import format
(docs/orders.md), and nothing more: writing them to the shop database (the cache of
record), caching and deciding what the shopper hears belong to ``live_orders.py`` and the
actions. The errors below are the only ones a connector lets out, so that callers can
answer "the shop's system does not answer right now" without knowing the platform.
Their messages are words safe to log: never a key, a token or a signed address.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from comptoir.settings import Settings
from comptoir.shop.connectors.errors import (
    ConnectorError,
    ConnectorNotConfigured,
    PlatformAnsweredBadly,
    PlatformAuthFailed,
    PlatformUnavailable,
)
from comptoir.shop.connectors.http import PlatformHttp
from comptoir.shop.importer import OrderIn
from comptoir.shop.numbers import NumberStyle, number_style

__all__ = [
    "Connector",
    "ConnectorError",
    "ConnectorNotConfigured",
    "PlatformAnsweredBadly",
    "PlatformAuthFailed",
    "PlatformHttp",
    "PlatformUnavailable",
]


class Connector(abc.ABC):
    """One shop platform. Subclasses set ``name`` and ``number_style`` and map orders.

    ``http`` is given by tests and benchmarks that share a client; otherwise one is made
    from the settings (timeout, retries). Use ``order(...)`` to build the ``OrderIn``
    records: it validates the order number in the platform's own style ("#1001" for
    Shopify, "1234" for WooCommerce, "XKBKNABJK" for PrestaShop,
    ``numbers.STYLE_OF_CONNECTOR``) instead of Comptoir's default ``CMD-12345``.
    """

    name: ClassVar[str] = ""

    def __init__(self, settings: Settings, http: PlatformHttp | None = None) -> None:
        if not settings.connector_url:
            raise ConnectorNotConfigured(
                f"{self.name}: COMPTOIR_CONNECTOR_URL is not set", platform=self.name
            )
        self.settings = settings
        self.base_url = settings.connector_url.rstrip("/")
        self.http = http if http is not None else PlatformHttp.from_settings(settings, self.name)
        #: How the platform numbers orders (``numbers.STYLE_OF_CONNECTOR``).
        self.number_style: NumberStyle = number_style(settings)

    @abc.abstractmethod
    async def fetch_order(self, number: str) -> OrderIn | None:
        """The order as the platform has it now; None when the platform does not know it.

        ``number`` is already in the platform's style (``numbers.normalise_order_number``).
        """

    @abc.abstractmethod
    def updated_since(self, since: datetime) -> AsyncIterator[OrderIn]:
        """Every order changed at or after ``since``, following all the pages.

        An order the platform has but that cannot be mapped (no e-mail, no line) is
        skipped and logged, not fatal: one odd order must not stop a sync.
        """

    async def check_access(self) -> None:
        """One cheap authenticated call, for ``comptoir connector check``.

        The default asks for the orders updated from now on (one page, usually empty);
        a platform with a cheaper call overrides it. Raises like any other call.
        """
        async for _ in self.updated_since(datetime.now(UTC)):
            break

    def json_body(
        self, response: httpx.Response, what: str, *, status_detail: str = "", json_hint: str = ""
    ) -> Any:
        """The JSON of a 200 answer to ``what`` (``GET /orders``…), else
        ``PlatformAnsweredBadly``: every platform's odd answer reads the same in the logs,
        with the platform's own detail after the status (its error code or message) and
        a hint on what is misconfigured when the answer is not JSON at all."""
        if response.status_code != 200:
            raise PlatformAnsweredBadly(
                f"{self.name}: {what} answered HTTP {response.status_code}{status_detail}",
                platform=self.name,
                status=response.status_code,
            )
        try:
            return response.json()
        except ValueError:
            raise PlatformAnsweredBadly(
                f"{self.name}: {what} did not answer JSON{json_hint}", platform=self.name
            ) from None

    def order(self, **fields: Any) -> OrderIn:
        """An ``OrderIn`` whose number is read in this platform's style."""
        return OrderIn.model_validate(fields, context={"numbers": self.number_style})

    async def close(self) -> None:
        """Close the HTTP client (its connections to the platform)."""
        await self.http.aclose()

    async def __aenter__(self) -> Connector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
