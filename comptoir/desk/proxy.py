"""Who is really asking, and over what: the client address and scheme behind a proxy.

Limits count per client address, and cookies are marked ``Secure`` when the shopper's
browser used HTTPS. Behind a reverse proxy (nginx terminating TLS), the TCP peer is
the proxy and the truth is in ``X-Forwarded-For`` and ``X-Forwarded-Proto``; but
anybody can send those headers, so they are believed only when the peer is one of the
configured ``trusted_proxies``, and ``X-Forwarded-For`` is read from the right,
skipping trusted hops, so a client cannot prepend an address of its choosing.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from sanic import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _networks(trusted))


def client_address(request: Request, trusted_proxies: list[str]) -> str:
    """The address of the client: the peer, or the first untrusted hop a trusted proxy
    reported (rightmost first)."""
    peer = request.ip or ""
    trusted = tuple(trusted_proxies)
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def request_scheme(request: Request, trusted_proxies: list[str]) -> str:
    """``https`` when the browser used TLS, whether to us or to a trusted proxy."""
    trusted = tuple(trusted_proxies)
    if trusted and _is_trusted(request.ip or "", trusted):
        forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if forwarded in ("http", "https"):
            return forwarded
    return request.scheme
