"""Read a FAQ exported as CSV: from Excel, LibreOffice, a help-desk tool or a CMS.

The same two columns come in many shapes: French Excel separates with ``;``, others
with ``,`` or tabs; headers are in French or English, with or without accents, or
missing; answers span several lines inside quotes; help-desk exports put HTML in the
answer. The reader accepts all of these and remembers each entry's first line, which
is what the person sees when they open the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

from comptoir.kb.importing.entries import MAX_ENTRIES, FaqEntry, ImportRefused
from comptoir.kb.importing.html_markdown import html_to_markdown, looks_like_html
from comptoir.kb.importing.naming import fold_question

_DELIMITERS = (";", "\t", ",")  # on a tie, French Excel's choice wins
_SNIFF_ROWS = 100
_SEP_LINE = re.compile(r"^sep=(.)\n", re.I)  # Excel's hint line: "sep=;"
# Header names, folded (no case, accents or punctuation).
_HEADER_NAMES = {
    "question": {"question", "questions", "q"},
    "answer": {"answer", "answers", "reponse", "reponses", "response", "a", "r"},
    "category": {
        "category",
        "categories",
        "categorie",
        "rubrique",
        "theme",
        "topic",
        "section",
    },
}


@dataclass(frozen=True)
class CsvEntries:
    """What was read, and how: shown in the report so a wrong guess is visible."""

    entries: list[FaqEntry]
    delimiter: str
    has_header: bool


def _header_name(cell: str) -> str | None:
    """The column a header cell names: "Réponse", "ANSWER", "Réponse courte"…

    A name may be followed by one more word ("Question fréquente"); a longer cell is a
    question, not a header, even if it starts with "Question".
    """
    words = fold_question(cell).split()
    if not words or len(words) > 2:
        return None
    for column, names in _HEADER_NAMES.items():
        if "".join(words) in names or any(len(n) > 1 and words[0] == n for n in names):
            return column
    return None


def _header_columns(row: list[str]) -> dict[str, int]:
    """Which column holds what, when ``row`` is a header row (else empty)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        column = _header_name(cell)
        if column is not None and column not in found:
            found[column] = index
    # Single letters count only beside a real header name: "A" alone is data.
    if found and all(len(fold_question(row[i])) <= 1 for i in found.values()):
        return {}
    return found


def _non_blank_rows(text: str, delimiter: str, limit: int | None = None) -> list[list[str]]:
    """Rows for sniffing: a parse error just ends the sample (the real read reports it)."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error:
        return rows
    return rows


def sniff_delimiter(text: str) -> str | None:
    """``;``, tab or ``,``: the one giving the most rows of the same width (≥ 2 columns).

    ``csv.Sniffer`` is thrown off by multi-line answers and by commas inside French
    sentences; counting consistent rows is not. A recognised header decides at once.
    Returns None when no delimiter gives two columns: then it is not a CSV.
    """
    if match := _SEP_LINE.match(text):
        return match.group(1)
    sample = text[:65536]
    best, best_count = None, 0
    for delimiter in _DELIMITERS:
        rows = _non_blank_rows(sample, delimiter, _SNIFF_ROWS)
        if not rows:
            continue
        header = _header_columns(rows[0])
        if "question" in header and "answer" in header:
            return delimiter
        widths = Counter(len(row) for row in rows if len(row) >= 2)
        if widths:
            count = widths.most_common(1)[0][1]
            if count > best_count and count * 2 >= len(rows):
                best, best_count = delimiter, count
    return best


def _columns_of(first_row: list[str]) -> tuple[dict[str, int], bool]:
    """Columns from the header, or question/answer/category by position when there is none."""
    header = _header_columns(first_row)
    if "question" not in header and "answer" not in header:  # "Section" alone is data
        positions = {"question": 0, "answer": 1}
        if len(first_row) >= 3:
            positions["category"] = 2
        return positions, False
    missing = [name for name in ("question", "answer") if name not in header]
    if missing:
        raise ImportRefused(
            f"the CSV header has no '{missing[0]}' column: name the columns "
            "question, answer[, category] (or question, réponse[, catégorie])."
        )
    return header, True


def _cell(row: list[str], index: int | None) -> str:
    """A trimmed cell; short rows (a missing trailing column) read as empty cells."""
    return row[index].strip() if index is not None and index < len(row) else ""


def _entry(row: list[str], columns: dict[str, int], line: int) -> FaqEntry:
    """One row as an entry; HTML answers (help-desk exports) become markdown."""
    answer = _cell(row, columns["answer"])
    if looks_like_html(answer):
        answer = html_to_markdown(answer)
    question = " ".join(_cell(row, columns["question"]).split())
    return FaqEntry(
        question=question,
        answer=answer,
        location=f"CSV line {line}",
        category=_cell(row, columns.get("category")) or None,
    )


def read_csv(text: str) -> CsvEntries:
    """Every non-blank row after the header, each with the line it starts on."""
    delimiter = sniff_delimiter(text) or ","
    first_line = 1
    if _SEP_LINE.match(text):
        text = text.split("\n", 1)[1]
        first_line = 2
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: dict[str, int] | None = None
    has_header = False
    entries: list[FaqEntry] = []
    previous_end = first_line - 1
    try:
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num + first_line - 1
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                columns, has_header = _columns_of(row)
                if has_header:
                    continue
            entries.append(_entry(row, columns, start))
    except csv.Error as error:
        raise ImportRefused(
            f"CSV line {previous_end + 1} cannot be read ({error}): is a quote left open?"
        ) from None
    if len(entries) > MAX_ENTRIES:
        raise ImportRefused(
            f"the file has {len(entries):,} entries; the limit is {MAX_ENTRIES:,}. "
            "Split it into smaller files."
        )
    return CsvEntries(entries, delimiter, has_header)
