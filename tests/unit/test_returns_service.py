"""Return records on SQLite and PostgreSQL: one open return per item, legal transitions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete

from comptoir.shop.db import sessions
from comptoir.shop.demo import seed
from comptoir.shop.eligibility import Eligibility
from comptoir.shop.models import ReturnEvent, ReturnRequest
from comptoir.shop.policy import load_policy
from comptoir.shop.returns import (
    TransitionError,
    create_return,
    find_return,
    refund_due,
    refund_overdue,
    set_status,
)
from comptoir.shop.service import load_order

OK = Eligibility(True, "shop_fault", "shop", None, None)


@pytest.fixture(params=["sqlite", "postgres"])
def shop(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'shop.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    seed(url)
    session = sessions(url)()
    session.execute(delete(ReturnEvent))
    session.execute(delete(ReturnRequest))
    session.commit()
    yield session
    session.close()


def test_one_open_return_per_item(shop):
    order = load_order(shop, "CMD-10015")
    first, created = create_return(
        shop,
        order,
        sku="SPEAKER-NOVA",
        reason="damaged_in_transit",
        resolution="exchange",
        eligibility=OK,
    )
    again, created_again = create_return(
        shop, order, sku="SPEAKER-NOVA", reason="defective", resolution="repair", eligibility=OK
    )
    assert created and not created_again and again.number == first.number
    other, created_other = create_return(
        shop,
        order,
        sku="CANDLE-FIGUIER",
        reason="damaged_in_transit",
        resolution="refund",
        eligibility=OK,
    )
    assert created_other and other.number != first.number
    assert first.status == "label_sent"  # the shop pays: the label goes out at once


def test_transitions_keep_a_history_and_refuse_jumps(shop):
    order = load_order(shop, "CMD-10015")
    record, _ = create_return(
        shop, order, sku="SPEAKER-NOVA", reason="defective", resolution="repair", eligibility=OK
    )
    with pytest.raises(TransitionError, match="next can be"):
        set_status(shop, record.number, "refunded")
    set_status(shop, record.number, "in_transit")
    set_status(shop, record.number, "received", on=date.today() - timedelta(days=12))
    policy = load_policy()
    assert refund_due(policy, record) == date.today() - timedelta(days=2)
    assert refund_overdue(policy, record, date.today())
    set_status(shop, record.number, "inspected")
    set_status(shop, record.number, "repaired", note="new switch")
    shown = find_return(shop, record.number)
    assert [e.status for e in shown.history] == [
        "requested",
        "label_sent",
        "in_transit",
        "received",
        "inspected",
        "repaired",
    ]
    assert not refund_overdue(policy, shown, date.today())
    # a closed return frees the item for a new one
    _, created = create_return(
        shop, order, sku="SPEAKER-NOVA", reason="defective", resolution="repair", eligibility=OK
    )
    assert created


def test_numbers_are_sequential_per_year(shop):
    order = load_order(shop, "CMD-10015")
    a, _ = create_return(
        shop, order, sku="SPEAKER-NOVA", reason="defective", resolution="repair", eligibility=OK
    )
    b, _ = create_return(
        shop, order, sku="CANDLE-FIGUIER", reason="defective", resolution="refund", eligibility=OK
    )
    year = date.today().year
    assert a.number == f"R-{year}-000001" and b.number == f"R-{year}-000002"
