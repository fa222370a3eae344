"""Start and stop Comptoir's three processes: action server, Rasa server, desk.

One implementation serves ``make run``, the end-to-end tests and the benchmarks, so
what the tests exercise is exactly what an operator runs. Each process logs to its own
file in the run folder; start-up waits until every one answers its health check.

Nothing starts with a missing or published secret (in demo mode they are generated once
into the run folder); each process receives only the secrets it needs, in its
environment, never in argv; the action server listens on loopback and answers only
Rasa; every process runs with umask 077 in a run folder kept 0700.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from comptoir.rasa_endpoints import endpoints_yaml
from comptoir.secret_keys import (
    PRIVATE_UMASK,
    ROLES,
    SECRETS,
    SecretsRefused,
    demo_secrets,
    make_run_dir_private,
    new_secret,
    secret_problems,
    write_private,
)
from comptoir.settings import PROJECT_ROOT, Settings

RASA_WRAPPER = PROJECT_ROOT / "scripts" / "rasa_serve.py"
"""Starts ``rasa`` with its API token taken from the environment, not argv."""


def free_port() -> int:
    """A TCP port free on loopback right now (for tests and benchmarks)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


RASA_NEVER_NEEDS = frozenset(
    {
        "COMPTOIR_CONNECTOR_KEY",
        "COMPTOIR_CONNECTOR_SECRET",
        "COMPTOIR_SMTP_PASSWORD",
        "COMPTOIR_SMTP_USER",
    }
)
"""Credentials of third parties that only the desk and the action server use."""


class StackError(RuntimeError):
    """A process did not start; the message names its log file."""


@dataclass
class StackConfig:
    """Ports, folders and the trained model for one running stack."""

    model_path: Path
    run_dir: Path = PROJECT_ROOT / ".run"
    rasa_port: int = 5005
    actions_port: int = 5055
    desk_port: int = 8000
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    extra_env: dict[str, str] = field(default_factory=dict)
    rasa_venv: Path = PROJECT_ROOT / ".venv-rasa"
    venv: Path = PROJECT_ROOT / ".venv"

    @property
    def desk_url(self) -> str:
        return f"http://127.0.0.1:{self.desk_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"


def random_secrets() -> dict[str, str]:
    """Fresh random values for every secret, as environment variables (test stacks)."""
    return {spec.env: new_secret() for spec in SECRETS}


def isolated_stack(
    model: Path, folder: Path, extra_env: dict[str, str] | None = None
) -> tuple[Stack, Path]:
    """A stack on free ports in ``folder``: its own run folder, its own copy of the
    articles (so it may edit them), the demo orders, and the shared embedding cache.
    Tests and benchmarks use it to run beside ``make run`` without touching it. It runs
    as production does (no demo mode) with random secrets of its own."""
    import shutil

    from comptoir.shop.demo import seed

    knowledge = folder / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    config = StackConfig(
        model_path=model,
        run_dir=folder / "run",
        rasa_port=free_port(),
        actions_port=free_port(),
        desk_port=free_port(),
        knowledge_dir=knowledge,
        extra_env={
            "COMPTOIR_INDEX_DIR": str(PROJECT_ROOT / ".cache" / "kb-index"),
            "COMPTOIR_DEMO_MODE": "0",
            **random_secrets(),
            **(extra_env or {}),
        },
    )
    make_run_dir_private(config.run_dir)
    seed(f"sqlite:///{config.run_dir / 'shop.db'}")
    return Stack(config), knowledge


def settings_from(env: dict[str, str]) -> Settings:
    """The settings the stack's processes will read from ``env`` (JSON values included)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        return Settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Stack:
    """The running processes of one stack."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs = config.run_dir / "logs"
        # Every secret, explicit: from the environment or .env, or generated in demo mode.
        self.secrets: dict[str, str] = {}

    @property
    def rasa_token(self) -> str:
        """The token of Rasa's HTTP API (127.0.0.1 only): the desk records handoff
        pauses in the tracker with it."""
        return self.environment().get("COMPTOIR_RASA_TOKEN", "")

    def environment(self) -> dict[str, str]:
        """Settings shared by the three processes (and the endpoints file), with every
        secret (the processes each receive only theirs: :meth:`environment_for`)."""
        c = self.config
        env = dict(os.environ)
        env.update(
            {
                "COMPTOIR_RUN_DIR": str(c.run_dir),
                "COMPTOIR_RASA_URL": c.rasa_url,
                "COMPTOIR_ACTIONS_URL": c.actions_url,
                "COMPTOIR_DESK_PORT": str(c.desk_port),
                "COMPTOIR_KNOWLEDGE_DIR": str(c.knowledge_dir),
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "RASA_TELEMETRY_ENABLED": "false",
            }
        )
        env.update(c.extra_env)
        env.update(self.secrets)
        return env

    def environment_for(self, role: str) -> dict[str, str]:
        """The environment of one process: only the secrets its role needs."""
        keep = set(ROLES[role])
        dropped = {spec.env for spec in SECRETS if spec.field not in keep}
        if role == "rasa":  # Rasa never talks to the shop's platform nor to a mail server
            dropped |= RASA_NEVER_NEEDS
        return {k: v for k, v in self.environment().items() if k not in dropped}

    def check_secrets(self) -> Settings:
        """Make every secret explicit (demo mode: generated once into the run folder)
        and check them all; raises :class:`SecretsRefused` before anything starts."""
        settings = settings_from(self.environment())
        self.secrets.update(demo_secrets(settings))
        settings = settings_from(self.environment())
        problems = secret_problems(settings, "run")
        if problems:
            raise SecretsRefused(problems)
        for spec in SECRETS:
            value = getattr(settings, spec.field)
            if value:
                self.secrets[spec.env] = value
        return settings

    def _spawn(self, name: str, argv: list[str], role: str) -> None:
        self.logs.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(
            self.logs / f"{name}.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
        )
        with os.fdopen(descriptor, "ab") as log_file:
            self.processes[name] = subprocess.Popen(
                argv,
                cwd=PROJECT_ROOT,
                env=self.environment_for(role),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=PRIVATE_UMASK,
            )

    def start(self, timeout_s: float = 180.0) -> Stack:
        """Start the three processes and wait until all are healthy; raises
        :class:`SecretsRefused` when a secret is missing or known (nothing started)."""
        c = self.config
        make_run_dir_private(c.run_dir)
        settings = self.check_secrets()
        from comptoir.shop.db import upgrade

        upgrade(settings.shop_db_url)  # the shop schema, before the actions need it
        endpoints = c.run_dir / "endpoints.yml"
        write_private(endpoints, endpoints_yaml(settings))
        make_run_dir_private(c.run_dir)
        self._spawn(
            "actions",
            [
                str(c.venv / "bin" / "python"),
                "-m",
                "actions.server",
                "--port",
                str(c.actions_port),
            ],
            "actions",
        )
        self._spawn(
            "rasa",
            [
                str(c.rasa_venv / "bin" / "python"),
                str(RASA_WRAPPER),
                "run",
                "--model",
                str(c.model_path),
                "--endpoints",
                str(endpoints),
                "--credentials",
                "bot/credentials.yml",
                "--interface",
                "127.0.0.1",
                "--port",
                str(c.rasa_port),
                "--enable-api",
            ],
            "rasa",
        )
        self._spawn(
            "desk",
            [str(c.venv / "bin" / "comptoir"), "desk", "--port", str(c.desk_port)],
            "desk",
        )
        try:
            self._wait_healthy(timeout_s)
        except StackError:
            self.stop()
            raise
        make_run_dir_private(c.run_dir)
        return self

    def _wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        checks = {
            "actions": f"{self.config.actions_url}/health",
            "rasa": f"{self.config.rasa_url}/",
            "desk": f"{self.config.desk_url}/health",
        }
        pending = dict(checks)
        while pending:
            for name, url in list(pending.items()):
                process = self.processes[name]
                if process.poll() is not None:
                    raise StackError(
                        f"{name} exited ({process.returncode}); see {self.logs}/{name}.log"
                    )
                try:
                    if httpx.get(url, timeout=2.0).status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise StackError(
                    f"not healthy in {timeout_s:.0f}s: {sorted(pending)}; see {self.logs}"
                )
            if pending:
                time.sleep(0.5)

    def stop_one(self, name: str) -> None:
        """Stop one process (tests use this to simulate an outage)."""
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        """Stop every process (desk first, so no request reaches a dead Rasa)."""
        for name in ("desk", "rasa", "actions"):
            self.stop_one(name)
