"""The bot speaks first: a signed-in shopper whose order is late hears it before asking.

When the shop's page gives the widget its signed-in shopper (the e-mail signed with
``identity_secret``, docs/orders.md) and a new conversation starts, the desk looks at
that shopper's own recent orders; for each one late now (``comptoir.shop.lateness``)
its first bot message says so: the order, what happened, the new estimate and the
tracking link. Nothing for an anonymous shopper, or an identity that does not check
out: the order's state is personal data.

The message is stored in the history like any other bot message, so the agent who
takes the chat later reads what the shopper was told.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from comptoir.desk.api_models import SignedCustomer
from comptoir.desk.late_notices import watched_orders
from comptoir.settings import Settings
from comptoir.shop.db import sessions as shop_sessions
from comptoir.shop.delay_wording import delay_chat
from comptoir.shop.lateness import Lateness, LateRules, lateness
from comptoir.shop.models import Customer, Order, Shipment
from comptoir.shop.verification import identity_is_valid

log = logging.getLogger("comptoir.desk")
DELAY_NOTICE = "delay_notice"
"""``custom["kind"]`` of the bot message that tells a shopper their order is late."""
MOST = 3
"""Late orders told at most in one greeting (the newest): more would drown the chat."""


def signed_email(settings: Settings, customer: SignedCustomer | None) -> str | None:
    """The shopper's e-mail when the shop's signature checks out, else None."""
    if customer is None or not settings.identity_secret:
        return None
    valid = identity_is_valid(
        customer.email,
        customer.signature,
        customer.expires,
        settings.identity_secret,
        settings.identity_max_age_s,
    )
    return customer.email.strip().lower() if valid else None


def late_orders_of(
    shop_url: str, email: str, rules: LateRules, today: date
) -> list[tuple[Lateness, Order]]:
    """This shopper's late orders, newest first (blocking: run in a thread)."""
    with shop_sessions(shop_url)() as session:
        orders = session.scalars(
            select(Order)
            .join(Order.customer)
            .where(Customer.email == email, watched_orders(rules.oldest_placed(today)))
            .order_by(Order.placed_at.desc())
            .limit(20)
            .options(
                selectinload(Order.lines),
                selectinload(Order.shipments).selectinload(Shipment.events),
            )
        )
        late = [(state, order) for order in orders if (state := lateness(order, today, rules))]
    return late[:MOST]


async def late_order_greetings(
    settings: Settings,
    customer: SignedCustomer | None,
    language: str,
    now: datetime | None = None,
) -> list[tuple[str, dict[str, str]]]:
    """The first bot messages for this shopper, as ``(text, custom)``: one per late order.

    Empty for an anonymous or unverified shopper, when the notices are turned off, and
    when the shop's database cannot be read (the chat must go on without it).
    """
    email = signed_email(settings, customer) if settings.notify_late_enabled else None
    if email is None:
        return []
    rules = LateRules.from_settings(settings)
    today = rules.today(now or datetime.now(UTC))
    try:
        late = await asyncio.to_thread(late_orders_of, settings.shop_db_url, email, rules, today)
    except Exception:  # the shop's database down: no greeting, the conversation goes on
        log.warning("late orders of a signed-in shopper could not be read", exc_info=True)
        return []
    return [
        (
            delay_chat(state, order, language),
            {"kind": DELAY_NOTICE, "order_number": order.number, "language": language},
        )
        for state, order in late
    ]
