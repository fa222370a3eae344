"""What an import did, for the person at the terminal and for scripts (``--json``).

Both forms say the same things: which articles were created and where, which entries
were skipped with their location and reason, and how the file was read (format,
encoding, delimiter or HTML strategy), so a wrong guess shows before anyone wonders
why the bot answers oddly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from comptoir.kb.importing.entries import Skipped

_DELIMITER_NAMES = {";": "';'", ",": "','", "\t": "tab"}
_STRATEGY_NAMES = {
    "json-ld": "the page's JSON-LD FAQPage",
    "details": "<details><summary> blocks",
    "dl": "<dl><dt><dd> lists",
    "headings": "h2–h4 headings and the text under them",
}


@dataclass(frozen=True)
class Imported:
    """One article created (or that would be, in a dry run)."""

    id: str
    title: str
    path: Path


@dataclass
class ImportReport:
    """The outcome of one ``import_faq`` call."""

    source: Path
    format: str
    encoding: str
    lang: str
    into: Path
    dry_run: bool
    found: int
    delimiter: str | None = None
    strategy: str | None = None
    imported: list[Imported] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when at least one article was (or would be) imported, 1 when none."""
        return 0 if self.imported else 1

    def as_json(self) -> dict[str, Any]:
        """Plain JSON types only; paths as strings."""
        return {
            "file": str(self.source),
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "strategy": self.strategy,
            "lang": self.lang,
            "into": str(self.into),
            "dry_run": self.dry_run,
            "found": self.found,
            "imported": [
                {"id": a.id, "title": a.title, "path": str(a.path)} for a in self.imported
            ],
            "skipped": [{"location": s.location, "reason": s.reason} for s in self.skipped],
        }

    def _how_read(self) -> str:
        """How the file was understood, so a wrong guess (separator, strategy) shows."""
        if self.format == "csv":
            delimiter = _DELIMITER_NAMES.get(self.delimiter or ",", repr(self.delimiter))
            return f"CSV, {self.encoding}, separated by {delimiter}"
        strategy = _STRATEGY_NAMES.get(self.strategy or "", "no FAQ structure it knows")
        return f"HTML, {self.encoding}, read from {strategy}"

    def as_text(self) -> str:
        """The report as a person reads it at the terminal."""
        entries = "1 entry" if self.found == 1 else f"{self.found} entries"
        lines = [f"{self.source}: {self._how_read()}; {entries} found."]
        if self.format == "html" and self.strategy is None:
            lines.append(
                "No questions found: looked for a JSON-LD FAQPage, <details><summary>, "
                "<dl><dt><dd> and h2–h4 headings followed by text."
            )
        verb = "Would import" if self.dry_run else "Imported"
        if self.imported:
            count = len(self.imported)
            lines.append(f"{verb} {count} article{'s' if count > 1 else ''} into {self.into}:")
            lines += [f"  {a.id}  ({a.path})" for a in self.imported]
        else:
            lines.append(
                "No article would be imported." if self.dry_run else "No article imported."
            )
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)}:")
            lines += [f"  {s}" for s in self.skipped]
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        return "\n".join(lines)
