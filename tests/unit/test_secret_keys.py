"""Secrets checked before serving, demo secrets generated once, run files kept private."""

from __future__ import annotations

import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from sanic.compat import Header

from actions.server import is_authorised
from comptoir import secret_keys
from comptoir.secret_keys import (
    SecretsRefused,
    demo_secrets,
    make_run_dir_private,
    read_secrets_file,
    secret_problems,
    settings_for_process,
    weakness,
)
from comptoir.settings import Settings, get_settings

GOOD = "k" * 8 + "Zr4_vQ9-x8TqL2mNw7pYc3sHd6fJb1"  # 38 characters


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def all_secrets(**overrides: str) -> dict[str, str]:
    values = {spec.field: f"{spec.field}-{GOOD}" for spec in secret_keys.SECRETS}
    return values | overrides


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "is not set"),
        ("dev-conversation-secret", "published"),
        (" Demo-Shop-Secret ", "published"),
        ("change-me", "published"),
        ("dev-reload-token", "published"),
        ("x" * 31, "too short (31 characters"),
    ],
)
def test_weak_values_are_named(value, expected):
    assert expected in weakness(value)


def test_a_long_random_value_is_fine():
    assert weakness(GOOD) is None


def test_each_role_checks_only_its_secrets(tmp_path):
    settings = Settings(run_dir=tmp_path, **all_secrets(conversation_secret="change-me"))
    (problem,) = secret_problems(settings, "desk")
    assert problem.startswith("COMPTOIR_CONVERSATION_SECRET is a published value")
    assert secret_problems(settings, "actions") == []
    assert len(secret_problems(Settings(run_dir=tmp_path), "run")) == 4


def test_the_webhook_secret_is_needed_only_with_a_webhook(tmp_path):
    settings = Settings(run_dir=tmp_path, **all_secrets(handoff_webhook_secret=""))
    assert secret_problems(settings, "desk") == []
    with_url = settings.model_copy(update={"handoff_webhook_url": "https://helpdesk.example/h"})
    (problem,) = secret_problems(with_url, "desk")
    assert problem.startswith("COMPTOIR_HANDOFF_WEBHOOK_SECRET is not set")


def test_demo_mode_generates_secrets_once_and_keeps_them_private(tmp_path):
    run_dir = tmp_path / "run"
    settings = Settings(run_dir=run_dir, demo_mode=True)
    first = demo_secrets(settings)
    assert set(first) == {spec.env for spec in secret_keys.SECRETS}
    assert all(weakness(value) is None for value in first.values())
    assert len(set(first.values())) == len(first)  # one value per secret
    kept = run_dir / "secrets.env"
    assert mode(kept) == 0o600 and mode(run_dir) == 0o700
    assert demo_secrets(settings) == first  # reused on the next run
    assert read_secrets_file(kept) == first


def test_demo_mode_only_fills_what_is_missing(tmp_path):
    settings = Settings(run_dir=tmp_path, demo_mode=True, conversation_secret=GOOD)
    assert "COMPTOIR_CONVERSATION_SECRET" not in demo_secrets(settings)
    assert demo_secrets(Settings(run_dir=tmp_path)) == {}  # not in demo mode: nothing


def test_settings_for_process_refuses_or_fills_the_environment(tmp_path, monkeypatch):
    for spec in secret_keys.SECRETS:
        monkeypatch.setenv(spec.env, "")  # restored (removed) after the test
    monkeypatch.setenv("COMPTOIR_RUN_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env
    get_settings.cache_clear()
    try:
        with pytest.raises(SecretsRefused) as refused:
            settings_for_process("desk")
        assert refused.value.problems[0].startswith("COMPTOIR_CONVERSATION_SECRET is not set")
        monkeypatch.setenv("COMPTOIR_DEMO_MODE", "1")
        get_settings.cache_clear()
        settings = settings_for_process("desk")
        assert weakness(settings.conversation_secret) is None
        assert (
            secret_keys.os.environ["COMPTOIR_CONVERSATION_SECRET"] == settings.conversation_secret
        )
    finally:
        get_settings.cache_clear()


def test_run_folder_made_private(tmp_path):
    run_dir = tmp_path / "run"
    (run_dir / "logs").mkdir(parents=True)
    for name in ("desk.db", "logs/rasa.log", "endpoints.yml"):
        (run_dir / name).write_text("x")
        (run_dir / name).chmod(0o644)
    run_dir.chmod(0o755)
    make_run_dir_private(run_dir)
    assert mode(run_dir) == 0o700 and mode(run_dir / "logs") == 0o700
    assert {mode(p) for p in run_dir.rglob("*") if p.is_file()} == {0o600}


def request_with(headers: dict[str, str]) -> SimpleNamespace:
    return SimpleNamespace(headers=Header(headers))


def test_action_server_wants_rasa_bearer_token():
    assert is_authorised(request_with({"Authorization": f"Bearer {GOOD}"}), GOOD)
    assert is_authorised(request_with({"authorization": f"bearer {GOOD}"}), GOOD)
    assert not is_authorised(request_with({}), GOOD)
    assert not is_authorised(request_with({"Authorization": "Bearer change-me"}), GOOD)
    assert not is_authorised(request_with({"Authorization": GOOD}), GOOD)
    assert not is_authorised(request_with({"Authorization": "Bearer "}), "")


def test_rasa_never_receives_the_platform_or_mail_credentials(tmp_path):
    """Rasa only talks to the desk and the action server: a leak from its process (a
    crash dump, a debug endpoint) must not give away the shop's API key or SMTP login."""
    from comptoir.stack import Stack, StackConfig

    extra = {
        "COMPTOIR_CONNECTOR_KEY": "ck_live_key",
        "COMPTOIR_CONNECTOR_SECRET": "cs_live_secret",
        "COMPTOIR_SMTP_PASSWORD": "smtp-password",
    }
    config = StackConfig(
        model_path=tmp_path / "model.tar.gz",
        run_dir=tmp_path / "run",
        rasa_port=5005,
        actions_port=5055,
        desk_port=8000,
        knowledge_dir=tmp_path,
        extra_env=extra,
    )
    stack = Stack(config)
    rasa = stack.environment_for("rasa")
    assert not set(extra) & set(rasa)
    assert stack.environment_for("actions")["COMPTOIR_CONNECTOR_KEY"] == "ck_live_key"
    assert stack.environment_for("desk")["COMPTOIR_SMTP_PASSWORD"] == "smtp-password"
