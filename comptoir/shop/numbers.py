"""Find an order number in what shoppers type: "n° 10001", "#cmd-10001", "CMD10001"."""

from __future__ import annotations

import re

_WITH_PREFIX = re.compile(r"(?i)\bc\s*m\s*d\s*[-_ #:]*\s*(\d{4,8})\b")
PREFIX = "CMD-"


def normalise_order_number(text: str) -> str | None:
    """The canonical ``CMD-12345`` for the first order number in ``text``, if any.

    Postcodes look like order numbers (5 digits) too, so a bare number is only taken
    when it is the only digit group, or explicitly marked (CMD, n°, #).
    """
    if not text:
        return None
    match = _WITH_PREFIX.search(text)
    if match:
        return f"{PREFIX}{match.group(1)}"
    marked = re.search(r"(?i)(?:n\s*[°º]|#|num[ée]ro|number|no\.)\s*(\d{4,8})\b", text)
    if marked:
        return f"{PREFIX}{marked.group(1)}"
    groups = re.findall(r"(?<![\d.,])\d{4,8}(?![\d.,]*\d)", text)
    if len(groups) == 1 and not re.search(rf"{groups[0]}\s*(?:€|eur)", text, re.IGNORECASE):
        return f"{PREFIX}{groups[0]}"
    return None
