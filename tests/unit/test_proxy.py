"""Forwarded headers are believed only from the proxies the operator trusts."""

from __future__ import annotations

from types import SimpleNamespace

from sanic.compat import Header

from comptoir.desk.proxy import client_address, request_scheme


def request(peer: str, forwarded_for: str | list[str] = "", proto: str = "", scheme: str = "http"):
    lines = [forwarded_for] if isinstance(forwarded_for, str) else forwarded_for
    headers = Header(
        [("x-forwarded-for", line) for line in lines if line]
        + ([("x-forwarded-proto", proto)] if proto else [])
    )
    return SimpleNamespace(ip=peer, headers=headers, scheme=scheme)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say():
    forged = request("203.0.113.9", forwarded_for="198.51.100.1", proto="https")
    assert client_address(forged, []) == "203.0.113.9"
    assert request_scheme(forged, []) == "http"


def test_a_client_cannot_prepend_an_address_through_the_trusted_proxy():
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the real peer.
    via_nginx = request("127.0.0.1", forwarded_for="1.2.3.4, 203.0.113.9", proto="https")
    assert client_address(via_nginx, ["127.0.0.1"]) == "203.0.113.9"
    assert request_scheme(via_nginx, ["127.0.0.0/8"]) == "https"


def test_an_untrusted_peer_cannot_claim_https():
    assert request_scheme(request("203.0.113.9", proto="https"), ["127.0.0.1"]) == "http"


def test_a_forged_first_header_line_does_not_choose_the_address():
    """HAProxy-style proxies add their own X-Forwarded-For line after the client's."""
    two_lines = request("127.0.0.1", forwarded_for=["6.6.6.6", "203.0.113.9"])
    assert client_address(two_lines, ["127.0.0.1"]) == "203.0.113.9"


def test_an_ipv6_host_counts_as_its_slash_64():
    """One machine holds a whole /64: limits must not multiply by its addresses."""
    first = client_address(request("2001:db8:1:2::1"), [])
    other = client_address(request("2001:db8:1:2:ffff:ffff:ffff:ffff"), [])
    assert first == other == "2001:db8:1:2::/64"
    assert client_address(request("2001:db8:1:3::1"), []) != first
    assert client_address(request("::ffff:203.0.113.9"), []) == "203.0.113.9"
