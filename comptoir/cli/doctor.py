"""``comptoir doctor``: the production checklist, checked against the configuration.

Reads the settings exactly as the desk would (environment, then ``.env``) and says, in
plain sentences, what is unsafe for production and what is fine: secrets, demo mode,
who may embed the widget, which interfaces the desk, Rasa and the action server are
reachable on, private run files, retention, clear-text links. Exit code 1 when anything
is unsafe, 0 otherwise; ``--json`` gives the same report for scripts.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import stat
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

from comptoir.secret_keys import SECRETS_FILE, needed, weakness
from comptoir.settings import Settings

OK, UNSAFE, NOTE = "ok", "unsafe", "note"
LABELS = {OK: "OK     ", UNSAFE: "UNSAFE ", NOTE: "NOTE   "}


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    id: str
    status: str
    message: str


def is_loopback(host: str | None) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 (a name that is not localhost is not)."""
    if not host:
        return False
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ------------------------------------------------------------------ the checks
def check_demo_mode(settings: Settings) -> Iterator[Check]:
    if settings.demo_mode:
        yield Check(
            "demo_mode",
            UNSAFE,
            "Demo mode is on (COMPTOIR_DEMO_MODE): missing secrets are generated on the fly "
            "and kept on disk. Turn it off and set every secret in production.",
        )
    else:
        yield Check("demo_mode", OK, "Demo mode is off.")


def check_secrets(settings: Settings) -> Iterator[Check]:
    specs = needed(settings, "run")
    for spec in specs:
        value = getattr(settings, spec.field)
        why = weakness(value)
        if why:
            yield Check(
                spec.field,
                UNSAFE,
                f"{spec.env} {why}: it is {spec.purpose}. Set a random value of 32+ "
                "characters (python3 -c 'import secrets; print(secrets.token_urlsafe(32))').",
            )
        else:
            yield Check(
                spec.field, OK, f"{spec.env} is set ({len(value)} characters, not a known value)."
            )
    seen: dict[str, str] = {}
    for spec in specs:
        value = getattr(settings, spec.field)
        if value and value in seen:
            yield Check(
                f"{spec.field}_reused",
                UNSAFE,
                f"{spec.env} has the same value as {seen[value]}: one leak would give both. "
                "Use a different random value for each secret.",
            )
        seen.setdefault(value, spec.env)


def check_origins(settings: Settings) -> Iterator[Check]:
    origins = settings.allowed_origins
    if "*" in origins or not origins:
        yield Check(
            "allowed_origins",
            UNSAFE,
            "COMPTOIR_ALLOWED_ORIGINS allows any site ('*') to embed the chat and call the "
            "desk: list your shop's origins, e.g. '[\"https://shop.example\"]'.",
        )
        return
    clear = [
        o for o in origins if o.startswith("http://") and not is_loopback(urlparse(o).hostname)
    ]
    if clear:
        yield Check(
            "allowed_origins",
            UNSAFE,
            f"COMPTOIR_ALLOWED_ORIGINS includes origins without HTTPS ({', '.join(clear)}): "
            "shoppers' chats and tokens would travel in clear.",
        )
    else:
        yield Check("allowed_origins", OK, f"Only {', '.join(origins)} may embed the chat.")


def check_desk_interface(settings: Settings) -> Iterator[Check]:
    host = settings.desk_host
    wide = [p for p in settings.trusted_proxies if p.split("/")[-1] == "0" or p == "*"]
    if wide:
        yield Check(
            "trusted_proxies",
            UNSAFE,
            f"COMPTOIR_TRUSTED_PROXIES trusts every address ({', '.join(wide)}): anyone "
            "could choose the client address the rate limits count. List your proxies only.",
        )
    if is_loopback(host) and not settings.trusted_proxies:
        yield Check(
            "desk_host",
            UNSAFE,
            f"The desk listens on {host} but COMPTOIR_TRUSTED_PROXIES is empty: behind your "
            "reverse proxy every shopper and agent would count as that one address, so one "
            "abuser would trip the limits (and the console sign-in backoff) for everyone. "
            'Set COMPTOIR_TRUSTED_PROXIES, e.g. \'["127.0.0.1", "::1"]\'.',
        )
    elif is_loopback(host):
        yield Check(
            "desk_host",
            OK,
            f"The desk listens on {host} only, behind the trusted proxies "
            f"{', '.join(settings.trusted_proxies)}; publish it through TLS.",
        )
    elif not settings.trusted_proxies:
        yield Check(
            "desk_host",
            UNSAFE,
            f"The desk listens on {host} (COMPTOIR_DESK_HOST) without COMPTOIR_TRUSTED_PROXIES: "
            "shoppers would reach it in clear HTTP, and behind a proxy every shopper would "
            "share the proxy's address for the rate limits. Bind it to 127.0.0.1 behind a "
            "TLS reverse proxy, or set COMPTOIR_TRUSTED_PROXIES to that proxy.",
        )
    else:
        yield Check(
            "desk_host",
            OK,
            f"The desk listens on {host} behind the trusted proxies "
            f"{', '.join(settings.trusted_proxies)}.",
        )


def check_internal_services(settings: Settings) -> Iterator[Check]:
    if is_loopback(settings.actions_host):
        yield Check("actions_host", OK, f"The action server listens on {settings.actions_host}.")
    else:
        yield Check(
            "actions_host",
            UNSAFE,
            f"The action server listens on {settings.actions_host} (COMPTOIR_ACTIONS_HOST): "
            "only Rasa needs it; keep it on 127.0.0.1.",
        )
    for name, url in (("rasa_url", settings.rasa_url), ("actions_url", settings.actions_url)):
        parsed = urlparse(url)
        env = f"COMPTOIR_{name.upper()}"
        if is_loopback(parsed.hostname):
            yield Check(name, OK, f"{env} is on loopback ({url}).")
        elif parsed.scheme == "https":
            yield Check(name, OK, f"{env} is on another machine, over HTTPS ({url}).")
        else:
            yield Check(
                name,
                UNSAFE,
                f"{env} ({url}) is not on loopback: its token and shoppers' messages would "
                "cross the network in clear. Keep it on 127.0.0.1 or use HTTPS.",
            )


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


def _exposed(path: Path) -> str | None:
    """The octal mode when others than the owner may use ``path``, else ``None``."""
    if not path.exists():
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    return f"{mode:o}" if mode & 0o077 else None


def check_run_files(settings: Settings) -> Iterator[Check]:
    files = [settings.run_dir, settings.run_dir / SECRETS_FILE]
    urls = (settings.desk_db_url, settings.tracker_db_url, settings.shop_db_url)
    files += [p for p in map(_sqlite_path, (*urls, settings.kb_log_url)) if p]
    found = False
    for path in files:
        mode = _exposed(path)
        found = found or path.exists()
        if mode:
            fix = "chmod 700" if path.is_dir() else "chmod 600"
            yield Check(
                f"file:{path.name}",
                UNSAFE,
                f"{path} can be read by other users of this machine (mode {mode}): {fix} "
                f"{path}. `comptoir run` does it on start.",
            )
    if (settings.run_dir / SECRETS_FILE).exists():
        yield Check(
            "demo_secrets",
            NOTE,
            f"{settings.run_dir / SECRETS_FILE} holds the secrets demo mode generated: "
            "production secrets belong in the environment of the services, not there.",
        )
    if found:
        yield Check("run_files", OK, f"Checked the run folder {settings.run_dir} and its files.")
    else:
        yield Check("run_files", OK, f"No run files yet in {settings.run_dir}.")


def check_retention(settings: Settings) -> Iterator[Check]:
    if settings.retention_days == 0:
        yield Check(
            "retention_days",
            UNSAFE,
            "COMPTOIR_RETENTION_DAYS is 0: conversations are kept forever. Set how long "
            "idle chats are kept (365 by default), as the GDPR expects.",
        )
    else:
        yield Check(
            "retention_days",
            OK,
            f"Conversations idle for {settings.retention_days} days are deleted.",
        )


def check_links(settings: Settings) -> Iterator[Check]:
    url = settings.handoff_webhook_url
    if url:
        parsed = urlparse(url)
        if parsed.scheme != "https" and not is_loopback(parsed.hostname):
            yield Check(
                "handoff_webhook_url",
                UNSAFE,
                f"COMPTOIR_HANDOFF_WEBHOOK_URL ({url}) is not HTTPS: conversation summaries "
                "would cross the network in clear.",
            )
        else:
            yield Check("handoff_webhook_url", OK, "Handoff events are posted over HTTPS.")
    for name, db_url in (
        ("desk_database_url", settings.desk_database_url),
        ("tracker_database_url", settings.tracker_database_url),
        ("shop_database_url", settings.shop_database_url),
        ("redis_url", settings.redis_url),
    ):
        if not db_url or db_url.startswith("sqlite"):
            continue
        parsed = urlparse(db_url.replace("+psycopg", "").replace("+asyncpg", ""))
        if not is_loopback(parsed.hostname) and not (
            "sslmode=" in db_url or parsed.scheme == "rediss"
        ):
            yield Check(
                name,
                NOTE,
                f"COMPTOIR_{name.upper()} reaches {parsed.hostname} without TLS in its URL: "
                "make sure that link is private or encrypted.",
            )
    yield Check(
        "https",
        NOTE,
        "Serve the desk to shoppers only over HTTPS (a TLS reverse proxy in front of it, "
        "listed in COMPTOIR_TRUSTED_PROXIES when it is not on this machine).",
    )


CHECKS = (
    check_demo_mode,
    check_secrets,
    check_origins,
    check_desk_interface,
    check_internal_services,
    check_run_files,
    check_retention,
    check_links,
)


def diagnose(settings: Settings) -> list[Check]:
    """Every line of the report, in the order printed."""
    return [line for check in CHECKS for line in check(settings)]


# ------------------------------------------------------------------ the command
def _cmd_doctor(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as error:
        checks = [
            Check(
                "settings",
                UNSAFE,
                f"COMPTOIR_{str(e['loc'][0]).upper()} is invalid: {e['msg']}.",
            )
            for e in error.errors()
        ]
    else:
        checks = diagnose(settings)
    unsafe = sum(c.status == UNSAFE for c in checks)
    if args.json:
        report = {"ok": unsafe == 0, "unsafe": unsafe, "checks": [asdict(c) for c in checks]}
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for check in checks:
            print(f"{LABELS[check.status]}{check.message}")
        print(
            f"\n{unsafe} unsafe setting(s): not ready for production."
            if unsafe
            else "\nNothing unsafe found: ready for production."
        )
    return 1 if unsafe else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``doctor``."""
    doctor = sub.add_parser(
        "doctor", help="check the configuration against the production checklist"
    )
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.set_defaults(func=_cmd_doctor)


__all__ = ["Check", "diagnose", "is_loopback", "register"]
