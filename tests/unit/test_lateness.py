"""When an order is late, why, its fingerprint, and the words the shopper reads about it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from comptoir.shop.delay_wording import Contact, delay_chat, delay_email
from comptoir.shop.lateness import LateRules, lateness
from comptoir.shop.models import Customer, Order, OrderLine, Shipment, TrackingEvent

TODAY = date(2026, 11, 16)  # a Monday; Wednesday 11 November was a public holiday
RULES = LateRules(no_scan_working_days=3, max_age_days=45, timezone="Europe/Paris")
CONTACT = Contact("aide@boutique.example", "01 23 45 67 89", "du lundi au vendredi", 12)


def at(day: date, hour: int = 10, tz: timezone = UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)


def parcel(*events: tuple[date, str], tracking: str = "6A001", description: str = "") -> Shipment:
    return Shipment(
        carrier="colissimo",
        tracking_number=tracking,
        tracking_url=f"https://suivi.example/{tracking}",
        skus=["LAMP"],
        events=[
            TrackingEvent(at=at(day), status=status, location="Lyon", description=description)
            for day, status in events
        ],
    )


def order(
    status: str = "in_transit",
    promised: date | None = TODAY + timedelta(days=2),
    revised: date | None = None,
    placed: date = TODAY - timedelta(days=5),
    shipments: list[Shipment] | None = None,
    language: str = "fr",
) -> Order:
    return Order(
        number="CMD-10002",
        email="lea@example.fr",
        postcode="75011",
        status=status,
        placed_at=at(placed),
        promised_delivery=promised,
        revised_delivery=revised,
        language=language,
        customer=Customer(email="lea@example.fr", first_name="Léa"),
        shipments=shipments if shipments is not None else [parcel((TODAY, "in_transit"))],
    )


# ------------------------------------------------------------------------- the rules
def test_an_order_on_its_way_before_its_date_is_not_late():
    assert lateness(order(), TODAY, RULES) is None


def test_a_revised_date_after_the_promised_one_is_late_with_that_date_as_the_estimate():
    late = lateness(order(revised=TODAY + timedelta(days=6)), TODAY, RULES)
    assert late.reason == "revised"
    assert late.fingerprint == "revised:2026-11-22"
    assert late.estimate == date(2026, 11, 22)
    assert late.promised == date(2026, 11, 18)


def test_a_revised_date_before_the_promised_one_is_good_news_not_a_delay():
    assert lateness(order(revised=TODAY + timedelta(days=1)), TODAY, RULES) is None


def test_a_promised_date_passed_without_delivery_is_late_with_no_new_date():
    late = lateness(order(promised=TODAY - timedelta(days=1)), TODAY, RULES)
    assert late.reason == "overdue"
    assert late.fingerprint == "overdue:2026-11-15"
    assert late.estimate is None
    # the promised day itself is not late yet
    assert lateness(order(promised=TODAY), TODAY, RULES) is None


def test_a_revised_date_that_passed_too_is_told_as_overdue_on_that_date():
    late = lateness(
        order(promised=TODAY - timedelta(days=6), revised=TODAY - timedelta(days=1)), TODAY, RULES
    )
    assert (late.reason, late.fingerprint) == ("overdue", "overdue:2026-11-15")
    assert late.reasons == ("overdue", "revised")
    assert late.estimate is None


def test_no_scan_counts_full_french_working_days_skipping_the_public_holiday():
    # Last scan Monday 9 November; Wednesday 11 November (Armistice) is not a working day.
    shipments = [parcel((date(2026, 11, 9), "in_transit"))]
    on_friday = lateness(order(shipments=shipments), date(2026, 11, 13), RULES)
    assert on_friday is None  # Tuesday and Thursday only: 2 working days
    late = lateness(order(shipments=shipments), TODAY, RULES)  # + Friday: 3
    assert late.reason == "no_scan"
    assert late.fingerprint == "no_scan:6A001:2026-11-09"
    assert late.since == date(2026, 11, 9)
    assert late.parcel.tracking_number == "6A001"
    assert late.estimate == date(2026, 11, 18)  # the promised date still stands


def test_the_carrier_saying_delivered_beats_a_back_office_that_did_not_update_yet():
    promised = dict(promised=TODAY - timedelta(days=3), status="in_transit")
    arrived = order(shipments=[parcel((TODAY - timedelta(days=4), "delivered"))], **promised)
    arrived.lines = [OrderLine(sku="LAMP", name="Lampe Orsay", qty=1, unit_price=89)]
    assert lateness(arrived, TODAY, RULES) is None
    # one item still to ship: the order is not complete, and it is late
    arrived.lines.append(OrderLine(sku="THROW", name="Plaid", qty=1, unit_price=59))
    assert lateness(arrived, TODAY, RULES).reason == "overdue"


def test_a_delivered_parcel_or_one_never_scanned_is_not_stalled():
    delivered = [parcel((date(2026, 11, 2), "delivered"))]
    assert lateness(order(shipments=delivered), TODAY, RULES) is None
    never_scanned = [parcel()]
    assert lateness(order(shipments=never_scanned), TODAY, RULES) is None


def test_the_parcel_stalled_longest_is_the_one_told_about():
    shipments = [
        parcel((date(2026, 11, 5), "in_transit"), tracking="6A002"),
        parcel((date(2026, 11, 3), "in_transit"), tracking="6A003"),
        parcel((TODAY, "in_transit"), tracking="6A004"),
    ]
    late = lateness(order(shipments=shipments), TODAY, RULES)
    assert late.fingerprint == "no_scan:6A003:2026-11-03"


def test_a_delivery_exception_on_a_parcel_is_late_with_the_carriers_words():
    shipments = [
        parcel(
            (date(2026, 11, 12), "shipped"),
            (date(2026, 11, 13), "delivery_exception"),
            description="Adresse incomplète",
        )
    ]
    late = lateness(order(status="delivery_exception", shipments=shipments), TODAY, RULES)
    assert late.reason == "exception"
    assert late.fingerprint == "exception:6A001:2026-11-13T10:00"
    assert late.detail == "Adresse incomplète"
    assert late.since == date(2026, 11, 13)


def test_a_delivery_exception_known_only_from_the_order_status():
    late = lateness(order(status="delivery_exception"), TODAY, RULES)
    assert (late.reason, late.fingerprint, late.parcel) == ("exception", "exception:order", None)


@pytest.mark.parametrize(
    "status", ["delivered", "cancelled", "returned_to_sender", "pending_payment"]
)
def test_finished_or_unpaid_orders_are_never_late(status):
    stale = order(status=status, promised=TODAY - timedelta(days=9), revised=TODAY)
    assert lateness(stale, TODAY, RULES) is None


def test_orders_older_than_the_window_are_left_alone():
    overdue = dict(promised=TODAY - timedelta(days=30))
    assert lateness(order(placed=TODAY - timedelta(days=46), **overdue), TODAY, RULES) is None
    assert lateness(order(placed=TODAY - timedelta(days=45), **overdue), TODAY, RULES) is not None
    wider = LateRules(max_age_days=60)
    assert lateness(order(placed=TODAY - timedelta(days=46), **overdue), TODAY, wider)


def test_several_reasons_pick_the_most_informative_the_same_way_every_time():
    shipments = [
        parcel((date(2026, 11, 2), "in_transit"), tracking="6A005"),
        parcel((date(2026, 11, 13), "delivery_exception"), tracking="6A006"),
    ]
    both = order(promised=TODAY - timedelta(days=2), revised=TODAY + 4 * timedelta(days=1))
    both.shipments = shipments
    late = lateness(both, TODAY, RULES)
    assert late.reasons == ("exception", "no_scan", "revised")
    assert late.reason == "exception"
    assert late.parcel.tracking_number == "6A006"
    shipments.reverse()  # the order of the parcels changes nothing
    assert lateness(both, TODAY, RULES).fingerprint == late.fingerprint


# ------------------------------------------------------------------ fingerprints
def test_the_same_state_seen_again_has_the_same_fingerprint():
    first = lateness(order(revised=TODAY + timedelta(days=6)), TODAY, RULES)
    later = lateness(order(revised=TODAY + timedelta(days=6)), TODAY + timedelta(days=1), RULES)
    assert first.fingerprint == later.fingerprint


def test_a_new_revised_date_or_a_new_stall_changes_the_fingerprint():
    first = lateness(order(revised=TODAY + timedelta(days=6)), TODAY, RULES)
    moved = lateness(order(revised=TODAY + timedelta(days=9)), TODAY, RULES)
    assert first.fingerprint != moved.fingerprint
    stalled = [parcel((date(2026, 11, 2), "in_transit"))]
    rescanned = [parcel((date(2026, 11, 2), "in_transit"), (date(2026, 11, 5), "in_transit"))]
    a = lateness(order(shipments=stalled), TODAY, RULES)
    b = lateness(order(shipments=rescanned), TODAY, RULES)
    assert a.reason == b.reason == "no_scan" and a.fingerprint != b.fingerprint


def test_an_instant_read_back_naive_utc_or_with_an_offset_gives_one_fingerprint():
    paris = timezone(timedelta(hours=1))
    aware = parcel((TODAY, "delivery_exception"))
    aware.events[0].at = datetime(2026, 11, 13, 11, 30, tzinfo=paris)
    naive = parcel((TODAY, "delivery_exception"))
    naive.events[0].at = datetime(2026, 11, 13, 10, 30)  # SQLite: UTC without offset
    a = lateness(order(shipments=[aware]), TODAY, RULES)
    b = lateness(order(shipments=[naive]), TODAY, RULES)
    assert a.fingerprint == b.fingerprint == "exception:6A001:2026-11-13T10:30"


# ------------------------------------------------------------------------ the words
def test_the_french_notice_says_sorry_what_happened_the_new_date_and_who_to_reach():
    late_order = order(revised=TODAY + timedelta(days=6))
    late = lateness(late_order, TODAY, RULES)
    words = delay_email(late, late_order, "fr", CONTACT, "Léa")
    assert words.subject == "Votre commande CMD-10002 aura du retard"
    assert words.greeting == "Bonjour Léa,"
    text = "\n".join(words.paragraphs + words.after)
    assert "désolés" in text and "mercredi 18 novembre" in text  # the promised day
    assert "Nouvelle date de livraison estimée : dimanche 22 novembre." in text
    assert "Colissimo, n° de suivi 6A001" in text
    assert words.links == (("Suivre le colis 6A001", "https://suivi.example/6A001"),)
    assert "aide@boutique.example" in text and "01 23 45 67 89" in text
    assert "12 heures ouvrées" in text
    assert "revised" not in text and "in_transit" not in text


def test_the_english_notice_is_all_english_and_honest_without_a_new_date():
    late_order = order(promised=TODAY - timedelta(days=1), language="en")
    late = lateness(late_order, TODAY, RULES)
    contact = Contact("help@shop.example", "+33 1 23 45 67 89", "Monday to Friday", 12)
    words = delay_email(late, late_order, "en", contact)
    assert words.subject == "Your order CMD-10002 is running late"
    assert words.greeting == "Hello,"
    text = "\n".join(words.paragraphs + words.after)
    assert "was due on Sunday 15 November" in text
    assert "We do not have a new date yet" in text
    assert "+33 1 23 45 67 89" in text and "12 business hours" in text
    assert not any(word in text for word in ("commande", "colis", "novembre", "overdue"))


def test_an_exception_quotes_the_carrier_and_a_stall_names_the_parcel():
    shipments = [
        parcel((date(2026, 11, 13), "delivery_exception"), description="Adresse incomplète")
    ]
    exception_order = order(shipments=shipments)
    late = lateness(exception_order, TODAY, RULES)
    said = delay_email(late, exception_order, "fr", CONTACT).paragraphs
    assert "problème de livraison" in said[0]
    assert said[1] == "Son message, le vendredi 13 novembre : « Adresse incomplète »."
    stalled_order = order(shipments=[parcel((date(2026, 11, 2), "in_transit"))], language="en")
    late = lateness(stalled_order, TODAY, RULES)
    said = delay_email(late, stalled_order, "en", CONTACT).paragraphs
    assert "(Colissimo, tracking number 6A001)" in said[0]
    assert "since Monday 2 November" in said[0]


def test_the_chat_message_gives_the_fact_the_estimate_and_a_tracking_link():
    late_order = order(revised=TODAY + timedelta(days=6))
    late = lateness(late_order, TODAY, RULES)
    french = delay_chat(late, late_order, "fr")
    assert "**CMD-10002**" in french and "mercredi 18 novembre" in french
    assert "dimanche 22 novembre" in french
    assert "[Suivre le colis 6A001](https://suivi.example/6A001)" in french
    english = delay_chat(late, late_order, "en")
    assert english.startswith("Hello! Something you should know first: your order **CMD-10002**")
    assert "Sunday 22 November" in english
