"""Forwarded headers are believed only from the proxies the operator trusts."""

from __future__ import annotations

from types import SimpleNamespace

from comptoir.desk.proxy import client_address, request_scheme


def request(peer: str, forwarded_for: str = "", proto: str = "", scheme: str = "http"):
    headers = {"x-forwarded-for": forwarded_for, "x-forwarded-proto": proto}
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
