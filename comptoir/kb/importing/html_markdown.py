"""HTML answers to the small markdown the chat widget shows, and nothing else.

A saved FAQ page carries tracking scripts, styles, embedded videos, buttons and
inline event handlers next to the answers. The bot shows article text to shoppers, so
only what the widget renders survives: paragraphs, line breaks, bulleted and numbered
lists, bold, italic and links to http(s) or mailto addresses. Every other tag is
dropped (its text kept), and scripts, styles and frames are dropped with their content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.element import PreformattedString

# Dropped with everything inside: active content, media, form controls, page chrome.
# fmt: off
DROPPED = frozenset({
    "script", "style", "iframe", "frame", "frameset", "noscript", "template", "object",
    "embed", "applet", "svg", "math", "canvas", "head", "title", "meta", "link", "base",
    "img", "picture", "video", "audio", "source", "track", "map", "area", "button",
    "input", "select", "option", "textarea",
})
# Tags that start and end a paragraph.
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
    "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend", "li",
    "main", "nav", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead",
    "tr",
})
# fmt: on
_LISTS = frozenset({"ul", "ol", "menu"})
_BLOCKISH = sorted(BLOCKS | _LISTS)
_STYLES = {"strong": "**", "b": "**", "em": "*", "i": "*"}
_LINK_SCHEMES = {"http", "https", "mailto"}
_SPACES = re.compile(r"[ \t\n\r\f]+")
_PRE_SPACES = re.compile(r"[ \t\r\f]+")
_PRE = "pre"  # in ``styles``: inside <pre>
_HTML_HINT = re.compile(
    r"<(p|br|ul|ol|li|a|strong|b|em|i|div|span|h[1-6]|table|script|style|iframe)\b[^>]*>"
    r"|&(nbsp|amp|lt|gt|quot|#\d+|#x[0-9a-f]+|[a-z]+acute|[a-z]+grave);",
    re.I,
)
_ACTIVE = re.compile(
    r"<(script|style|iframe)\b[^>]*>.*?</\1\s*>|<(script|style|iframe)\b[^>]*>", re.I | re.S
)


def looks_like_html(text: str) -> bool:
    """True for text with tags or entities (help-desk CSV exports, JSON-LD answers)."""
    return bool(_HTML_HINT.search(text))


def strip_active_content(text: str) -> str:
    """Remove script/style/iframe tags that reached the text as literal characters.

    A page may hold ``&lt;script&gt;…`` (escaped twice); once decoded it reads as a
    tag. The widget escapes HTML anyway, but no article should carry a script.
    """
    return _ACTIVE.sub("", text)


@dataclass
class _Stop:
    """Where rendering ends: the first of these tags after ``start`` (shared by sub-writers)."""

    at: frozenset[str] = frozenset()
    start: Tag | None = None
    hit: bool = False


@dataclass
class Renderer:
    """Nodes rendered one after another into blocks (paragraphs, lists).

    ``exclude`` names tags skipped with their content (the next ``<dt>`` inside an
    unclosed ``<dd>``). ``stop_at`` ends the rendering at the first such tag after
    ``start``, wherever it is nested: in broken pages an unclosed ``<h3>`` contains the
    next question, and what follows it in the page belongs to that next question.
    """

    plain: bool = False
    exclude: frozenset[str] = frozenset()
    stop: _Stop = field(default_factory=_Stop)
    inline: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    @classmethod
    def until(cls, stop_at: frozenset[str], start: Tag) -> Renderer:
        """A renderer that stops at the first ``stop_at`` tag other than ``start``."""
        return cls(stop=_Stop(stop_at, start))

    @property
    def stopped(self) -> bool:
        """True once the stop tag was met: the caller need not render further nodes."""
        return self.stop.hit

    def add(self, node: PageElement) -> None:
        """Render one more node after the previous ones (inline text continues)."""
        _walk(node, self, frozenset())

    def blocks(self) -> list[str]:
        """The blocks so far, the paragraph being written included."""
        self.flush()
        return [block for block in (b.strip("\n") for b in self.done) if block.strip()]

    def flush(self) -> None:
        """End the current paragraph; two line breaks in a row also end one."""
        raw, self.inline = "".join(self.inline), []
        for part in re.split(r"\n[ \t]*\n", raw):
            lines = [" ".join(line.split()) for line in part.split("\n")]
            paragraph = "\n".join(line for line in lines if line)
            if paragraph:
                self.done.append(paragraph)

    def child(self) -> Renderer:
        """A renderer for a list item or a link's words, sharing the stop point."""
        return Renderer(plain=self.plain, exclude=self.exclude, stop=self.stop)


def _safe_url(href: str) -> str | None:
    """The URL if it is http(s) or mailto, made safe for ``[text](url)``; else None."""
    url = href.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in _LINK_SCHEMES:
        return None
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _wrap(text: str, marker: str) -> str:
    """``**bold**`` around the words, spaces and line breaks left outside the markers."""
    lines = []
    for line in text.split("\n"):
        match = re.fullmatch(r"(\s*)(.*?)(\s*)", line, re.S)
        assert match is not None  # the pattern matches any string
        lead, inner, trail = match.groups()
        lines.append(f"{lead}{marker}{inner}{marker}{trail}" if inner else line)
    return "\n".join(lines)


def _inline_tag(tag: Tag, out: Renderer, styles: frozenset[str]) -> None:
    """Bold, italic or a link around inline content; a block inside just loses the style."""
    if tag.find(_BLOCKISH) is not None:  # broken HTML, <b><p>…</p></b>: lose the style
        for child in tag.children:
            _walk(child, out, styles)
        return
    marker = _STYLES.get(tag.name, "")
    inner_styles = styles | {marker} if marker else styles
    sub = out.child()
    for child in tag.children:
        _walk(child, sub, inner_styles)
    text = "".join(sub.inline)
    if out.plain or not text.strip():
        out.inline.append(text)
    elif tag.name == "a":
        url = _safe_url(str(tag.get("href") or ""))
        label = " ".join(text.split()).replace("[", "(").replace("]", ")")
        lead = " " if text[:1].isspace() else ""
        trail = " " if text[-1:].isspace() else ""
        out.inline.append(f"{lead}[{label}]({url}){trail}" if url else text)
    elif marker and marker not in styles:
        out.inline.append(_wrap(text, marker))
    else:
        out.inline.append(text)


def _list_items(tag: Tag) -> list[Tag]:
    """The items of a list; unclosed ``<li>`` nest in each other and are flattened back."""
    items: list[Tag] = []
    for child in tag.children:
        if isinstance(child, Tag) and child.name == "li":
            items.append(child)
            items.extend(_list_items(child))
    return items


def _render_list(tag: Tag, out: Renderer, indent: str) -> list[str]:
    """Lines of a bulleted or numbered list, nested lists indented under their item."""
    lines: list[str] = []
    for number, item in enumerate(_list_items(tag), start=1):
        marker = f"{number}. " if tag.name == "ol" and not out.plain else "- "
        sub = out.child()
        nested: list[str] = []
        for child in item.children:
            if isinstance(child, Tag) and child.name == "li":
                continue  # flattened by _list_items
            if isinstance(child, Tag) and child.name in _LISTS:
                sub.flush()
                nested += _render_list(child, out, indent + " " * len(marker))
            else:
                _walk(child, sub, frozenset())
        sub.flush()
        text = " ".join(" ".join(block.split("\n")) for block in sub.done)
        if text:
            lines.append(f"{indent}{marker}{text}")
        lines += nested
    return lines


def _walk(node: PageElement, out: Renderer, styles: frozenset[str]) -> None:
    """Append ``node`` to ``out``: text collapsed as a browser would, tags by kind."""
    if isinstance(node, PreformattedString):
        return  # comments, CDATA, doctype, processing instructions
    if isinstance(node, NavigableString) and not out.stop.hit:
        text = str(node)
        # In <pre> the line breaks are the author's: keep them as the widget's line breaks.
        out.inline.append(_PRE_SPACES.sub(" ", text) if _PRE in styles else _SPACES.sub(" ", text))
        return
    if out.stop.hit or not isinstance(node, Tag):
        return
    if node.name in out.stop.at and node is not out.stop.start:
        out.stop.hit = True
        return
    if node.name in DROPPED or node.name in out.exclude:
        return
    if node.name == "br":
        out.inline.append("\n")
    elif node.name in _LISTS:
        out.flush()
        out.done.append("\n".join(_render_list(node, out, "")))
    elif node.name == "pre":
        out.flush()
        for child in node.children:
            _walk(child, out, styles | {_PRE})
        out.flush()
    elif node.name in BLOCKS:
        out.flush()
        for child in node.children:
            _walk(child, out, styles)
        out.flush()
    elif node.name in _STYLES or node.name == "a":
        _inline_tag(node, out, styles)
    else:
        if node.name in ("td", "th"):
            out.inline.append(" ")
        for child in node.children:
            _walk(child, out, styles)


def render_blocks(
    nodes: list[PageElement], *, plain: bool = False, exclude: frozenset[str] = frozenset()
) -> list[str]:
    """The paragraphs and lists of ``nodes``, as markdown (or plain text if ``plain``).

    ``exclude`` names tags skipped with their content: a question's own heading when its
    answer is rendered, the next ``<dt>`` inside an unclosed ``<dd>``.
    """
    out = Renderer(plain=plain, exclude=exclude)
    for node in nodes:
        out.add(node)
    return out.blocks()


def html_to_markdown(html: str) -> str:
    """A fragment of HTML (an answer) as markdown paragraphs separated by blank lines."""
    soup = BeautifulSoup(html, "html.parser")
    return strip_active_content("\n\n".join(render_blocks(list(soup.contents)))).strip()


def html_to_text(html: str) -> str:
    """A fragment of HTML (a question) as one line of plain text."""
    soup = BeautifulSoup(html, "html.parser")
    return " ".join(
        strip_active_content(" ".join(render_blocks(list(soup.contents), plain=True))).split()
    )
