"""The report's tables as CSV files, for an owner who works in a spreadsheet.

Each table of the JSON report is one file with a header row, in UTF-8 with a byte order
mark (so Excel reads the accents right), numbers with a dot, labels as codes (the page
and the command line translate them). A cell that a spreadsheet would run as a formula
(a shopper's question beginning with "=") is written as text.
"""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS: dict[str, tuple[str, ...]] = {
    "daily": ("date", "conversations", "automated", "handoffs"),
    "handoffs_by_reason": ("reason", "count"),
    "first_response_distribution": ("bucket", "count"),
    "csat_daily": ("date", "scores", "satisfied"),
    "heatmap": ("weekday", "hour", "conversations"),
    "unanswered_clusters": ("count", "examples", "closest_article_id", "closest_article_title"),
    "disliked_articles": ("id", "title", "up", "down"),
    "returns_by_reason": ("reason", "kind", "count"),
    "returns_by_product": ("sku", "name", "category", "returns", "ordered", "rate"),
}
TABLES = tuple(COLUMNS)
EXAMPLES_SEPARATOR = " | "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _row(table: str, item: dict[str, Any]) -> dict[str, Any]:
    """A JSON row as the CSV's columns (a cluster's examples and article flattened)."""
    if table != "unanswered_clusters":
        return item
    article = item.get("closest_article") or {}
    return {
        "count": item["count"],
        "examples": EXAMPLES_SEPARATOR.join(item["examples"]),
        "closest_article_id": article.get("id", ""),
        "closest_article_title": article.get("title", ""),
    }


def _cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return int(value) if isinstance(value, bool) else value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def table_csv(report: dict[str, Any], table: str) -> bytes:
    """One table of ``report`` as a CSV file (``KeyError`` for an unknown table)."""
    columns = COLUMNS[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for item in report[table]:
        row = _row(table, item)
        writer.writerow([_cell(row.get(column)) for column in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
