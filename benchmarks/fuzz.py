"""`make fuzz`: schemathesis against the desk's own OpenAPI document, on a real stack.

Schemathesis reads ``/api/openapi.json`` and sends generated requests to every
operation (valid bodies, then broken ones: wrong types, huge strings, odd Unicode,
missing fields, unknown fields). The desk must answer each with a clear 4xx or a
success, never a 5xx: a server error is a bug. The run is bounded by a number of
examples per operation and a time budget; traffic stays on loopback. The stack's
limits are raised so the fuzzer explores the API rather than the rate limiter (the
limits have their own tests in tests/security).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results"
ALWAYS_OPEN = (
    '{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "00:00", "closes": "23:59:59", '
    '"skip_public_holidays": false}'
)
GENEROUS_LIMITS = {
    "COMPTOIR_LIMIT_NEW_CONVERSATIONS_PER_ADDRESS_PER_HOUR": "1000000",
    "COMPTOIR_LIMIT_MESSAGES_PER_ADDRESS_PER_MINUTE": "1000000",
    "COMPTOIR_LIMIT_FEEDBACK_PER_CONVERSATION": "1000000",
    "COMPTOIR_BUSINESS_HOURS": ALWAYS_OPEN,
}


def statuses(har: Path) -> Counter[int]:
    """How many requests got each status, from schemathesis's HAR record."""
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    return Counter(int(entry["response"]["status"]) for entry in entries)


def fuzz(model: Path, examples: int, budget_s: int) -> dict:
    """Start a stack, fuzz its desk, and return the figures (requests, 5xx, time)."""
    from comptoir.stack import isolated_stack

    tmp = Path(tempfile.mkdtemp(prefix="comptoir-fuzz-"))
    stack, _ = isolated_stack(model, tmp, GENEROUS_LIMITS)
    stack.start()
    har = tmp / "fuzz.har"
    started = time.perf_counter()
    try:
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "st"),
                "run",
                f"{stack.config.desk_url}/api/openapi.json",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                str(examples),
                "--max-time",
                str(budget_s),
                "--seed",
                "20261124",
                "--workers",
                "2",
                "--request-timeout",
                "60",
                "--report",
                "har",
                "--report-har-path",
                str(har),
                "--no-color",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=budget_s + 300,
        )
        seconds = round(time.perf_counter() - started, 1)
        counts = statuses(har) if har.exists() else Counter()
    finally:
        stack.stop()
    server_errors = sum(n for status, n in counts.items() if status >= 500)
    if server_errors or run.returncode not in (0, 1):
        print(run.stdout[-4000:], run.stderr[-2000:], sep="\n")
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "requests": sum(counts.values()),
        "server_errors": server_errors,
        "by_status": {str(k): v for k, v in sorted(counts.items())},
        "seconds": seconds,
        "examples_per_operation": examples,
        "schemathesis_exit": run.returncode,
    }


def main() -> int:
    """Print and write the figures; fail when the desk answered any 5xx."""
    OUT.mkdir(exist_ok=True)
    model = Path(os.environ["COMPTOIR_TEST_MODEL"])
    examples = int(os.environ.get("FUZZ_EXAMPLES", "300"))
    figures = fuzz(model, examples, int(os.environ.get("FUZZ_BUDGET_S", "600")))
    (OUT / "fuzz.json").write_text(json.dumps(figures, indent=1))
    print(
        f"fuzz: {figures['requests']} requests in {figures['seconds']} s, "
        f"server errors {figures['server_errors']}, statuses {figures['by_status']}"
    )
    print(f"written to {OUT / 'fuzz.json'}")
    return 1 if figures["server_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
