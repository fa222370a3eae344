"""Fail the build when the widget grows past its size budget (30 KB gzipped).

The widget loads on every page of the shop, before the shopper asks for anything:
its weight is a cost for every visitor, so it is checked like a test.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

WIDGET = Path(__file__).resolve().parent.parent / "comptoir" / "desk" / "static" / "widget.js"
BUDGET_BYTES = 30 * 1024


def main() -> int:
    raw = WIDGET.read_bytes()
    packed = len(gzip.compress(raw, compresslevel=9))
    verdict = "ok" if packed <= BUDGET_BYTES else "OVER BUDGET"
    print(f"widget.js: {len(raw)} bytes, {packed} bytes gzipped (budget {BUDGET_BYTES}): {verdict}")
    return 0 if packed <= BUDGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
