"""``comptoir desk``, ``comptoir run`` and ``comptoir rasa-endpoints``: serving the bot.

``run`` starts the whole stack for a shop trying Comptoir on one machine; ``desk`` serves
the desk alone (production, several workers); ``rasa-endpoints`` writes the file Rasa
reads, so Rasa's trackers and locks follow the same settings as the desk.

``desk`` and ``run`` refuse to start (exit code 2, one line per problem) when a secret
they need is missing, too short or published, unless demo mode generates it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from comptoir.cli.desk_db import with_desk_store
from comptoir.secret_keys import (
    PRIVATE_UMASK,
    SecretsRefused,
    refusal_lines,
    settings_for_process,
    write_private,
)
from comptoir.settings import get_settings


def _refuse(program: str, refused: SecretsRefused) -> int:
    for line in refusal_lines(program, refused):
        print(line, file=sys.stderr)
    return 2


def _cmd_desk(args: argparse.Namespace) -> int:
    """Serve the desk; with several workers they share the port (scale-out needs Redis)."""
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    os.umask(PRIVATE_UMASK)  # the desk database and its journals: owner only
    try:
        # In demo mode this also puts the generated secrets in os.environ, which the
        # worker processes inherit.
        settings = settings_for_process("desk")
    except SecretsRefused as refused:
        return _refuse("comptoir desk", refused)
    from comptoir.desk.app import create_app  # also registers every desk table

    workers = args.workers or settings.desk_workers
    host, port = args.host or settings.desk_host, args.port or settings.desk_port
    if workers == 1:
        create_app(settings).run(
            host=host, port=port, single_process=True, access_log=False, motd=False
        )
        return 0
    if not settings.redis_url:
        print("error: several desk workers need COMPTOIR_REDIS_URL (pub/sub)", file=sys.stderr)
        return 2
    # The tables are created once, here, before the workers race to it.
    with_desk_store(settings.desk_db_url)
    # Each worker process builds its own app from the environment it inherits.
    loader = AppLoader(factory=create_app)
    app = loader.load()
    app.prepare(host=host, port=port, workers=workers, access_log=False, motd=False)
    Sanic.serve(primary=app, app_loader=loader)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    """Start actions, Rasa and the desk; stop all three on Ctrl-C or when one dies."""
    import signal

    from comptoir.stack import Stack, StackConfig, StackError

    settings = get_settings()
    config = StackConfig(
        model_path=Path(args.model),
        run_dir=settings.run_dir,
        desk_port=args.port or settings.desk_port,
        knowledge_dir=settings.knowledge_dir,
    )
    stack = Stack(config)
    try:
        stack.check_secrets()
        print("starting the action server, Rasa and the desk (Rasa takes ~30 s to load)...")
        stack.start()
    except SecretsRefused as refused:
        return _refuse("comptoir run", refused)
    except StackError as error:
        print(f"could not start: {error}", file=sys.stderr)
        return 1
    print(
        f"\n  Comptoir is running. Demo shop with the chat: {config.desk_url}/\n"
        f"  Agent and editor console, reports: {config.desk_url}/console/ "
        f"(accounts: .venv/bin/comptoir users add NAME --role agent|editor|admin|owner)\n"
        f"  Health: {config.desk_url}/health   Logs: {stack.logs}\n  Ctrl-C stops everything.\n"
    )
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping:
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(
                        f"{name} stopped unexpectedly; see {stack.logs}/{name}.log", file=sys.stderr
                    )
                    stopping = True
            time.sleep(0.5)
    finally:
        print("stopping...")
        stack.stop()
    return 0


def _cmd_rasa_endpoints(args: argparse.Namespace) -> int:
    """Write (or print) Rasa's endpoints.yml from the settings."""
    from comptoir.rasa_endpoints import endpoints_yaml

    text = endpoints_yaml(get_settings())
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        write_private(Path(args.out), text)  # may hold the tracker store's password
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``desk``, ``run`` and ``rasa-endpoints``."""
    desk = sub.add_parser("desk", help="serve the desk (widget gateway, demo page)")
    desk.add_argument("--host")
    desk.add_argument("--port", type=int)
    desk.add_argument("--workers", type=int, help="processes sharing the port (needs Redis)")
    desk.set_defaults(func=_cmd_desk)

    run = sub.add_parser("run", help="start actions, Rasa and the desk; Ctrl-C stops them")
    run.add_argument("--model", required=True, help="trained Rasa model (.tar.gz)")
    run.add_argument("--port", type=int, help="desk port (default 8000)")
    run.set_defaults(func=_cmd_run)

    endpoints = sub.add_parser("rasa-endpoints", help="write Rasa's endpoints.yml from settings")
    endpoints.add_argument("--out")
    endpoints.set_defaults(func=_cmd_rasa_endpoints)
