"""`comptoir doctor`: the production checklist, line by line."""

from __future__ import annotations

from pathlib import Path

from comptoir.cli.doctor import OK, UNSAFE, diagnose, is_loopback
from comptoir.secret_keys import SECRETS
from comptoir.settings import Settings

SAFE = {spec.field: f"{spec.field}-Zr4_vQ9-x8TqL2mNw7pYc3sHd6fJb1" for spec in SECRETS}


def safe(tmp_path: Path, **changes) -> Settings:
    base = {
        "run_dir": tmp_path / "run",
        "allowed_origins": ["https://shop.example"],
        "trusted_proxies": ["127.0.0.1", "::1"],
    }
    return Settings(**(base | SAFE | changes))


def unsafe_ids(settings: Settings) -> set[str]:
    return {c.id for c in diagnose(settings) if c.status == UNSAFE}


def test_a_safe_configuration_has_only_ok_and_notes(tmp_path):
    checks = diagnose(safe(tmp_path))
    assert not [c for c in checks if c.status == UNSAFE]
    assert sum(c.status == OK for c in checks) >= 8


def test_each_unsafe_setting_is_named(tmp_path):
    settings = safe(
        tmp_path,
        demo_mode=True,
        conversation_secret="dev-conversation-secret",
        identity_secret="",
        allowed_origins=["*"],
        desk_host="0.0.0.0",
        trusted_proxies=[],
        actions_host="0.0.0.0",
        rasa_url="http://10.0.0.5:5005",
        retention_days=0,
        handoff_webhook_url="http://helpdesk.example/hook",
    )
    assert unsafe_ids(settings) == {
        "demo_mode",
        "conversation_secret",
        "identity_secret",
        "allowed_origins",
        "desk_host",
        "actions_host",
        "rasa_url",
        "retention_days",
        "handoff_webhook_url",
    }
    messages = " ".join(c.message for c in diagnose(settings))
    assert "COMPTOIR_CONVERSATION_SECRET is a published value" in messages
    assert "COMPTOIR_IDENTITY_SECRET is not set" in messages


def test_a_desk_on_all_interfaces_is_fine_behind_a_trusted_proxy(tmp_path):
    assert "desk_host" not in unsafe_ids(
        safe(tmp_path, desk_host="0.0.0.0", trusted_proxies=["10.0.0.2"])
    )
    assert "trusted_proxies" in unsafe_ids(
        safe(tmp_path, desk_host="0.0.0.0", trusted_proxies=["0.0.0.0/0"])
    )


def test_a_secret_used_twice_is_unsafe(tmp_path):
    twice = safe(tmp_path, rasa_token=SAFE["actions_token"])
    assert unsafe_ids(twice) == {"rasa_token_reused"}


def test_run_files_readable_by_others_are_named(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    (run_dir / "desk.db").write_text("")
    (run_dir / "desk.db").chmod(0o644)
    checks = [c for c in diagnose(safe(tmp_path)) if c.status == UNSAFE]
    assert [c.id for c in checks] == ["file:desk.db"]
    assert "mode 644" in checks[0].message and "chmod 600" in checks[0].message


def test_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("shop.example") and not is_loopback("")


def test_a_loopback_desk_without_trusted_proxies_is_flagged(tmp_path):
    """Behind a proxy, everyone would share one address for the limits (review finding)."""
    assert "desk_host" in unsafe_ids(safe(tmp_path, trusted_proxies=[]))
    assert "desk_host" not in unsafe_ids(safe(tmp_path))
