"""``import_faq``: read, check, plan, write; the one entry point of the package.

The steps are in this order so that every reason to refuse the whole file comes before
any per-entry work, and every per-entry problem is known before a single file is
written: what the report says is exactly what happened to the folder.
"""

from __future__ import annotations

from pathlib import Path

from comptoir.kb.articles import LANGUAGES, load_folder
from comptoir.kb.importing.checks import check_entries
from comptoir.kb.importing.csv_reader import read_csv
from comptoir.kb.importing.entries import FaqEntry, ImportRefused
from comptoir.kb.importing.html_reader import read_html
from comptoir.kb.importing.naming import RESERVED_IDS, fold_question
from comptoir.kb.importing.report import Imported, ImportReport
from comptoir.kb.importing.source import read_source
from comptoir.kb.importing.writer import plan_articles, write_articles


def _existing(
    into: Path, knowledge_root: Path | None, lang: str
) -> tuple[set[str], dict[str, Path]]:
    """Ids already taken and folded titles already used, where the new articles go.

    When ``into`` is inside the knowledge folder the whole folder counts, since ids are
    unique across the knowledge base. File names count as taken ids too, so a broken
    article (whose id cannot be read) is never overwritten or shadowed.
    """
    roots = [into]
    if knowledge_root is not None and into.resolve().is_relative_to(knowledge_root.resolve()):
        roots = [knowledge_root]
    taken = set(RESERVED_IDS)
    titles: dict[str, Path] = {}
    for root in roots:
        if not root.is_dir():
            continue
        loaded = load_folder(root)
        taken |= {article.id for article in loaded.articles}
        taken |= {path.stem.lower() for path in root.rglob("*.md")}
        for article in loaded.articles:
            if article.lang == lang:
                titles.setdefault(fold_question(article.title), article.path)
    return taken, titles


def _read(path: Path, fmt: str) -> tuple[list[FaqEntry], dict[str, str | None]]:
    """The entries and how the file was read (for the report)."""
    source = read_source(path, fmt)
    how: dict[str, str | None] = {"format": source.format, "encoding": source.encoding}
    if source.format == "csv":
        csv_entries = read_csv(source.text)
        return csv_entries.entries, how | {"delimiter": csv_entries.delimiter}
    html_entries = read_html(source.text)
    return html_entries.entries, how | {"strategy": html_entries.strategy}


def import_faq(
    path: Path,
    lang: str,
    into: Path,
    *,
    fmt: str = "auto",
    dry_run: bool = False,
    knowledge_root: Path | None = None,
) -> ImportReport:
    """Import the FAQ in ``path`` as ``lang`` articles into the folder ``into``.

    Raises ``ImportRefused`` when the input as a whole is unusable (nothing read or
    written) and ``ImportFailed`` when writing failed (nothing left written). With
    ``dry_run`` the report is the same and the folder is not touched.
    """
    if lang not in LANGUAGES:
        raise ImportRefused(f"unknown language '{lang}' (use {' or '.join(LANGUAGES)}).")
    if into.exists() and not into.is_dir():
        raise ImportRefused(f"the target {into} is a file, not a folder.")
    entries, how = _read(path, fmt)
    taken_ids, titles = _existing(into, knowledge_root, lang)
    kept, skipped = check_entries(entries, titles)
    planned, unusable = plan_articles(kept, lang, into, taken_ids)
    order = {entry.location: index for index, entry in enumerate(entries)}
    skipped = sorted([*skipped, *unusable], key=lambda s: order.get(s.location, len(order)))
    if planned and not dry_run:
        write_articles(planned, into)
    return ImportReport(
        source=path,
        format=str(how["format"]),
        encoding=str(how["encoding"]),
        lang=lang,
        into=into,
        dry_run=dry_run,
        found=len(entries),
        delimiter=how.get("delimiter"),
        strategy=how.get("strategy"),
        imported=[Imported(p.id, p.title, p.path) for p in planned],
        skipped=skipped,
    )
