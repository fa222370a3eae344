"""Order numbers, verification and its rate limit, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import delete

from comptoir.shop.db import sessions, upgrade
from comptoir.shop.demo import demo_orders
from comptoir.shop.describe import describe_order
from comptoir.shop.importer import import_records
from comptoir.shop.models import VerificationAttempt
from comptoir.shop.numbers import normalise_order_number
from comptoir.shop.service import load_order
from comptoir.shop.verification import Outcome, Requester, read_proof, verify


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("n° 10001", "CMD-10001"),
        ("#cmd-10001", "CMD-10001"),
        ("ma commande c'est 10001", "CMD-10001"),
        ("CMD10001", "CMD-10001"),
        ("où est ma commande CMD-10023 ?", "CMD-10023"),
        ("order #10042", "CMD-10042"),
        ("numéro 10042 svp", "CMD-10042"),
        ("10001 et 75011", None),  # two candidates: ask rather than guess
        ("j'ai payé 10001 €", None),
        ("bonjour", None),
        ("", None),
    ],
)
def test_order_numbers_as_shoppers_type_them(text, number):
    assert normalise_order_number(text) == number


@pytest.fixture(params=["sqlite", "postgres"])
def shop(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.db'}"
    else:
        url = request.getfixturevalue("postgres_url").replace("+psycopg", "+psycopg")
    upgrade(url)
    session = sessions(url)()
    import_records(session, demo_orders(date.today()))
    session.execute(delete(VerificationAttempt))
    session.commit()
    yield session
    session.close()


def test_import_is_idempotent_and_reports_bad_records(shop):
    good = demo_orders(date.today())[:2]
    bad = {**good[0], "number": "hello", "email": "not-an-email"}
    report = import_records(shop, [*good, bad, {"number": "CMD-1"}])
    assert (report.created, report.updated) == (0, 2)
    assert len(report.errors) == 2
    assert "record 3" in report.errors[0] and "email" in report.errors[0]


def test_verification_by_email(shop):
    """The default proof is the order's e-mail; the postcode alone proves nothing."""
    asker = Requester(uuid.uuid4().hex, "192.0.2.1")
    email = read_proof("Lea.Martin@example.fr ")
    assert verify(shop, asker, "CMD-10001", email).outcome is Outcome.VERIFIED
    assert verify(shop, asker, "CMD-10001", read_proof("75 011")).outcome is Outcome.REJECTED
    assert verify(shop, asker, "CMD-99999", email).outcome is Outcome.REJECTED


def test_description_of_a_late_order_starts_with_the_delay(shop):
    report = describe_order(load_order(shop, "CMD-10003"), "fr", date.today())
    assert report.late and report.messages[0].startswith("Votre commande CMD-10003 est en retard")
    english = describe_order(load_order(shop, "CMD-10003"), "en", date.today())
    assert english.messages[0].startswith("Your order CMD-10003 is late")


def test_stuck_parcel_and_exception_offer_an_inquiry(shop):
    assert describe_order(load_order(shop, "CMD-10005"), "fr", date.today()).offer_inquiry
    assert describe_order(load_order(shop, "CMD-10010"), "fr", date.today()).offer_inquiry
    assert not describe_order(load_order(shop, "CMD-10002"), "fr", date.today()).offer_inquiry


def test_times_with_an_offset_are_read_back_at_the_same_instant(shop):
    """A Paris scan at 23:30 stays the 20th in Paris: SQLite keeps no offset, so the
    importer stores UTC; read back as local wall time it would be a day late."""
    from datetime import UTC, datetime

    from comptoir.desk.db import as_utc

    record = {
        "number": "CMD-77001",
        "email": "paris@example.fr",
        "postcode": "75011",
        "placed_at": "2026-11-18T23:50:00+01:00",
        "status": "in_transit",
        "lines": [{"sku": "S-1", "name": "Lampe", "qty": 1, "unit_price": 30}],
        "shipments": [
            {
                "carrier": "Colissimo",
                "tracking_number": "6A000000001",
                "events": [{"at": "2026-11-20T23:30:00+01:00", "status": "in_transit"}],
            }
        ],
    }
    assert not import_records(shop, [record]).errors
    shop.commit()
    shop.expire_all()
    order = load_order(shop, "CMD-77001")
    assert as_utc(order.placed_at) == datetime(2026, 11, 18, 22, 50, tzinfo=UTC)
    assert as_utc(order.shipments[0].events[0].at) == datetime(2026, 11, 20, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "style", "number"),
    [
        ("727", "digits", "727"),  # WooCommerce's own example order
        ("#0727", "hash", "#727"),
        ("ma commande 727 n'arrive pas", "digits", "727"),
        ("il coûte 727 €", "digits", None),
    ],
)
def test_short_platform_numbers_are_orders(given, style, number):
    """A platform numbers its first orders with three digits: a field or a reply holding
    only that number is the order; a short number inside a sentence needs a marker."""
    from comptoir.shop.numbers import canonical_order_number

    assert normalise_order_number(given, style) == number
    if number and given.strip().lstrip("#").isdigit():
        assert canonical_order_number(given, style) == number
