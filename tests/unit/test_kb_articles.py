"""Editors get precise errors, and one broken article never stops the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from comptoir.kb.articles import load_folder, parse_article, split_sections

GOOD = """---
id: livraison
title: Livraison
lang: fr
questions:
  - Quand suis-je livré ?
---

Sous 3 jours.

## Détails
Avant 14 h, départ le jour même.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_good_article_is_parsed_into_sections(tmp_path):
    article = parse_article(tmp_path / "a.md", GOOD)
    assert article.id == "livraison" and article.questions == ("Quand suis-je livré ?",)
    assert article.short_answer == "Sous 3 jours."
    assert [s.heading for s in article.sections] == [None, "Détails"]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("no front matter\n", 1, "must start with a '---'"),
        ("---\nid: a\ntitle: A\n", 1, "not closed"),
        ("---\nid: a\ntitle: [oops\nlang: fr\n---\n\nbody\n", 4, "broken front matter"),
        ("---\ntitle: A\nlang: fr\n---\n\nbody\n", 1, "missing 'id'"),
        ("---\nid: a\nlang: fr\n---\n\nbody\n", 1, "missing 'title'"),
        ("---\nid: a\ntitle: A\nlang: de\n---\n\nbody\n", 4, "unknown lang 'de'"),
        ("---\nid: a\ntitle: A\nlang: fr\n---\n\n   \n", 6, "no body"),
        ("---\nid: Bad Id\ntitle: A\nlang: fr\n---\n\nbody\n", 2, "lower-case"),
        ("---\nid: a\ntitle: A\nlang: fr\nquestions: oops\n---\n\nbody\n", 5, "list"),
    ],
)
def test_errors_name_the_line_and_the_problem(tmp_path, text, line, problem):
    error = parse_article(tmp_path / "bad.md", text)
    assert error.line == line, str(error)
    assert problem in error.problem
    assert str(error).startswith(f"{tmp_path / 'bad.md'}:{line}:")


def test_duplicate_id_is_reported_and_the_rest_loads(tmp_path):
    write(tmp_path, "fr/a.md", GOOD)
    write(tmp_path, "fr/b.md", GOOD)
    write(tmp_path, "fr/c.md", GOOD.replace("id: livraison", "id: retours"))
    write(tmp_path, "README.md", "# not an article")
    loaded = load_folder(tmp_path)
    assert sorted(a.id for a in loaded.articles) == ["livraison", "retours"]
    assert len(loaded.errors) == 1
    assert "duplicate id 'livraison'" in loaded.errors[0].problem
    assert loaded.errors[0].line == 2


def test_headings_inside_code_blocks_do_not_split(tmp_path):
    sections = split_sections("Intro\n\n```\n## not a heading\n```\n\n## Real\ntext")
    assert [s.heading for s in sections] == [None, "Real"]


def test_shipped_articles_are_valid_and_paired():
    from comptoir.kb.lint import missing_translations, number_contradictions

    loaded = load_folder(Path(__file__).resolve().parents[2] / "knowledge")
    assert loaded.errors == []
    french = [a for a in loaded.articles if a.lang == "fr"]
    english = [a for a in loaded.articles if a.lang == "en"]
    assert len(french) >= 40 and len(english) >= 40
    assert missing_translations(loaded.articles) == []
    assert number_contradictions(loaded.articles) == []
