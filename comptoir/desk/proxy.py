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


def limit_key(address: str) -> str:
    """The address as limits count it: one IPv6 host usually holds a whole /64, so an
    IPv6 address counts as its /64; an IPv4-mapped IPv6 address as its IPv4."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _header_values(request: Request, name: str) -> list[str]:
    """Every comma-separated value of every line of a header, in order: some proxies
    add a line of their own rather than appending to the client's."""
    lines = request.headers.getall(name, [])
    return [value.strip() for line in lines for value in line.split(",") if value.strip()]


def client_address(request: Request, trusted_proxies: list[str]) -> str:
    """The client, as limits count it: the peer, or the first untrusted hop a trusted
    proxy reported (rightmost first), IPv6 grouped per /64 (see ``limit_key``)."""
    peer = request.ip or ""
    trusted = tuple(trusted_proxies)
    if not trusted or not _is_trusted(peer, trusted):
        return limit_key(peer)
    for hop in reversed(_header_values(request, "x-forwarded-for")):
        if not _is_trusted(hop, trusted):
            return limit_key(hop)
    return limit_key(peer)


def request_scheme(request: Request, trusted_proxies: list[str]) -> str:
    """``https`` when the browser used TLS, whether to us or to a trusted proxy."""
    trusted = tuple(trusted_proxies)
    if trusted and _is_trusted(request.ip or "", trusted):
        forwarded = _header_values(request, "x-forwarded-proto")
        if forwarded and forwarded[-1].lower() in ("http", "https"):
            return forwarded[-1].lower()  # the value the trusted proxy itself added
    return request.scheme
