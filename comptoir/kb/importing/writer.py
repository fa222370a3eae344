"""Turn checked entries into article files: all of them, or none.

A knowledge folder is live: the bot reloads it seconds after a file changes. An import
that stopped half-way (disk full, a file that appeared meanwhile, Ctrl-C) would leave
the bot serving half a FAQ, so every article is rendered and parsed back with the
same parser the bot uses before anything is written; the files are written to a hidden
staging folder beside the target, then moved in one by one without ever replacing a
file, and on any failure the moved ones are removed again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from comptoir.kb.articles import Article, ArticleError, parse_article
from comptoir.kb.importing.entries import FaqEntry, ImportFailed, Skipped
from comptoir.kb.importing.naming import unique_id


@dataclass(frozen=True)
class PlannedArticle:
    """An article ready to write: its id, where it goes and its full text."""

    id: str
    title: str
    path: Path
    text: str


def render_article(article_id: str, entry: FaqEntry, lang: str) -> str:
    """The file's text; YAML is written by PyYAML so any title is quoted correctly."""
    front: dict[str, object] = {"id": article_id, "title": entry.question, "lang": lang}
    if entry.category:
        front["tags"] = [entry.category]
    header = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1_000_000)
    return f"---\n{header}---\n\n{entry.answer}\n"


def _mismatch(article: Article, entry: FaqEntry) -> str | None:
    """What the bot would read differently from what was imported, if anything."""
    if article.title != entry.question:
        return "its title would not read back unchanged"
    if article.body != entry.answer.strip():
        return "its answer would not read back unchanged"
    if article.tags != ((entry.category,) if entry.category else ()):
        return "its category would not read back unchanged"
    return None


def plan_articles(
    entries: list[FaqEntry], lang: str, into: Path, taken_ids: set[str]
) -> tuple[list[PlannedArticle], list[Skipped]]:
    """Render every entry and parse it back; an entry that would not load is skipped.

    ``taken_ids`` holds the ids already used in the knowledge folder; new ids are added
    to it, so two questions with the same slug get ``-2``.
    """
    planned: list[PlannedArticle] = []
    skipped: list[Skipped] = []
    for entry in entries:
        article_id = unique_id(entry.question, taken_ids)
        path = into / f"{article_id}.md"
        text = render_article(article_id, entry, lang)
        parsed = parse_article(path, text)
        problem = parsed.problem if isinstance(parsed, ArticleError) else _mismatch(parsed, entry)
        if problem is not None:
            skipped.append(
                Skipped(entry.location, f"it cannot be made into an article: {problem}.")
            )
            continue
        planned.append(PlannedArticle(article_id, entry.question, path, text))
    return planned, skipped


def _make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; returns those created, outermost first."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    missing.reverse()
    for path in missing:
        path.mkdir()
    return missing


def _move(source: Path, target: Path) -> None:
    """Move a staged file in, never replacing one: a hard link fails if ``target`` exists."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: exclusive create, then copy
        with source.open("rb") as src, target.open("xb") as dst:
            shutil.copyfileobj(src, dst)
    source.unlink()


def _roll_back(moved: list[Path], staging: Path | None, created: list[Path]) -> None:
    """Remove what this import added: files moved in, staging, then folders it created."""
    for path in reversed(moved):
        path.unlink(missing_ok=True)
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    for folder in reversed(created):
        with contextlib.suppress(OSError):  # not empty: someone wrote there; leave it
            folder.rmdir()


def write_articles(planned: list[PlannedArticle], into: Path) -> None:
    """Write every planned article into ``into``, or nothing (``ImportFailed``)."""
    clash = next((a.path for a in planned if a.path.exists()), None)
    if clash is not None:
        raise ImportFailed(
            f"{clash} already exists; nothing was written (files are never replaced)."
        )
    moved: list[Path] = []
    created: list[Path] = []
    staging: Path | None = None
    try:
        created = _make_folder(into)
        staging = Path(tempfile.mkdtemp(prefix=f".{into.name}.import-", dir=into.parent))
        for article in planned:
            (staging / article.path.name).write_text(article.text, encoding="utf-8")
        for article in planned:
            _move(staging / article.path.name, article.path)
            moved.append(article.path)
    except BaseException as error:  # Ctrl-C too: the folder must be left as it was
        _roll_back(moved, staging, created)
        if not isinstance(error, Exception):
            raise
        if isinstance(error, FileExistsError):
            reason = f"{error.filename2 or error.filename or 'a file'} appeared meanwhile (files are never replaced)"
        else:
            reason = f"{error.strerror or error}" if isinstance(error, OSError) else str(error)
        raise ImportFailed(
            f"writing the articles into {into} failed ({reason}); nothing was imported "
            "and the folder is as it was."
        ) from error
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
