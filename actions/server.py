"""The action server: rasa-sdk's app, on loopback, answering only Rasa.

``python -m actions.server`` replaces ``python -m rasa_sdk``, which listens on every
interface and runs any action for anyone: a forged tracker posted to ``/webhook`` with
``verified_order`` set would describe that order. Here the server listens on
``COMPTOIR_ACTIONS_HOST`` (127.0.0.1 by default) and every route but ``/health``
requires ``Authorization: Bearer <COMPTOIR_ACTIONS_TOKEN>``, the header Rasa sends from
its endpoints file (``comptoir/rasa_endpoints.py``), compared in constant time. Without
a usable token (outside demo mode) it refuses to start, with exit code 2.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from urllib.parse import urlparse

from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from comptoir.secret_keys import (
    PRIVATE_UMASK,
    SecretsRefused,
    refusal_lines,
    settings_for_process,
)

OPEN_PATHS = frozenset({"/health"})


def is_authorised(request: Request, token: str) -> bool:
    """The request carries ``Authorization: Bearer <token>`` (constant-time compare)."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def create_app(token: str, package: str = "actions") -> Sanic:
    """rasa-sdk's application with our actions, refusing unauthenticated calls."""
    from rasa_sdk.constants import DEFAULT_KEEP_ALIVE_TIMEOUT
    from rasa_sdk.endpoint import create_app as sdk_app
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package(package)
    app = sdk_app(executor, cors_origins=None)  # browsers have no business here
    app.config.KEEP_ALIVE_TIMEOUT = DEFAULT_KEEP_ALIVE_TIMEOUT

    @app.on_request
    async def require_rasa(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or is_authorised(request, token):
            return None
        return response.json(
            {"error": "unauthorised", "detail": "only Rasa, with the actions token"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    return app


def main(argv: list[str] | None = None) -> int:
    """Check the secrets, then serve until stopped."""
    parser = argparse.ArgumentParser(prog="actions.server", description=__doc__)
    parser.add_argument("--host", help="interface (default COMPTOIR_ACTIONS_HOST)")
    parser.add_argument("--port", type=int, help="port (default: COMPTOIR_ACTIONS_URL's)")
    args = parser.parse_args(argv)
    os.umask(PRIVATE_UMASK)
    try:
        settings = settings_for_process("actions")
    except SecretsRefused as refused:
        for line in refusal_lines("action server", refused):
            print(line, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s"
    )
    host = args.host or settings.actions_host
    port = args.port or urlparse(settings.actions_url).port or 5055
    app = create_app(settings.actions_token)
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
