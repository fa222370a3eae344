"""The scale-out path: Rasa's tracker and the desk on PostgreSQL, Rasa's locks in Redis."""

from __future__ import annotations

import uuid

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text

from tests.e2e.conftest import make_stack


@pytest.fixture(scope="module")
def server_stack(rasa_model, tmp_path_factory, postgres_url, redis_url):
    tracker_url = postgres_url.replace("+psycopg", "")
    stack, _ = make_stack(
        rasa_model,
        tmp_path_factory.mktemp("pg"),
        {
            "COMPTOIR_TRACKER_DATABASE_URL": tracker_url,
            "COMPTOIR_DESK_DATABASE_URL": postgres_url,
            "COMPTOIR_REDIS_URL": redis_url,
        },
    )
    stack.start()
    yield stack
    stack.stop()


def test_conversation_runs_on_postgres_and_redis(server_stack, postgres_url, redis_url):
    conversation = f"pg-{uuid.uuid4().hex[:10]}"
    redis_client = redis.Redis.from_url(redis_url)
    calls_before = sum(v["calls"] for v in redis_client.info("commandstats").values())
    url = f"{server_stack.config.desk_url}/api/conversations/{conversation}/messages"
    first = httpx.post(url, json={"text": "Bonjour"}, timeout=60)
    assert first.status_code == 200 and "Comptoir" in first.json()["messages"][0]["text"]
    second = httpx.post(url, json={"text": "quels moyens de paiement acceptez-vous ?"}, timeout=60)
    assert "PayPal" in "\n".join(m["text"] for m in second.json()["messages"])

    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        events = connection.execute(
            text("select count(*) from events where sender_id = :id"), {"id": conversation}
        ).scalar_one()
        desk_rows = connection.execute(
            text("select count(*) from desk_messages where conversation_id = :id"),
            {"id": conversation},
        ).scalar_one()
    engine.dispose()
    assert events > 4, "Rasa's tracker events must be in PostgreSQL"
    assert desk_rows >= 4, "the desk history must be in PostgreSQL"

    endpoints = (server_stack.config.run_dir / "endpoints.yml").read_text()
    assert "type: redis" in endpoints
    calls_after = sum(v["calls"] for v in redis_client.info("commandstats").values())
    assert calls_after > calls_before + 4, "Rasa must take its conversation locks in Redis"
