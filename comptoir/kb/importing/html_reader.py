"""Read the questions and answers out of a FAQ web page saved from a browser.

Shops build FAQ pages in four usual ways, tried in this order because the earlier ones
say more precisely where a question ends and its answer begins: the schema.org JSON-LD
declared for search engines, ``<details><summary>`` accordions, ``<dl>`` definition
lists, and finally headings (h2–h4) each followed by its answer. The first way that
finds entries is used, and the report names it, so a surprising result can be
explained. Python's ``html.parser`` is used: it never refuses a page, and saved pages
are often broken (unclosed ``<p>``, ``<li>``, ``<dd>``…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from comptoir.kb.importing.entries import MAX_ENTRIES, FaqEntry, ImportRefused
from comptoir.kb.importing.html_markdown import (
    Renderer,
    html_to_markdown,
    html_to_text,
    looks_like_html,
    render_blocks,
)
from comptoir.kb.importing.jsonld import faq_pairs, unescape_once

STRATEGIES = ("json-ld", "details", "dl", "headings")
_QUESTION_HEADINGS = ("h2", "h3", "h4")
_SECTION_BREAKS = frozenset({"h1", "h2", "h3", "h4"})
# Page chrome: menus and footers have headings and lists too, never FAQ answers.
_CHROME = ("nav", "footer", "aside")
_CONTENT_PARENTS = ("article", "section", "main", "details", "dl")
_PAGE_ENDS = frozenset({"main", "body", "html", "[document]"})

# A question, its answer (markdown) and its category, before it is given a location.
_Raw = tuple[str, str, str | None]


@dataclass(frozen=True)
class HtmlEntries:
    """The entries found and the strategy that found them (None: nothing found)."""

    entries: list[FaqEntry]
    strategy: str | None


def _plain_answer(text: str) -> str:
    """A JSON-LD answer without tags: keep its line breaks, tidy the spaces."""
    paragraphs = []
    for part in text.replace("\r\n", "\n").split("\n\n"):
        lines = [" ".join(line.split()) for line in part.split("\n")]
        if paragraph := "\n".join(line for line in lines if line):
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def _from_json_ld(soup: BeautifulSoup) -> list[_Raw]:
    """Schema.org FAQPage: questions as plain text, answers from HTML to markdown."""
    found: list[_Raw] = []
    for question, answer in faq_pairs(soup):
        question, answer = unescape_once(question), unescape_once(answer)
        question = (
            html_to_text(question) if looks_like_html(question) else " ".join(question.split())
        )
        answer = html_to_markdown(answer) if looks_like_html(answer) else _plain_answer(answer)
        found.append((question, answer, None))
    return found


def _remove_chrome(soup: BeautifulSoup) -> None:
    """Drop menus, footers and the page header, which the DOM strategies would misread."""
    for tag in soup.find_all([*_CHROME, "header"]):
        if tag.decomposed:
            continue
        if tag.name == "header" and tag.find_parent(_CONTENT_PARENTS) is not None:
            continue  # an article's own header holds its title: keep it
        tag.decompose()


def _first_line(tag: Tag, exclude: frozenset[str] = frozenset()) -> str:
    """The first block of ``tag`` as plain text: a question, a category."""
    blocks = render_blocks(list(tag.children), plain=True, exclude=exclude)
    return " ".join(blocks[0].split()) if blocks else ""


def _heading_categories(elements: list[Tag]) -> list[str | None]:
    """The heading above each element, when the page groups its questions under ≥ 2.

    A single heading above every question is the page's "Questions fréquentes", not a
    category worth a tag (the headings strategy applies the same rule).
    """
    names: list[str | None] = []
    for element in elements:
        heading = element.find_previous(_QUESTION_HEADINGS)
        name = _first_line(heading) if heading is not None else ""
        names.append(name or None)
    return names if len({n for n in names if n}) >= 2 else [None] * len(names)


def _from_details(soup: BeautifulSoup) -> list[_Raw]:
    """Accordions: the summary is the question, the rest of the details its answer.

    Details holding other details are groups ("Livraison", "Retours"): their summary
    becomes the category of the questions inside.
    """
    leaves = [d for d in soup.find_all("details") if d.find("details") is None]
    found: list[_Raw] = []
    for details, heading in zip(leaves, _heading_categories(leaves), strict=True):
        summary = details.find("summary")
        if summary is None:
            continue
        question = _first_line(summary)
        # An unclosed <summary> swallows the answer: its blocks after the first are answer.
        answer = render_blocks(list(summary.children))[1:]
        answer += render_blocks(list(details.children), exclude=frozenset({"summary"}))
        group = details.find_parent("details")
        group_summary = group.find("summary") if group is not None else None
        category = _first_line(group_summary) if group_summary is not None else heading
        found.append((question, "\n\n".join(answer), category or None))
    return found


def _from_dl(soup: BeautifulSoup) -> list[_Raw]:
    """Definition lists: each ``<dt>`` a question, the ``<dd>`` after it its answer."""
    pairs: list[tuple[Tag, list[str]]] = []
    skip = frozenset({"dt", "dd"})  # unclosed <dd> contain the next <dt>: not theirs
    for dl in soup.find_all("dl"):
        if dl.find_parent("dl") is not None:
            continue  # a list inside an answer
        for node in dl.find_all(["dt", "dd"]):
            if node.find_parent("dl") is not dl:
                continue
            if node.name == "dt":
                pairs.append((node, []))
            elif pairs and pairs[-1][0].find_parent("dl") is dl:
                pairs[-1][1].extend(render_blocks(list(node.children), exclude=skip))
    categories = _heading_categories([term for term, _answer in pairs])
    return [
        (_first_line(term, skip), "\n\n".join(answer), category)
        for (term, answer), category in zip(pairs, categories, strict=True)
    ]


def _section(heading: Tag) -> list[str]:
    """The answer under a heading: everything after it in the page, up to the next h1–h4.

    Reading in page order, not siblings only, covers the usual wrappers
    (``<div class="q"><h3>…</h3></div><div class="a">…</div>``) and broken pages where
    an unclosed heading swallows its answer and the next question. It stops at the
    end of ``<main>``, past which come banners and scripts, not answers.
    """
    out = Renderer.until(_SECTION_BREAKS, heading)
    out.add(heading)
    own = len(out.blocks())  # the heading's text, then what an unclosed heading swallowed
    node: Tag = heading
    while not out.stopped and node.name not in _PAGE_ENDS and node.parent is not None:
        for sibling in node.next_siblings:
            out.add(sibling)
            if out.stopped:
                break
        node = node.parent
    return out.blocks()[1:] if own else out.blocks()


def _from_headings(soup: BeautifulSoup) -> list[_Raw]:
    """Every h2–h4 with text after it; one with none, above deeper ones, is a category."""
    found: list[_Raw] = []
    categories: dict[int, str] = {}
    headings = soup.find_all(_QUESTION_HEADINGS)
    for index, heading in enumerate(headings):
        level = int(heading.name[1])
        categories = {lvl: name for lvl, name in categories.items() if lvl < level}
        question = _first_line(heading, _SECTION_BREAKS)
        answer = _section(heading)
        deeper_next = index + 1 < len(headings) and int(headings[index + 1].name[1]) > level
        if not answer and deeper_next:
            categories[level] = question
            continue
        if question:
            category = categories[max(categories)] if categories else None
            found.append((question, "\n\n".join(answer), category))
    if len({category for _q, _a, category in found if category}) < 2:
        found = [(question, answer, None) for question, answer, _c in found]
    return found


def read_html(text: str) -> HtmlEntries:
    """The entries of the first strategy that finds any, numbered "HTML entry N"."""
    soup = BeautifulSoup(text, "html.parser")
    strategies: list[tuple[str, Callable[[BeautifulSoup], list[_Raw]]]] = [
        ("json-ld", _from_json_ld),
        ("details", _from_details),
        ("dl", _from_dl),
        ("headings", _from_headings),
    ]
    for name, strategy in strategies:
        if name == "details":
            _remove_chrome(soup)  # after JSON-LD, which may sit in the page's <header>
        found = strategy(soup)
        if not found:
            continue
        if len(found) > MAX_ENTRIES:
            raise ImportRefused(
                f"the page has {len(found):,} entries; the limit is {MAX_ENTRIES:,}. "
                "Split it into smaller files."
            )
        entries = [
            FaqEntry(question, answer, f"HTML entry {number}", category)
            for number, (question, answer, category) in enumerate(found, start=1)
        ]
        return HtmlEntries(entries, name)
    return HtmlEntries([], None)
