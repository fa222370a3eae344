"""Run ``rasa`` (with .venv-rasa's Python) so that no secret is in argv and no shopper's
text is in its log.

``comptoir/stack.py`` starts ``python scripts/rasa_serve.py run --model ... --enable-api``
with ``COMPTOIR_RASA_TOKEN`` in the environment. The token is added to ``sys.argv``
inside this process, after exec: ``/proc/PID/cmdline`` (what ``ps`` shows every local
user) keeps the original arguments, without it. Rasa's warnings and structured logs
that quote a message (``/``-messages it fails to parse: « Failed to parse arguments in
line '/faq{...e-mail...}' ») are rewritten to withhold the text before they are written.
"""

from __future__ import annotations

import os
import sys
from typing import Any

TOKEN_ENV = "COMPTOIR_RASA_TOKEN"
WITHHELD = "<withheld>"
# Structured-log keys that hold shoppers' words (Rasa's own list of anonymizable keys).
TEXT_KEYS = (
    "text",
    "response_text",
    "user_text",
    "slot_values",
    "parse_data_text",
    "parse_data_entities",
    "prediction_events",
    "tracker_latest_message",
    "prefilled_slots",
    "message",
    "response",
    "slot_candidates",
    "rasa_event",
    "rasa_events",
    "tracker_states",
    "current_states",
    "old_states",
    "successes",
    "current_entity",
    "next_entity",
    "states",
    "entity",
    "token_text",
    "user_message",
    "json_message",
)
QUOTING_WARNINGS = ("Failed to parse arguments in line", "in line '")


def withhold_shopper_text() -> None:
    """Patch Rasa's two ways of logging a message's text before Rasa configures them."""
    import rasa.shared.utils.io as rasa_io
    import rasa.utils.log_utils as log_utils

    original_warning = rasa_io.raise_warning

    def raise_warning(message: str, *args: Any, **kwargs: Any) -> None:
        if any(marker in str(message) for marker in QUOTING_WARNINGS):
            message = "Failed to parse a message starting with '/' (text withheld from the log)."
        original_warning(message, *args, **kwargs)

    def withhold(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        for key in TEXT_KEYS:
            if key in event_dict:
                event_dict[key] = WITHHELD
        return event_dict

    rasa_io.raise_warning = raise_warning
    # configure_structlog() looks this processor up when it runs, after this patch.
    log_utils._anonymizer = withhold


def main() -> int:
    token = os.environ.pop(TOKEN_ENV, "")
    if not token:
        print(
            f"rasa: refusing to start: {TOKEN_ENV} is not set: it is the token of Rasa's "
            "HTTP API; `comptoir run` passes it in the environment.",
            file=sys.stderr,
        )
        return 2
    os.umask(0o077)
    withhold_shopper_text()
    # One argument "--auth-token=…": a random token may begin with "-", which argparse
    # would take for an option if it stood alone.
    sys.argv = ["rasa", *sys.argv[1:], f"--auth-token={token}"]
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
