"""The abuse limits: windows, Retry-After, socket places, in memory and in Redis."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from comptoir.desk.limits import (
    Limits,
    MemoryCounter,
    RedisCounter,
    already_rated,
    describe_wait,
    wait_for_window,
)
from comptoir.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_window_allows_its_limit_then_says_when_to_come_back():
    clock = Clock()
    counter = MemoryCounter(clock)
    assert [(await counter.hit("a", 3, 60)).allowed for _ in range(3)] == [True] * 3
    clock.now += 20
    refused = await counter.hit("a", 3, 60)
    assert not refused.allowed and refused.retry_after_s == 40
    assert (await counter.hit("b", 3, 60)).allowed, "another key has its own window"
    clock.now += 40
    assert (await counter.hit("a", 3, 60)).allowed, "a new window after the first one ends"


async def test_refused_hits_do_not_push_the_window_back():
    clock = Clock()
    counter = MemoryCounter(clock)
    await counter.hit("a", 1, 60)
    for _ in range(5):
        clock.now += 10
        await counter.hit("a", 1, 60)
    clock.now += 10.5
    assert (await counter.hit("a", 1, 60)).allowed


async def test_socket_places_are_held_and_given_back():
    counter = MemoryCounter()
    assert await counter.acquire("s", 2) and await counter.acquire("s", 2)
    assert not await counter.acquire("s", 2)
    await counter.release("s")
    assert await counter.acquire("s", 2)


async def test_the_socket_context_releases_only_what_it_took():
    limits = Limits(Settings(limit_sockets_per_conversation=1), MemoryCounter())
    async with limits.socket("c") as first, limits.socket("c") as second:
        assert first and not second
    async with limits.socket("c") as again:
        assert again


def test_wait_for_window_counts_from_the_oldest_that_must_age_out():
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    day = timedelta(days=1)
    times = [now - timedelta(hours=h) for h in (30, 20, 5)]
    assert wait_for_window(times, 3, day, now) == 0  # one is older than a day
    assert wait_for_window(times, 2, day, now) == 4 * 3600  # the 20-hour-old one
    assert wait_for_window(times, 1, day, now) == 19 * 3600


async def test_a_refusal_is_a_polite_429_in_the_shoppers_language():
    settings = Settings(limit_messages_per_address_per_minute=1)
    limits = Limits(settings, MemoryCounter())
    assert await limits.message("192.0.2.1", new=False, language="en") is None
    refused = await limits.message("192.0.2.1", new=False, language="en")
    assert refused is not None and refused.status == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    body = json.loads(refused.body)
    assert body["error"] == "too_many_requests" and body["detail"]
    assert "too many messages" in body["message"] and "minute" in body["message"]
    assert await limits.message("192.0.2.2", new=False, language="fr") is None


async def test_new_conversations_are_counted_apart_from_messages():
    settings = Settings(limit_new_conversations_per_address_per_hour=1)
    limits = Limits(settings, MemoryCounter())
    assert await limits.message("192.0.2.1", new=True, language="fr") is None
    assert await limits.message("192.0.2.1", new=False, language="fr") is None
    refused = await limits.message("192.0.2.1", new=True, language="fr")
    assert refused is not None and "nouvelles conversations" in json.loads(refused.body)["message"]
    assert int(refused.headers["Retry-After"]) > 3500


def test_second_score_answer_and_waits_in_words():
    body = json.loads(already_rated("fr").body)
    assert body["error"] == "already_rated" and "déjà" in body["message"]
    assert describe_wait(45, "fr") == "45 secondes"
    assert describe_wait(600, "en") == "about 10 minutes"
    assert describe_wait(7200, "fr") == "environ 2 heures"


async def test_redis_counts_are_shared_between_desk_processes(redis_url):
    one, two = RedisCounter(redis_url), RedisCounter(redis_url)
    key = f"test:{uuid.uuid4().hex}"
    try:
        assert (await one.hit(key, 2, 60)).allowed and (await two.hit(key, 2, 60)).allowed
        refused = await one.hit(key, 2, 60)
        assert not refused.allowed and 0 < refused.retry_after_s <= 60
        assert await one.acquire(key + ":s", 1)
        assert not await two.acquire(key + ":s", 1)
        await one.release(key + ":s")
        assert await two.acquire(key + ":s", 1)
        await two.release(key + ":s")
    finally:
        await one.close()
        await two.close()


async def test_an_unreachable_redis_lets_shoppers_through():
    counter = RedisCounter("redis://127.0.0.1:1/0")
    try:
        assert (await counter.hit("k", 1, 60)).allowed
        assert await counter.acquire("k", 1)
        await counter.release("k")
    finally:
        await counter.close()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_feedback_is_limited_per_conversation(language):
    limits = Limits(Settings(limit_feedback_per_conversation=2), MemoryCounter())
    assert await limits.feedback("c", language) is None
    assert await limits.feedback("c", language) is None
    refused = await limits.feedback("c", language)
    assert refused is not None and refused.status == 429
    assert await limits.feedback("d", language) is None
