"""The errors a connector lets out (re-exported by ``base``).

They live apart from ``base`` so that the HTTP layer can raise them without an import
cycle. Every message is words safe to log: never a key, a token or a signed address.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Something went wrong with the platform; the message is safe to log."""

    def __init__(self, message: str, *, platform: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.platform = platform
        self.status = status


class PlatformUnavailable(ConnectorError):
    """The platform is down, too slow, answered 5xx, or kept answering 429 after the retries."""


class PlatformAuthFailed(ConnectorError):
    """The platform refused the key (401/403): wrong, revoked, or missing a permission."""


class ConnectorNotConfigured(ConnectorError):
    """A setting the connector needs (its address, its key) is missing or malformed."""


class PlatformAnsweredBadly(ConnectorError):
    """The platform answered something that cannot be read as its documented format."""
