"""Parse and validate the editors' markdown articles.

Editors are not developers: every problem names the file, the line and what to fix,
and one broken article never stops the others from loading.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LANGUAGES = ("fr", "en")
_FENCE = "---"
_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
# The action an answer may offer as a button (``offer:``; see comptoir/kb/offers.py).
OFFER_VALUES = ("return", "warranty", "order_status", "none")

# libyaml's C parser when PyYAML was built with it: the same safe subset, ~10x faster,
# which matters when a live edit re-reads thousands of articles.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Section:
    """A part of an article: the intro (heading ``None``) or one ``##`` section."""

    heading: str | None
    text: str


@dataclass(frozen=True)
class Article:
    """One validated article."""

    id: str
    title: str
    lang: str
    body: str
    path: Path
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    translation_of: str | None = None
    sections: tuple[Section, ...] = field(default=())
    offer: str | None = None  # one of OFFER_VALUES, or None: inferred (kb/offers.py)

    @property
    def short_answer(self) -> str:
        """The first paragraph: editors write the short answer first."""
        intro = self.sections[0].text if self.sections else self.body
        return intro.strip().split("\n\n")[0].strip()

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that is embedded or shown changes."""
        digest = hashlib.sha256()
        for part in (self.id, self.title, self.lang, *self.questions, *self.tags, self.body):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ArticleError:
    """A problem an editor must fix, located precisely."""

    path: Path
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


@dataclass
class LoadResult:
    """Valid articles and the problems found, from one folder."""

    articles: list[Article]
    errors: list[ArticleError]


def split_sections(body: str) -> tuple[Section, ...]:
    """Split a body on ``##`` headings (the text before the first is the intro)."""
    sections: list[Section] = []
    heading: str | None = None
    lines: list[str] = []
    in_code = False
    for line in body.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        match = None if in_code else _HEADING.match(line)
        if match:
            if "\n".join(lines).strip() or heading is not None:
                sections.append(Section(heading, "\n".join(lines).strip()))
            heading, lines = match.group(1), []
        else:
            lines.append(line)
    if "\n".join(lines).strip() or heading is not None:
        sections.append(Section(heading, "\n".join(lines).strip()))
    return tuple(s for s in sections if s.text or s.heading)


def _key_line(front_lines: list[str], key: str) -> int:
    for number, line in enumerate(front_lines, start=2):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _string_list(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return None


def parse_article(path: Path, text: str) -> Article | ArticleError:
    """Parse one file's text into an article, or the first problem found in it."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != _FENCE:
        return ArticleError(path, 1, "the file must start with a '---' line (front matter)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == _FENCE)
    except StopIteration:
        return ArticleError(path, 1, "front matter is not closed by a second '---' line")
    front_lines = lines[1:end]
    try:
        front = yaml.load("\n".join(front_lines), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 2
        problem = getattr(error, "problem", None) or "invalid YAML"
        return ArticleError(path, line, f"broken front matter: {problem}")
    if not isinstance(front, dict):
        return ArticleError(path, 2, "front matter must be 'key: value' lines")

    def fail(key: str, problem: str) -> ArticleError:
        return ArticleError(path, _key_line(front_lines, key), problem)

    article_id = str(front.get("id") or "").strip()
    if not article_id:
        return fail("id", "missing 'id'")
    if not _ID.match(article_id):
        return fail("id", f"id '{article_id}' must be lower-case letters, digits, - or _")
    title = str(front.get("title") or "").strip()
    if not title:
        return fail("title", "missing 'title'")
    lang = str(front.get("lang") or "").strip()
    if lang not in LANGUAGES:
        return fail("lang", f"unknown lang '{lang}' (use 'fr' or 'en')")
    questions = _string_list(front.get("questions"))
    if questions is None:
        return fail("questions", "'questions' must be a list of sentences")
    tags = _string_list(front.get("tags"))
    if tags is None:
        return fail("tags", "'tags' must be a list of words")
    translation_of = front.get("translation_of")
    offer = front.get("offer")
    if offer is False:  # YAML reads a bare "no" or "off" as false: no button
        offer = "none"
    if offer is not None:
        offer = str(offer).strip().lower()
        if offer not in OFFER_VALUES:
            return fail(
                "offer",
                f"unknown offer '{front.get('offer')}' (use {', '.join(OFFER_VALUES)}, "
                "or leave the line out to let the bot choose)",
            )
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        return ArticleError(path, end + 2, "the article has no body (write the answer)")
    return Article(
        id=article_id,
        title=title,
        lang=lang,
        body=body,
        path=path,
        questions=questions,
        tags=tags,
        translation_of=str(translation_of).strip() if translation_of else None,
        sections=split_sections(body),
        offer=offer,
    )


def load_folder(folder: Path) -> LoadResult:
    """Load every ``*.md`` article below ``folder`` (README.md files are documentation)."""
    articles: list[Article] = []
    errors: list[ArticleError] = []
    seen: dict[str, Article] = {}
    for path in sorted(folder.rglob("*.md")):
        if path.name.lower() == "readme.md" or any(p.startswith(".") for p in path.parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            errors.append(ArticleError(path, 1, f"cannot read the file: {error}"))
            continue
        parsed = parse_article(path, text)
        if isinstance(parsed, ArticleError):
            errors.append(parsed)
            continue
        if parsed.id in seen:
            front_lines = text.split("\n")[1:]
            errors.append(
                ArticleError(
                    path,
                    _key_line(front_lines, "id"),
                    f"duplicate id '{parsed.id}' (already used by {seen[parsed.id].path})",
                )
            )
            continue
        seen[parsed.id] = parsed
        articles.append(parsed)
    return LoadResult(articles, errors)
