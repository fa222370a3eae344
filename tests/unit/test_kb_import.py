"""``comptoir kb import``: a shop's existing FAQ becomes articles the bot can serve.

The tests check what the person importing notices: the articles written load with the
same loader the bot uses, with the right titles, answers and tags; every entry left out
is named with its line or position; a refused file or a failed write leaves the
knowledge folder exactly as it was; the command prints its report and exits with the
documented code.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from comptoir.kb.articles import Article, load_folder
from comptoir.kb.importing import ImportFailed, ImportRefused, import_faq
from comptoir.kb.importing import writer as writer_module
from comptoir.kb.importing.html_markdown import html_to_markdown
from comptoir.kb.importing.naming import fold_question, slugify, unique_id

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "faq_import"
COMPTOIR = ROOT / ".venv" / "bin" / "comptoir"

EXISTING = """---
id: {id}
title: {title}
lang: fr
---

{body}
"""


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A knowledge folder with one article, as a shop has before importing."""
    folder = tmp_path / "knowledge"
    (folder / "fr" / "livraison").mkdir(parents=True)
    (folder / "fr" / "livraison" / "frais.md").write_text(
        EXISTING.format(id="frais-de-port", title="Frais de port", body="Offerts dès 60 €."),
        encoding="utf-8",
    )
    (folder / "README.md").write_text("# Writing knowledge articles\n", encoding="utf-8")
    return folder


def listing(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` (hidden ones too) with its content."""
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8") if path.is_file() else "/"
        for path in sorted(folder.rglob("*"))
    }


def run_import(knowledge: Path, fixture: str | Path, lang: str = "fr", **options):
    """Import a fixture into ``knowledge/<lang>/imported``; returns the report."""
    path = fixture if isinstance(fixture, Path) else FIXTURES / fixture
    into = knowledge / lang / "imported"
    return import_faq(path, lang, into, knowledge_root=knowledge, **options)


def imported_articles(knowledge: Path, lang: str = "fr") -> dict[str, Article]:
    """The imported articles as the bot loads them, by title; no load error allowed."""
    loaded = load_folder(knowledge)
    assert loaded.errors == []
    folder = knowledge / lang / "imported"
    return {a.title: a for a in loaded.articles if a.path.parent == folder}


def all_text(knowledge: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in knowledge.rglob("*.md"))


# ---------------------------------------------------------------- saved FAQ pages


def test_a_page_with_json_ld_imports_the_declared_faq(knowledge):
    report = run_import(knowledge, "jsonld_faq.html")

    assert report.strategy == "json-ld" and report.skipped == []
    articles = imported_articles(knowledge)
    assert set(articles) == {
        "Quels sont les délais de livraison ?",
        "Puis-je retourner une lampe ?",
        "Quels moyens de paiement acceptez-vous ?",
        "Les ampoules sont-elles fournies ?",
    }  # the page's own <details> block is not part of the declared FAQ
    delays = articles["Quels sont les délais de livraison ?"]
    assert delays.id == "quels-sont-les-delais-de-livraison" and delays.lang == "fr"
    assert delays.short_answer == "Nous expédions sous **24 h** ouvrées. Comptez ensuite :"
    assert "- 2 à 3 jours en Colissimo ;\n- 24 h en Chronopost." in delays.body
    assert "[la page de suivi](https://www.atelier-orsay.fr/suivi)" in delays.body
    returns = articles["Puis-je retourner une lampe ?"]
    assert returns.body == (
        "Oui, vous avez **14 jours** après réception pour nous la renvoyer dans son "
        "emballage d'origine.\nÉcrivez-nous à [sav@atelier-orsay.fr](mailto:sav@atelier-orsay.fr)."
    )
    assert "*E27*" in articles["Les ampoules sont-elles fournies ?"].body
    text = all_text(knowledge)
    assert "<script" not in text and "fetch(" not in text and "javascript:" not in text


def test_a_details_accordion_imports_with_its_groups_as_tags(knowledge):
    report = run_import(knowledge, "details_faq.html")

    assert report.strategy == "details"
    articles = imported_articles(knowledge)
    assert set(articles) == {
        "Comment modifier ma commande ?",
        "Puis-je annuler ma commande ?",
        "Livrez-vous en Belgique ?",
    }  # the menu's <details> in the page header is not a question
    change = articles["Comment modifier ma commande ?"]
    assert change.tags == ("Commandes",)
    assert change.body == (
        "Tant qu'elle n'est pas expédiée, écrivez-nous depuis votre compte :\n\n"
        "1. ouvrez la commande ;\n2. cliquez sur « Modifier »."
    )  # a relative link keeps its words only
    cancel = articles["Puis-je annuler ma commande ?"]
    assert cancel.body == "Oui, **jusqu'à l'expédition**. Le remboursement suit sous 5 jours."
    assert articles["Livrez-vous en Belgique ?"].tags == ("Livraison",)
    assert [(s.location, s.reason.split(" once")[0]) for s in report.skipped] == [
        ("HTML entry 4", "the answer is empty")
    ]  # "Où est mon colis ?" had only a video and an image
    text = all_text(knowledge)
    assert "alert" not in text and "<script" not in text and "youtube" not in text
    assert "Votre navigateur" not in text  # an iframe's fallback text goes with it


def test_a_definition_list_with_unclosed_tags_imports_each_pair(knowledge):
    report = run_import(knowledge, "dl_faq.html")

    assert report.strategy == "dl" and report.skipped == []
    articles = imported_articles(knowledge)
    assert {title: (a.body, a.tags) for title, a in articles.items()} == {
        "Quels sont les frais de port ?": (
            "Offerts dès 60 € d'achat, sinon 4,90 €.",
            ("Livraison",),
        ),
        "Livrez-vous en point relais ?": (
            "Oui, dans plus de 8 000 points relais.\n\nChoisissez-le au moment de payer.",
            ("Livraison",),
        ),
        "Le paiement est-il sécurisé ?": (
            "Oui : 3-D Secure et [chiffrement TLS](https://www.example-bank.fr/securite).",
            ("Paiement",),
        ),
        "Puis-je payer en plusieurs fois ?": (
            "En 3 fois sans frais à partir de 150 €.",
            ("Paiement",),
        ),
    }


def test_headings_import_the_text_under_them_and_skip_menus_and_footers(knowledge):
    report = run_import(knowledge, "headings_faq.html", lang="en")

    assert report.strategy == "headings"
    articles = imported_articles(knowledge, "en")
    assert list(articles) == [
        "Can I change my delivery address?",
        "Do you ship abroad?",
        "How long do I have to return a lamp?",
        "Who pays for the return?",
    ]
    assert {a.lang for a in articles.values()} == {"en"}
    abroad = articles["Do you ship abroad?"]
    assert abroad.tags == ("Orders",)
    assert abroad.body == (
        "We ship to the EU, the UK and Switzerland.\n\n- EU: 3–5 working days\n"
        "- UK and Switzerland: 5–7 working days, *customs duties may apply*"
    )
    assert "[help@northwind.example](mailto:help@northwind.example)" in (
        articles["Can I change my delivery address?"].body
    )
    # The answer sits in the wrapper's next sibling: it is found all the same.
    assert articles["How long do I have to return a lamp?"].body == (
        "30 days from delivery. See our returns page."
    )
    assert articles["Who pays for the return?"].tags == ("Returns",)
    assert "tracking" not in all_text(knowledge) and "Newsletter" not in all_text(knowledge)


def test_a_broken_page_still_gives_each_question_its_own_answer(knowledge):
    report = run_import(knowledge, "broken_faq.html")

    assert report.strategy == "headings"
    articles = imported_articles(knowledge)
    assert {title: a.body for title, a in articles.items()} == {
        "Comment suivre ma commande ?": (
            "Avec le lien reçu par e-mail le jour de l'expédition\n\n"
            "Si vous ne l'avez pas reçu, regardez dans vos courriers indésirables."
        ),
        "Quels sont vos horaires ?": "- Lundi au vendredi : 9 h – 18 h\n- Samedi : 10 h – 13 h",
        "Faites-vous des cartes cadeaux ?": (
            "Oui, de 20 € à 200 €, valables un an.\n\nMontant Validité\n\n20 à 200 € 1 an"
        ),
    }
    # One heading above all the questions is the page's title, not a category.
    assert all(a.tags == () for a in articles.values())
    assert [s.location for s in report.skipped] == ["HTML entry 4"]
    assert "alert" not in all_text(knowledge) and "commentée" not in all_text(knowledge)


def test_a_script_in_an_answer_never_reaches_the_article(tmp_path, knowledge):
    page = tmp_path / "faq.html"
    answer = (
        "<p>Oui.</p><script>steal()</script><style>p{}</style><iframe src=x>frame</iframe>"
        '<p onclick="evil()">Sous 48 h.</p><noscript>Activez JS</noscript>'
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;Fin.</p>"
    )
    page.write_text(
        "<script type='application/ld+json'>"
        + json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "FAQPage",
                "mainEntity": {
                    "@type": "Question",
                    "name": "Expédiez-vous vite ?",
                    "acceptedAnswer": {"@type": "Answer", "text": answer},
                },
            }
        ).replace("</", "<\\/")
        + "</script>",
        encoding="utf-8",
    )
    run_import(knowledge, page)

    article = imported_articles(knowledge)["Expédiez-vous vite ?"]
    assert article.body == "Oui.\n\nSous 48 h.\n\nFin."
    text = all_text(knowledge)
    for trace in ("script", "steal", "evil", "alert", "frame", "Activez", "p{}"):
        assert trace not in text


def test_html_answers_become_the_widgets_markdown():
    html = (
        "<div><p>Un&nbsp;<b>gras</b> et <i>italique</i>,<br>à la ligne.</p>"
        "<ul><li>un<li>deux<ol><li>deux-a</li></ol></ul>"
        "<p><a href='https://x.fr/a b'>lien</a> <a href='mailto:a@b.fr'>mail</a> "
        "<a href='/relatif'>relatif</a> <a href='javascript:evil()'>js</a> "
        "<a href='data:text/html,x'>data</a> &eacute;&amp;&#233;</p></div>"
    )
    assert html_to_markdown(html) == (
        "Un **gras** et *italique*,\nà la ligne.\n\n"
        "- un\n- deux\n  1. deux-a\n\n"
        "[lien](https://x.fr/a%20b) [mail](mailto:a@b.fr) relatif js data é&é"
    )


# ---------------------------------------------------------------- CSV


def test_a_semicolon_csv_from_french_excel_in_cp1252_imports(knowledge):
    report = run_import(knowledge, "excel_fr.csv")

    assert (report.format, report.encoding, report.delimiter) == ("csv", "cp1252", ";")
    assert report.skipped == []  # the ";;" row is blank: nothing to report
    articles = imported_articles(knowledge)
    assert {title: (a.id, a.tags) for title, a in articles.items()} == {
        "Quel est le délai de remboursement ?": (
            "quel-est-le-delai-de-remboursement",
            ("Retours",),
        ),
        "Combien coûte la livraison ?": ("combien-coute-la-livraison", ("Livraison",)),
        "Puis-je échanger un article ?": ("puis-je-echanger-un-article", ("Retours",)),
        "Où se trouve votre atelier ?": ("ou-se-trouve-votre-atelier", ()),
    }
    assert articles["Combien coûte la livraison ?"].body == (
        "Livraison offerte dès 60 €.\nEn dessous : 4,90 € en point relais, 6,90 € à domicile."
    )
    assert '"échange"' in articles["Puis-je échanger un article ?"].body
    assert "l'Œuvre" in articles["Où se trouve votre atelier ?"].body


def test_duplicates_and_empty_entries_are_skipped_with_their_line(knowledge):
    report = run_import(knowledge, "duplicates_empty.csv", lang="en")

    assert [(s.location, s.reason) for s in report.skipped] == [
        ("CSV line 3", "the answer is empty."),
        ("CSV line 4", "the question is empty."),
        ("CSV line 5", "the question repeats the one at CSV line 2 ('How do I track my order?')."),
        ("CSV line 8", "the answer is empty."),
    ]
    articles = imported_articles(knowledge, "en")
    assert set(articles) == {
        "How do I track my order?",
        "Do you gift wrap?",
        "Can I collect my order in store?",
    }
    assert articles["Can I collect my order in store?"].body == (
        "Yes, at our Lyon workshop,\nTuesday to Saturday."
    )
    assert report.found == 7 and report.exit_code == 0


def test_a_question_already_answered_in_the_folder_is_skipped_and_ids_never_clash(knowledge):
    existing = knowledge / "fr" / "paiement" / "securite.md"
    existing.parent.mkdir(parents=True)
    existing.write_text(
        EXISTING.format(id="le-paiement-est-il-securise", title="Sécurité", body="Oui."),
        encoding="utf-8",
    )
    (knowledge / "fr" / "livraison" / "frais.md").write_text(
        EXISTING.format(id="frais", title="Quels sont les frais de port", body="4,90 €."),
        encoding="utf-8",
    )
    report = run_import(knowledge, "dl_faq.html")

    assert [(s.location, s.reason) for s in report.skipped] == [
        (
            "HTML entry 1",
            f"an article with this title already exists ({knowledge}/fr/livraison/frais.md).",
        )
    ]
    ids = {a.title: a.id for a in imported_articles(knowledge).values()}
    assert ids["Le paiement est-il sécurisé ?"] == "le-paiement-est-il-securise-2"


CSV_VARIANTS = {
    "tab, UTF-8 with BOM, no header, three columns": (
        "\ufeffOù est mon colis ?\tSuivez le lien de l'e-mail.\tSuivi\n",
        "utf-8",
        ("Où est mon colis ?", "Suivez le lien de l'e-mail.", ("Suivi",)),
    ),
    "English header in another order": (
        "Category,Answer,Question\nReturns,Within 30 days.,Can I return it?\n",
        "utf-8",
        ("Can I return it?", "Within 30 days.", ("Returns",)),
    ),
    "French header without accents, upper case, Excel's sep= line": (
        "sep=;\nQUESTION;REPONSE\nLivrez-vous le samedi ?;Oui, en Chronopost.\n",
        "utf-8",
        ("Livrez-vous le samedi ?", "Oui, en Chronopost.", ()),
    ),
    "help-desk export with HTML answers": (
        'question,réponse\nPaiement ?,"<p>CB et <b>PayPal</b>.</p><script>x()</script>"\n',
        "utf-8",
        ("Paiement ?", "CB et **PayPal**.", ()),
    ),
}


@pytest.mark.parametrize("name", list(CSV_VARIANTS))
def test_csv_variants_are_read(tmp_path, knowledge, name):
    text, encoding, (title, body, tags) = CSV_VARIANTS[name]
    path = tmp_path / "faq.csv"
    path.write_bytes(text.encode(encoding))
    report = run_import(knowledge, path)

    assert report.skipped == []
    assert [(a.title, a.body, a.tags) for a in imported_articles(knowledge).values()] == [
        (title, body, tags)
    ]


def test_over_long_entries_are_skipped_with_the_limit(tmp_path, knowledge):
    path = tmp_path / "faq.csv"
    path.write_text(
        f"question;answer\n{'Pourquoi ' * 40}?;Oui.\nEt ça ?;{'x' * 20_001}\nCourt ?;Oui.\n",
        encoding="utf-8",
    )
    report = run_import(knowledge, path)

    assert [(s.location, s.reason.split(";")[0]) for s in report.skipped] == [
        ("CSV line 2", "the question is 361 characters long"),
        ("CSV line 3", "the answer is 20,001 characters long"),
    ]
    assert list(imported_articles(knowledge)) == ["Court ?"]


def test_tricky_titles_survive_the_front_matter(tmp_path, knowledge):
    titles = [
        "Note : #1 « oui » - yes ?",
        "'Guillemets' \"doubles\" : [crochets] {accolades}?",
        "no",
    ]
    path = tmp_path / "faq.csv"
    path.write_text(
        "question,answer\n"
        + "".join(f'"{t.replace(chr(34), chr(34) * 2)}",Réponse.\n' for t in titles),
        encoding="utf-8",
    )
    run_import(knowledge, path)

    assert sorted(imported_articles(knowledge)) == sorted(titles)


def test_ids_are_short_ascii_slugs_unique_in_the_folder():
    assert slugify("Où en est ma commande n°12 ? (Œuvre d'été)") == (
        "ou-en-est-ma-commande-n-12-oeuvre-d-ete"
    )
    long_id = slugify("Pourquoi " * 30)
    assert len(long_id) <= 80 and not long_id.endswith("-")
    assert slugify("???") == slugify("配送") == "question"
    taken = {"livraison", "readme"}
    assert unique_id("Livraison", taken) == "livraison-2"
    assert unique_id("Livraison !", taken) == "livraison-3"
    assert unique_id("README", taken) == "readme-2"  # README.md is never loaded as an article
    assert len(unique_id("Pourquoi " * 30, {long_id})) <= 80
    assert fold_question("Quels sont les DÉLAIS ?") == fold_question("quels sont les delais")


# ---------------------------------------------------------------- refusals and failures


def _zip(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)


def _huge(path: Path) -> None:
    with path.open("wb") as file:
        file.truncate(5 * 1024 * 1024 + 1)


REFUSED = {
    "over 5 MB": ("faq.csv", _huge, "the limit is 5 MB"),
    "more than 2,000 entries": (
        "faq.csv",
        lambda p: p.write_text("".join(f"Q{i} ?;R{i}.\n" for i in range(2001)), encoding="utf-8"),
        "2,001 entries; the limit is 2,000",
    ),
    "an Excel workbook": ("faq.xlsx", _zip, "Excel workbook"),
    "a workbook renamed .csv": ("faq.csv", _zip, "zipped file"),
    "not CSV nor HTML": (
        "notes.md",
        lambda p: p.write_text("Bonjour.\nIci des notes sans colonnes.\n", encoding="utf-8"),
        "neither CSV",
    ),
    "an unreadable encoding": (
        "faq.csv",
        lambda p: p.write_bytes(b"question;answer\nQ\x81 ?;R\x8d.\n"),
        "not readable as UTF-8 or Windows-1252",
    ),
    "a header without an answer column": (
        "faq.csv",
        lambda p: p.write_text("question;texte\nQ ?;R.\n", encoding="utf-8"),
        "no 'answer' column",
    ),
    "an empty file": ("faq.csv", lambda p: p.write_bytes(b""), "is empty"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_refused_file_leaves_the_folder_untouched(tmp_path, knowledge, name):
    file_name, make, message = REFUSED[name]
    path = tmp_path / file_name
    make(path)
    before = listing(knowledge)

    with pytest.raises(ImportRefused, match=message):
        run_import(knowledge, path)
    assert listing(knowledge) == before


def test_a_failure_in_the_middle_of_the_move_leaves_nothing_behind(knowledge, monkeypatch):
    into = knowledge / "fr" / "imported"
    into.mkdir(parents=True)
    (into / "ancien.md").write_text(
        EXISTING.format(id="ancien", title="Ancien", body="Déjà là."), encoding="utf-8"
    )
    before = listing(knowledge)
    real_move = writer_module._move
    calls: list[Path] = []

    def failing_move(source: Path, target: Path) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_move(source, target)

    monkeypatch.setattr(writer_module, "_move", failing_move)
    with pytest.raises(ImportFailed, match=r"No space left on device.*folder is as it was"):
        run_import(knowledge, "excel_fr.csv")
    assert len(calls) == 3
    assert listing(knowledge) == before  # no article, no staging folder left


def test_a_failed_import_removes_the_folders_it_created(knowledge, monkeypatch):
    before = listing(knowledge)

    def failing_move(source: Path, target: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(writer_module, "_move", failing_move)
    with pytest.raises(ImportFailed):
        import_faq(
            FIXTURES / "dl_faq.html",
            "fr",
            knowledge / "fr" / "new" / "faq",
            knowledge_root=knowledge,
        )
    assert listing(knowledge) == before


def test_a_file_that_appears_meanwhile_is_never_replaced(knowledge, monkeypatch):
    into = knowledge / "fr" / "imported"
    before = listing(knowledge)
    real_move = writer_module._move
    calls: list[Path] = []

    def racing_move(source: Path, target: Path) -> None:
        calls.append(target)
        if len(calls) == 2:
            target.write_text("written by someone else", encoding="utf-8")
        real_move(source, target)

    monkeypatch.setattr(writer_module, "_move", racing_move)
    with pytest.raises(ImportFailed, match="never replaced"):
        run_import(knowledge, "dl_faq.html")
    intruder = calls[1]
    assert intruder.read_text(encoding="utf-8") == "written by someone else"
    intruder.unlink()
    into.rmdir()
    assert listing(knowledge) == before


# ---------------------------------------------------------------- the command


def comptoir(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    return subprocess.run(
        [str(COMPTOIR), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_command_prints_a_json_report_and_exits_0(tmp_path, knowledge):
    result = comptoir(
        "kb", "import", FIXTURES / "duplicates_empty.csv", "--lang", "en",
        "--knowledge", knowledge, "--json", cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    into = knowledge / "en" / "imported"  # the default --into
    assert report["status"] == "ok" and report["into"] == str(into)
    assert [a["id"] for a in report["imported"]] == [
        "how-do-i-track-my-order",
        "do-you-gift-wrap",
        "can-i-collect-my-order-in-store",
    ]
    assert report["imported"][0]["path"] == str(into / "how-do-i-track-my-order.md")
    assert [s["location"] for s in report["skipped"]] == [
        "CSV line 3",
        "CSV line 4",
        "CSV line 5",
        "CSV line 8",
    ]
    assert len(imported_articles(knowledge, "en")) == 3


def test_the_command_exits_1_when_nothing_could_be_imported(tmp_path, knowledge):
    path = tmp_path / "faq.csv"
    path.write_text("question;réponse\nQ1 ?;\nQ2 ?;  \n", encoding="utf-8")
    result = comptoir("kb", "import", path, "--lang", "fr", "--knowledge", knowledge, cwd=tmp_path)

    assert result.returncode == 1
    assert "No article imported." in result.stdout
    assert "CSV line 2: the answer is empty." in result.stdout


def test_the_command_refuses_a_huge_file_with_exit_2_and_no_traceback(tmp_path, knowledge):
    path = tmp_path / "faq.csv"
    with path.open("wb") as file:
        file.truncate(6 * 1024 * 1024)
    before = listing(knowledge)
    result = comptoir("kb", "import", path, "--lang", "fr", "--knowledge", knowledge, cwd=tmp_path)

    assert result.returncode == 2
    assert "is 6.0 MB; the limit is 5 MB" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    as_json = comptoir(
        "kb", "import", path, "--lang", "fr", "--knowledge", knowledge, "--json", cwd=tmp_path
    )
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout)["status"] == "refused"
    assert listing(knowledge) == before


def test_dry_run_reports_and_writes_nothing(tmp_path, knowledge):
    before = listing(knowledge)
    result = comptoir(
        "kb", "import", FIXTURES / "details_faq.html", "--lang", "fr", "--knowledge", knowledge,
        "--into", knowledge / "fr" / "aide", "--dry-run", cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "read from <details><summary> blocks" in result.stdout
    assert "Would import 3 articles" in result.stdout
    assert "HTML entry 4: the answer is empty" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert listing(knowledge) == before


def test_format_auto_looks_at_the_content_and_format_can_be_forced(tmp_path, knowledge):
    page = tmp_path / "export.txt"
    page.write_text((FIXTURES / "dl_faq.html").read_text(encoding="utf-8"), encoding="utf-8")
    assert run_import(knowledge, page, dry_run=True).strategy == "dl"
    rows = tmp_path / "faq"  # no extension: the columns say CSV
    rows.write_text("Q1 ?;R1.\nQ2 ?;R2.\n", encoding="utf-8")
    assert run_import(knowledge, rows, dry_run=True).format == "csv"
    assert run_import(knowledge, page, fmt="csv", dry_run=True).format == "csv"
    assert not (knowledge / "fr" / "imported").exists()
