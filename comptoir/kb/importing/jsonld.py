"""The FAQ a page declares for search engines: schema.org ``FAQPage`` in JSON-LD.

When a page has it, it is the cleanest source there is: the shop itself listed its
questions and answers, apart from menus, banners and footers. SEO plugins write it in
several shapes (a lone object, a list, an ``@graph`` with questions referenced by
``@id``), and hand-written ones are often slightly broken JSON; all are accepted, and a
script that cannot be read is passed over rather than failing the page.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup

_MAX_DEPTH = 12


def _types(node: dict[str, Any]) -> set[str]:
    """``@type`` as a set: plugins write a string, a list, or a full schema.org URL."""
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds if k}


def _documents(soup: BeautifulSoup) -> Iterator[Any]:
    """Every JSON-LD script's parsed content; unreadable ones are skipped."""
    for script in soup.find_all("script"):
        kind = str(script.get("type") or "").split(";")[0].strip().lower()
        if kind != "application/ld+json":
            continue
        text = script.get_text().strip()
        for wrapper in ("<!--", "-->", "//<![CDATA[", "//]]>", "<![CDATA[", "]]>"):
            text = text.replace(wrapper, "")
        try:
            yield json.loads(text, strict=False)  # strict=False: raw line breaks in strings
        except ValueError:
            continue


def _nodes(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every JSON object inside ``value``, depth first, in document order."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _nodes(child, depth + 1)
    elif isinstance(value, list):
        for child in value:
            yield from _nodes(child, depth + 1)


def _text(value: Any) -> str:
    """A schema.org text value: a string, a list of strings, or ``{"@value": …}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("@value") or value.get("text") or "")
    return "" if value is None else str(value)


def _answer_of(question: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str:
    """``acceptedAnswer.text``, else the first ``suggestedAnswer``'s."""
    for key in ("acceptedAnswer", "suggestedAnswer"):
        answer = question.get(key)
        if isinstance(answer, list):
            answer = answer[0] if answer else None
        if isinstance(answer, dict) and set(answer) <= {"@id"}:
            answer = by_id.get(str(answer.get("@id")), answer)
        if isinstance(answer, dict):
            return _text(answer.get("text"))
        if isinstance(answer, str):
            return answer
    return ""


def faq_pairs(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(question, answer) of every ``FAQPage`` on the page; answers as found (often HTML)."""
    documents = list(_documents(soup))
    by_id = {
        str(node["@id"]): node for node in _nodes(documents) if "@id" in node and len(node) > 1
    }
    pairs: list[tuple[str, str]] = []
    for node in _nodes(documents):
        if "FAQPage" not in _types(node):
            continue
        entities = node.get("mainEntity") or node.get("hasPart") or []
        for entity in entities if isinstance(entities, list) else [entities]:
            if isinstance(entity, dict) and set(entity) <= {"@id"}:
                entity = by_id.get(str(entity.get("@id")), entity)
            if not isinstance(entity, dict) or (
                "Question" not in _types(entity) and "name" not in entity
            ):
                continue
            question = _text(entity.get("name") or entity.get("text"))
            pairs.append((question, _answer_of(entity, by_id)))
    return pairs


def unescape_once(text: str) -> str:
    """Answers escaped twice (``&lt;p&gt;``) are common in JSON-LD: decode them once."""
    if "<" not in text and "&lt;" in text:
        return html.unescape(text)
    return text
