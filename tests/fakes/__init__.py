"""Fake shop platforms: real HTTP servers on loopback, shaped after the official docs.

``server.py`` is the shared base (routing, request log, injected faults); one module per
platform implements its documented requests and answers. Tests, the end-to-end
conversation and the benchmarks talk to them over real sockets, as Comptoir would talk
to the shop's platform.

``platforms.py`` says, for each fake, how to drive it from outside (a
``FakePlatform``): the end-to-end conversation (tests/e2e/test_connector_orders.py)
and the benchmark (benchmarks/connectors.py) loop over ``available()``, so a platform
whose fake exists is covered by both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.fakes.server import FakeServer


@dataclass(frozen=True)
class Scenario:
    """An order of the fake a shopper asks about in the end-to-end conversation."""

    typed: str  # the number as the shopper types it ("1234", "#1001", "XKBKNABJK")
    email: str  # the proof
    expected: tuple[str, ...]  # words the French answer must contain (status, tracking)


@dataclass(frozen=True)
class FakePlatform:
    """How to run one platform's fake and point Comptoir at it, from outside."""

    #: The ``shop_connector`` setting ("http", "woocommerce", ...).
    connector: str
    #: A fake (not started) holding its sample orders (those of the docs' examples).
    make: Callable[[], FakeServer]
    #: The ``COMPTOIR_*`` settings that reach the running fake with a valid key.
    settings: Callable[[FakeServer], dict[str, str]]
    #: The order the end-to-end conversation asks about.
    scenario: Scenario
    #: Add ``count`` orders changed now to a fake (the sync benchmark's 10k); their
    #: numbers as Comptoir stores them.
    add_orders: Callable[[FakeServer, int], list[str]]
