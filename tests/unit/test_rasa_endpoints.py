"""Rasa's stores follow Comptoir's settings: embedded by default, servers when configured."""

from __future__ import annotations

from pathlib import Path

import yaml

from comptoir.rasa_endpoints import endpoints_yaml
from comptoir.settings import Settings


def test_defaults_are_embedded(tmp_path: Path):
    data = yaml.safe_load(endpoints_yaml(Settings(run_dir=tmp_path)))
    assert data["tracker_store"] == {
        "type": "SQL",
        "dialect": "sqlite",
        "db": str(tmp_path / "rasa-tracker.db"),
    }
    assert data["lock_store"] == {"type": "in_memory"}
    assert data["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"


def test_postgres_and_redis_when_configured():
    settings = Settings(
        tracker_database_url="postgresql://shop:secret@db.internal:6543/rasa",
        redis_url="redis://:pw@cache.internal:6380/2",
    )
    data = yaml.safe_load(endpoints_yaml(settings))
    assert data["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.internal",
        "db": "rasa",
        "port": 6543,
        "username": "shop",
        "password": "secret",
    }
    assert data["lock_store"] == {
        "type": "redis",
        "url": "cache.internal",
        "port": 6380,
        "db": 2,
        "key_prefix": "comptoir",
        "password": "pw",
    }


def test_the_action_endpoint_presents_the_token_from_rasas_environment():
    data = yaml.safe_load(endpoints_yaml(Settings(actions_token="t" * 40)))
    # Expanded by Rasa from its environment: the token is in neither the file nor argv.
    assert data["action_endpoint"]["headers"] == {
        "Authorization": "Bearer ${COMPTOIR_ACTIONS_TOKEN}"
    }
    assert "t" * 40 not in endpoints_yaml(Settings(actions_token="t" * 40))
