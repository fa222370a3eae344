"""Conversation tokens: tied to the id and the desk's secret, dated, and expiring."""

from __future__ import annotations

import time

import pytest

from comptoir.desk.conversation_tokens import check_token, is_reserved, token_for, token_is_valid

DAY = 86400


def test_a_token_opens_its_conversation_only():
    token = token_for("s3cret", "c-1")
    assert check_token("s3cret", "c-1", token, 30 * DAY) == "ok"
    assert check_token("s3cret", "c-2", token, 30 * DAY) == "wrong"
    assert check_token("other", "c-1", token, 30 * DAY) == "wrong"
    assert check_token("s3cret", "c-1", "", 30 * DAY) == "missing"


def test_a_token_expires_after_its_lifetime():
    now = time.time()
    old = token_for("s3cret", "c-1", issued_at=now - 31 * DAY)
    assert check_token("s3cret", "c-1", old, 30 * DAY, now=now) == "expired"
    recent = token_for("s3cret", "c-1", issued_at=now - 29 * DAY)
    assert check_token("s3cret", "c-1", recent, 30 * DAY, now=now) == "ok"
    assert token_is_valid("s3cret", "c-1", old), "without a lifetime only the HMAC counts"


def test_the_date_cannot_be_changed_nor_put_in_the_future():
    now = time.time()
    token = token_for("s3cret", "c-1", issued_at=now - 31 * DAY)
    _stamp, digest = token.split(".")
    moved = f"{format(int(now), 'x')}.{digest}"
    assert check_token("s3cret", "c-1", moved, 30 * DAY, now=now) == "wrong"
    future = token_for("s3cret", "c-1", issued_at=now + 3600)
    assert check_token("s3cret", "c-1", future, 30 * DAY, now=now) == "wrong"


@pytest.mark.parametrize(
    "garbage", ["x", ".", "zz.abc", "1" * 40, "é.é", "0." + "0" * 40, "ffffffffffffff.ab"]
)
def test_garbage_is_refused_without_an_error(garbage):
    assert check_token("s3cret", "c-1", garbage, 30 * DAY) == "wrong"


def test_the_desks_own_channels_are_reserved():
    assert is_reserved("__console__") and is_reserved("__x")
    assert not is_reserved("_a") and not is_reserved("w-123")
