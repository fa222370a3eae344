"""Proof of ownership and its limits (comptoir/shop/verification.py), on SQLite and
PostgreSQL: what proves an order in each mode, who gets locked (the requester, never
the owner), the lockouts agents see, and signed identities with their expiry."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete

from comptoir.shop.db import sessions, upgrade
from comptoir.shop.demo import demo_orders
from comptoir.shop.importer import import_records
from comptoir.shop.models import ShopBase, VerificationAttempt, VerificationLockout
from comptoir.shop.service import load_order
from comptoir.shop.verification import (
    EMAIL_OR_POSTCODE,
    SIGNED_ONLY,
    Limits,
    Outcome,
    Proof,
    Requester,
    identity_is_valid,
    mask_order_number,
    order_total,
    read_proof,
    recent_lockouts,
    record_signed_in,
    sign_identity,
    verify,
    was_verified,
)

LEA = "lea.martin@example.fr"


@pytest.fixture(params=["sqlite", "postgres"])
def shop(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    session = sessions(url)()
    import_records(session, demo_orders(date.today()))
    session.execute(delete(VerificationAttempt))
    session.execute(delete(VerificationLockout))
    session.commit()
    yield session
    session.close()


def asker(address: str = "192.0.2.1") -> Requester:
    return Requester(f"c-{uuid.uuid4().hex[:10]}", address)


def outcome(shop, requester, number, text, limits=None, now=None) -> Outcome:
    limits = limits or Limits()
    proof = read_proof(text, limits.proof)
    return verify(shop, requester, number, proof, limits, now=now).outcome


# ------------------------------------------------------------------------- proofs
@pytest.mark.parametrize(
    ("text", "proof"),
    [
        ("Lea.Martin@example.fr", Proof(email="Lea.Martin@example.fr")),
        ("75011 Martin", Proof(postcode="75011", detail="Martin")),
        ("Martin, 75011", Proof(postcode="75011", detail="Martin")),
        ("75011, 89,00 €", Proof(postcode="75011", detail="89,00 €")),
        ("SW1A 1AA Wilson", Proof(postcode="SW1A 1AA", detail="Wilson")),
        ("75011", Proof(postcode="75011")),
        ("Martin", Proof(detail="Martin")),
    ],
)
def test_what_a_shopper_types_as_proof(text, proof):
    assert read_proof(text, EMAIL_OR_POSTCODE) == proof


def test_the_last_name_or_amount_may_follow_a_lone_postcode():
    assert read_proof("Martin", EMAIL_OR_POSTCODE, earlier="75011") == Proof("", "75011", "Martin")
    assert read_proof("89 €", EMAIL_OR_POSTCODE, earlier="75011").detail == "89 €"
    # in the default mode anything that is not an e-mail is a (wrong) e-mail
    assert read_proof("75011 Martin") == Proof(email="75011 Martin")


def test_the_default_proof_is_the_email_alone(shop):
    requester = asker()
    assert outcome(shop, requester, "CMD-10001", "75011") is Outcome.REJECTED
    assert outcome(shop, requester, "CMD-10001", "75011 Martin") is Outcome.REJECTED
    assert outcome(shop, requester, "CMD-10001", " Lea.Martin@Example.fr") is Outcome.VERIFIED


def test_a_postcode_proves_only_with_the_last_name_or_the_amount(shop):
    mode = Limits(proof=EMAIL_OR_POSTCODE, per_conversation=10, per_order_and_address_per_hour=10)
    requester = asker()
    assert order_total(load_order(shop, "CMD-10004")) == Decimal("94.00")  # 35 + 59
    for right in ("75011 Martin", "75 011 martin", "75011 MARTIN", "75011 94", "75011 94,00 €"):
        assert outcome(shop, requester, "CMD-10004", right, mode) is Outcome.VERIFIED, right
    for wrong in ("75011", "75011 Bernard", "75011 95", "69003 Martin", "Martin"):
        assert outcome(shop, requester, "CMD-10004", wrong, mode) is Outcome.REJECTED, wrong
    assert outcome(shop, requester, "CMD-10004", LEA, mode) is Outcome.VERIFIED
    # accents and hyphens do not matter in a last name
    order = load_order(shop, "CMD-10002")
    order.last_name = "Le Goff-Hélias"
    shop.commit()
    proof = Proof(postcode="SW1A1AA", detail="le goff helias")
    assert verify(shop, requester, "CMD-10002", proof, mode).outcome is Outcome.VERIFIED


def test_only_the_signed_identity_when_the_shop_says_so(shop):
    mode = Limits(proof=SIGNED_ONLY)
    result = verify(shop, asker(), "CMD-10001", read_proof(LEA, SIGNED_ONLY), mode)
    assert result.outcome is Outcome.SIGN_IN
    assert shop.query(VerificationAttempt).count() == 0  # not even counted


# ------------------------------------------------------------------------- limits
def test_unknown_number_and_wrong_proof_are_one_and_the_same_answer(shop):
    first = verify(shop, asker(), "CMD-10001", read_proof("x@y.fr"), Limits())
    second = verify(shop, asker(), "CMD-99999", read_proof(LEA), Limits())
    assert first.outcome is second.outcome is Outcome.REJECTED
    assert first.limit is second.limit is None


def test_three_failures_lock_the_conversation_even_for_the_right_email(shop):
    requester = asker()
    for _ in range(2):
        assert outcome(shop, requester, "CMD-10002", "x@y.fr") is Outcome.REJECTED
    third = verify(shop, requester, "CMD-10002", read_proof("x@y.fr"), Limits())
    assert (third.outcome, third.limit) == (Outcome.LOCKED, "conversation")
    assert outcome(shop, requester, "CMD-10002", "james.wilson@example.co.uk") is Outcome.LOCKED


def test_an_address_is_locked_after_its_hourly_failures_in_any_conversation(shop):
    now = datetime.now(UTC)
    results = [
        verify(shop, asker("203.0.113.7"), f"CMD-1000{n % 9 + 1}", read_proof("75011"), now=now)
        for n in range(10)
    ]
    assert [r.outcome for r in results[:9]] == [Outcome.REJECTED] * 9
    assert (results[9].outcome, results[9].limit) == (Outcome.LOCKED, "address")
    assert outcome(shop, asker("203.0.113.7"), "CMD-10001", LEA, now=now) is Outcome.LOCKED
    # the owner, elsewhere, is not; and the address is free again an hour later
    assert outcome(shop, asker("192.0.2.44"), "CMD-10001", LEA, now=now) is Outcome.VERIFIED
    later = now + timedelta(hours=1, minutes=1)
    assert outcome(shop, asker("203.0.113.7"), "CMD-10001", LEA, now=later) is Outcome.VERIFIED


def test_wrong_tries_on_an_order_lock_their_requester_not_the_owner(shop):
    now = datetime.now(UTC)
    for _ in range(5):
        result = verify(shop, asker("198.51.100.9"), "CMD-10008", read_proof("g@x.fr"), now=now)
    assert (result.outcome, result.limit) == (Outcome.LOCKED, "order_address")
    assert outcome(shop, asker("198.51.100.9"), "CMD-10008", "tom.bernard@example.fr", now=now) is (
        Outcome.LOCKED
    )
    # the same attacker may still be refused on other orders only by the other limits
    assert outcome(shop, asker("198.51.100.9"), "CMD-10003", "x@y.fr", now=now) is Outcome.REJECTED
    owner = asker("192.0.2.33")
    assert outcome(shop, owner, "CMD-10008", "tom.bernard@example.fr", now=now) is Outcome.VERIFIED


def test_an_unknown_address_still_has_the_conversation_and_global_limits(shop):
    requester = asker("")
    for _ in range(3):
        last = verify(shop, requester, "CMD-10001", read_proof("x@y.fr"), Limits())
    assert last.limit == "conversation"
    # twelve failures from unknown addresses lock nobody else
    for _ in range(12):
        verify(shop, asker(""), "CMD-10002", read_proof("x@y.fr"), Limits(per_conversation=50))
    assert outcome(shop, asker(""), "CMD-10002", "james.wilson@example.co.uk") is Outcome.VERIFIED


def test_past_the_global_limit_checks_pause_for_everyone(shop):
    limits = Limits(global_per_hour=4)
    for n in range(4):
        result = verify(shop, asker(f"203.0.113.{n}"), "CMD-10001", read_proof("x@y.fr"), limits)
    assert (result.outcome, result.limit) == (Outcome.PAUSED, "global")
    owner = verify(shop, asker("192.0.2.1"), "CMD-10001", read_proof(LEA), limits)
    assert owner.outcome is Outcome.PAUSED


def test_lockouts_are_recorded_once_with_the_order_number_partly_hidden(shop):
    requester = asker("203.0.113.9")
    for _ in range(4):
        verify(shop, requester, "CMD-10004", read_proof("x@y.fr"), Limits())
    (lockout,) = recent_lockouts(shop)
    assert (lockout.conversation_id, lockout.client_address) == (
        requester.conversation_id,
        "203.0.113.9",
    )
    assert (lockout.order_number, lockout.limit_reached) == ("CMD-•••04", "conversation")
    assert mask_order_number("CMD-10004") == "CMD-•••04" and mask_order_number("12") == "••"


def test_only_a_proved_order_counts_as_verified_in_its_conversation(shop):
    requester = asker()
    assert not was_verified(shop, requester.conversation_id, "CMD-10001")
    verify(shop, requester, "CMD-10001", read_proof(LEA), Limits())
    assert was_verified(shop, requester.conversation_id, "CMD-10001")
    assert not was_verified(shop, "another-conversation", "CMD-10001")
    record_signed_in(shop, requester, "CMD-10004")
    assert was_verified(shop, requester.conversation_id, "CMD-10004")


# ------------------------------------------------------------- signed identities
def test_a_signed_identity_carries_its_expiry():
    now = 1_800_000_000
    signature = sign_identity("Lea.Martin@example.fr", "s3cret", now + 600)
    expected = hmac.new(b"s3cret", f"{LEA}|{now + 600}".encode(), hashlib.sha256).hexdigest()
    assert signature == expected
    assert identity_is_valid(LEA, signature, now + 600, "s3cret", 3600, now=now)
    assert identity_is_valid(LEA, signature.upper(), str(now + 600), "s3cret", 3600, now=now)
    assert not identity_is_valid(LEA, signature, now + 600, "other", 3600, now=now)
    assert not identity_is_valid("tom@example.fr", signature, now + 600, "s3cret", 3600, now=now)
    assert not identity_is_valid(LEA, signature, now + 601, "s3cret", 3600, now=now)  # altered
    assert not identity_is_valid(LEA, signature, None, "s3cret", 3600, now=now)
    assert not identity_is_valid(LEA, signature, "soon", "s3cret", 3600, now=now)
    assert not identity_is_valid("", "", now + 600, "s3cret", 3600, now=now)


def test_an_identity_is_refused_once_expired_or_when_it_claims_too_long_a_life():
    now = 1_800_000_000
    expired = sign_identity(LEA, "s3cret", now - 1)
    assert not identity_is_valid(LEA, expired, now - 1, "s3cret", 3600, now=now)
    far = sign_identity(LEA, "s3cret", now + 7200)
    assert not identity_is_valid(LEA, far, now + 7200, "s3cret", 3600, now=now)
    assert identity_is_valid(LEA, far, now + 7200, "s3cret", 7200, now=now)
    # no secret configured: no signed-in shoppers at all
    unsigned = sign_identity(LEA, "", now + 60)
    assert not identity_is_valid(LEA, unsigned, now + 60, "", 3600, now=now)


# ------------------------------------------------------------------------ schema
def test_migration_0003_builds_what_the_models_say(tmp_path):
    """The columns and tables of proof and lockouts match the models (older drift in
    foreign keys' nullability is not this migration's)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    engine = sessions(url).kw["bind"]
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), ShopBase.metadata)
    mine = ("shop_verification", "last_name", "total", "client_address")
    assert [d for d in differences if any(word in repr(d) for word in mine)] == []


# ---------------------------------------------------------------- command line
def test_identity_sign_prints_a_signature_the_bot_accepts(monkeypatch, capsys):
    import time

    from comptoir.cli import main
    from comptoir.settings import get_settings

    monkeypatch.setenv("COMPTOIR_IDENTITY_SECRET", "k" * 32)
    get_settings.cache_clear()
    try:
        assert main(["identity", "sign", "Lea.Martin@example.fr", "--ttl", "600"]) == 0
        out = dict(line.split(": ") for line in capsys.readouterr().out.splitlines())
        assert 590 <= int(out["expires"]) - time.time() <= 600
        assert identity_is_valid(LEA, out["signature"], out["expires"], "k" * 32, 3600)
        # longer than the shop accepts: refused rather than printing a useless identity
        assert main(["identity", "sign", LEA, "--ttl", "7200"]) == 2
        assert "COMPTOIR_IDENTITY_MAX_AGE_S" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
