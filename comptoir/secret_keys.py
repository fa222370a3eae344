"""The secrets Comptoir's processes share, checked before any of them serves.

Outside the explicit demo mode there is no default secret: the desk, the action server
and ``comptoir run`` refuse to start when one they need is missing, shorter than
:data:`MIN_SECRET_CHARS` or a value anyone could know (the old defaults, the examples of
the docs). In demo mode (``make run``) the missing ones are generated once, kept in
``run_dir/secrets.env`` (0600) and reused on the next run. The run folder itself is
kept private: 0700, its files 0600. Ground floor: imports only the settings.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from comptoir.settings import Settings, get_settings

MIN_SECRET_CHARS = 32
SECRETS_FILE = "secrets.env"
PRIVATE_UMASK = 0o077
"""Processes of the stack create files only their user can read."""

# Values published in the code or docs of Comptoir at some point, and the usual
# placeholders: a secret equal to one of them is as good as none.
KNOWN_SECRETS = frozenset(
    {
        "dev-conversation-secret",
        "demo-shop-secret",
        "change-me",
        "changeme",
        "change-this",
        "dev-reload-token",
        "secret",
        "password",
        "test",
        "demo",
        "comptoir",
    }
)


@dataclass(frozen=True)
class SecretSpec:
    """One secret setting: its field, its environment variable, what it protects."""

    field: str
    purpose: str

    @property
    def env(self) -> str:
        return f"COMPTOIR_{self.field.upper()}"


SECRETS: tuple[SecretSpec, ...] = (
    SecretSpec("conversation_secret", "the key of the shoppers' conversation tokens"),
    SecretSpec("identity_secret", "the key the shop signs signed-in shoppers' identities with"),
    SecretSpec("actions_token", "the token Rasa presents to the action server"),
    SecretSpec("rasa_token", "the token of Rasa's HTTP API (handoff pauses)"),
    SecretSpec("handoff_webhook_secret", "the signing key of the handoff webhook"),
)
_BY_FIELD = {spec.field: spec for spec in SECRETS}

# Which secrets each entry point needs before it serves.
ROLES: dict[str, tuple[str, ...]] = {
    "desk": ("conversation_secret", "identity_secret", "rasa_token", "handoff_webhook_secret"),
    "actions": ("actions_token", "identity_secret"),
    "rasa": ("actions_token", "rasa_token"),
    "run": tuple(_BY_FIELD),
}


class SecretsRefused(RuntimeError):
    """A process must not start: one sentence per unsafe secret."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def is_known(value: str) -> bool:
    """A published or placeholder value (case and surrounding spaces ignored)."""
    return value.strip().lower() in KNOWN_SECRETS


def weakness(value: str) -> str | None:
    """Why ``value`` is not a usable secret, or ``None`` when it is."""
    if not value:
        return "is not set"
    if is_known(value):
        return "is a published value anyone knows"
    if len(value) < MIN_SECRET_CHARS:
        return f"is too short ({len(value)} characters, at least {MIN_SECRET_CHARS})"
    return None


def needed(settings: Settings, role: str) -> list[SecretSpec]:
    """The secrets ``role`` needs with these settings (the webhook's only with its URL)."""
    return [
        _BY_FIELD[name]
        for name in ROLES[role]
        if name != "handoff_webhook_secret" or settings.handoff_webhook_url
    ]


def secret_problems(settings: Settings, role: str) -> list[str]:
    """One plain sentence per missing, published or short secret ``role`` needs."""
    problems = []
    for spec in needed(settings, role):
        why = weakness(getattr(settings, spec.field))
        if why:
            problems.append(
                f"{spec.env} {why}: it is {spec.purpose}. Set it to a random value of "
                f"{MIN_SECRET_CHARS}+ characters (python3 -c 'import secrets; "
                f"print(secrets.token_urlsafe(32))'), or try Comptoir in demo mode "
                f"(COMPTOIR_DEMO_MODE=1, as `make run` does)."
            )
    return problems


# ------------------------------------------------------------------ demo mode
def read_secrets_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of a secrets file (missing file: nothing)."""
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read, even for an instant."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(text)


def new_secret() -> str:
    """A fresh random secret, long enough for every check here (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def demo_secrets(settings: Settings) -> dict[str, str]:
    """In demo mode, the environment variables to add for every secret not set: kept
    in ``run_dir/secrets.env``, generated there on the first run. Nothing otherwise."""
    if not settings.demo_mode:
        return {}
    missing = [spec for spec in SECRETS if not getattr(settings, spec.field)]
    if not missing:
        return {}
    private_dir(settings.run_dir)
    path = settings.run_dir / SECRETS_FILE
    kept = read_secrets_file(path)
    usable = {name: value for name, value in kept.items() if weakness(value) is None}
    added = {spec.env: new_secret() for spec in SECRETS if spec.env not in usable}
    if added:
        lines = [
            "# Demo-mode secrets of `make run`, generated once. Never use them in production.",
            *(f"{name}={value}" for name, value in {**usable, **added}.items()),
        ]
        write_private(path, "\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return {spec.env: {**usable, **added}[spec.env] for spec in missing}


def settings_for_process(role: str, environ: MutableMapping[str, str] | None = None) -> Settings:
    """The settings an entry point serves with: in demo mode, missing secrets are
    filled from the run folder into ``environ`` (this process's environment by default,
    which its workers inherit); then the secrets ``role`` needs are checked.

    Raises :class:`SecretsRefused` with one sentence per unsafe secret.
    """
    environ = os.environ if environ is None else environ
    settings = get_settings()
    added = demo_secrets(settings)
    if added:
        environ.update(added)
        get_settings.cache_clear()
        settings = get_settings()
    problems = secret_problems(settings, role)
    if problems:
        raise SecretsRefused(problems)
    return settings


def refusal_lines(program: str, refused: SecretsRefused) -> Iterable[str]:
    """What an entry point prints (one line per problem) before exiting with 2."""
    for problem in refused.problems:
        yield f"{program}: refusing to start: {problem}"


# ------------------------------------------------------------------ run folder
def private_dir(path: Path) -> None:
    """Create ``path`` (0700), or take group and other access away from it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _tighten(path)


def _tighten(path: Path) -> None:
    """Remove group and other bits from a path we own; shared folders (sticky, like
    /tmp) and other users' files are left alone."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return
    if stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX:
        return
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        os.chmod(path, mode & ~0o077)


def make_run_dir_private(run_dir: Path) -> None:
    """The run folder 0700 and every file and folder in it reachable only by its owner
    (databases, logs, endpoints, secrets), including those an older version left open."""
    private_dir(run_dir)
    for path in run_dir.rglob("*"):
        _tighten(path)
