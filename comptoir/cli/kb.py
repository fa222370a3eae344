"""``comptoir kb …``: build, search, lint, evaluate and calibrate the knowledge base.

Every command that answers questions goes through ``build_searcher_and_index``, the same
set-up the bot and the editor preview use, so what the command line prints is what a
shopper would be told.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from comptoir.cli.kb_import import register as register_import
from comptoir.settings import get_settings

if TYPE_CHECKING:
    from comptoir.kb.golden import GoldenQuestion
    from comptoir.kb.index import KnowledgeIndex
    from comptoir.kb.search import Searcher


def _knowledge_dir(args: argparse.Namespace) -> Path:
    """``--knowledge`` if given, else the configured folder."""
    return Path(args.knowledge) if args.knowledge else get_settings().knowledge_dir


def _searcher_and_index(args: argparse.Namespace) -> tuple[Searcher, KnowledgeIndex]:
    """The searcher and index for ``--knowledge`` and ``--model`` (heavy: loads a model).

    ``--without-questions`` (eval) indexes the articles as a shop's plain FAQ would be.
    """
    from comptoir.kb.service import build_searcher_and_index
    from comptoir.kb.suite import without_questions

    strip = getattr(args, "without_questions", False)
    return build_searcher_and_index(
        get_settings(),
        _knowledge_dir(args),
        args.model,
        persist=not strip,
        transform=without_questions if strip else None,
    )


def _cmd_build(args: argparse.Namespace) -> int:
    """Index the folder; exit 1 if an article was skipped, so CI notices a broken file."""
    started = time.perf_counter()
    _searcher, index = _searcher_and_index(args)
    for error in index.errors:
        print(f"error: {error}", file=sys.stderr)
    print(
        f"{len(index.by_id)} articles indexed ({index.embedded_now} embedded now, "
        f"{len(index.errors)} skipped) in {time.perf_counter() - started:.1f}s"
    )
    return 1 if index.errors else 0


def _cmd_search(args: argparse.Namespace) -> int:
    """What the bot would answer: readable, ``--json``, or JSON lines for a ``--batch``."""
    if not args.batch and not args.question:
        print("give a question, or --batch FILE", file=sys.stderr)
        return 2
    searcher, index = _searcher_and_index(args)
    if args.batch:
        lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        for question in (line.strip() for line in lines):
            if question:
                result = searcher.search(index, question, args.lang)
                print(json.dumps(result.as_json(), ensure_ascii=False))
        return 0
    result = searcher.search(index, args.question, args.lang)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
        return 0
    print(
        f"decision: {result.decision}" + (" (other language)" if result.fallback_language else "")
    )
    if result.answer:
        print(
            f"answer:   {result.answer.id} — {result.answer.title}\n\n{result.answer.short_answer}\n"
        )
    for candidate in result.candidates:
        print(
            f"  {candidate.score:.3f}  (dense {candidate.dense:.3f}, lexical "
            f"{candidate.lexical:.2f})  {candidate.article.id} — {candidate.article.title}"
        )
    return 0


def _cmd_lint(args: argparse.Namespace) -> int:
    """Broken articles (exit 1), contradictions and missing translations (warnings)."""
    from comptoir.kb.articles import load_folder
    from comptoir.kb.lint import missing_translations, number_contradictions

    loaded = load_folder(_knowledge_dir(args))
    for error in loaded.errors:
        print(f"error: {error}")
    findings = missing_translations(loaded.articles) + number_contradictions(loaded.articles)
    for finding in findings:
        print(f"warning: {finding}")
    print(f"{len(loaded.articles)} articles, {len(loaded.errors)} errors, {len(findings)} warnings")
    return 1 if loaded.errors else 0


def _print_reports(title: str, reports: dict[str, Any]) -> None:
    """One table row per question set, the same for ``eval`` and ``calibrate``."""
    print(f"\n{title}")
    print(
        f"  {'set':<13}{'n':>4} {'top1':>6} {'rec@3':>6} {'MRR':>6} {'right':>6} "
        f"{'wrong':>6} {'clarif':>6} {'clar✓':>6} {'none':>6} {'helped':>7}"
    )
    for name, r in reports.items():
        if not r.questions:
            continue
        print(
            f"  {name:<13}{r.questions:>4} {r.top1:>6.3f} {r.recall3:>6.3f} {r.mrr:>6.3f} "
            f"{r.answered_right:>6.3f} {r.answered_wrong:>6.3f} {r.clarified:>6.3f} "
            f"{r.clarified_right:>6.3f} {r.no_answer:>6.3f} {r.helped:>7.3f}"
        )


def _print_calibration(calibration: dict[str, Any]) -> None:
    """The thresholds this knowledge base was given when it was built, per language."""
    for language, c in sorted(calibration.items()):
        print(
            f"  calibrated [{language}] on {c['pseudo_questions']} titles and headings: "
            f"background {c['background_mean']:.3f} ± {c['background_spread']:.3f} -> "
            f"answer ≥ {c['answer']:.3f} with a lead ≥ {c['margin']:.3f}, "
            f"did-you-mean ≥ {c['clarify']:.3f}; {len(c['close_pairs'])} close pairs"
        )


def _golden(args: argparse.Namespace) -> list[GoldenQuestion]:
    """``--golden`` if given, else ``golden.yml`` beside the articles."""
    from comptoir.kb.golden import load_golden

    path = Path(args.golden) if args.golden else _knowledge_dir(args) / "golden.yml"
    return load_golden(path)


def _cmd_eval(args: argparse.Namespace) -> int:
    """Quality on the golden questions; with ``--check`` a drop below the bar fails CI."""
    from comptoir.kb.evaluation import evaluate

    if args.suite:
        return _cmd_eval_suite(args)
    searcher, index = _searcher_and_index(args)
    golden = _golden(args)
    reports = evaluate(searcher, index, golden, args.mode)
    _print_reports(f"golden set, {args.mode}, model {searcher.embedder.name}", reports)
    _print_calibration({lang: c.as_json() for lang, c in index.calibration.items()})
    summary = {name: report.as_json() for name, report in reports.items()} | {
        "model": searcher.embedder.name,
        "mode": args.mode,
    }
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(summary, indent=1))
    failed = (
        reports["fr"].top1 < args.min_top1
        or reports["en"].top1 < args.min_top1
        or reports["unanswerable"].answered_wrong > args.max_unanswerable
    )
    print("\nPASS" if not failed else "\nFAIL: below the quality bar")
    return 1 if failed and args.check else 0


def _cmd_eval_suite(args: argparse.Namespace) -> int:
    """Every set of the suite against the targets; ``--check`` fails when one misses."""
    from comptoir.kb.embedder import load_embedder
    from comptoir.kb.service import searcher_for
    from comptoir.kb.suite import run_suite, suite_sets

    settings = get_settings()
    searcher = searcher_for(load_embedder(args.model or settings.embedding_model), settings)
    results = run_suite(settings, searcher, suite_sets(_knowledge_dir(args), Path(args.suite)))
    for result in results:
        verdict = "meets the targets" if result.passed else "BELOW the targets"
        _print_reports(f"{result.suite_set.name} ({verdict})", result.reports)
        _print_calibration(result.calibration)
    if args.json_out:
        summary = {
            r.suite_set.name: {n: rep.as_json() for n, rep in r.reports.items()}
            | {"passed": r.passed, "calibration": r.calibration}
            for r in results
        }
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    failed = [r.suite_set.name for r in results if not r.passed]
    print("\nPASS" if not failed else f"\nbelow the targets: {', '.join(failed)}")
    return 1 if failed and args.check else 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the model's relative thresholds on our articles with and without their
    question lists (the development sets), and write them to kb_thresholds.yml.

    The independent shops' sets are never used here: they are how we check the result.
    """
    import yaml

    from comptoir.kb.evaluation import fit_relative
    from comptoir.kb.search import THRESHOLDS_FILE
    from comptoir.kb.service import build_index_with
    from comptoir.kb.suite import without_questions

    settings = get_settings()
    searcher, index = _searcher_and_index(args)
    stripped = build_index_with(
        settings, searcher, _knowledge_dir(args), persist=False, transform=without_questions
    )
    golden = _golden(args)
    relative = fit_relative(searcher, [(index, golden), (stripped, golden)])
    print(f"relative thresholds for {searcher.embedder.name}: {relative}")
    data = yaml.safe_load(THRESHOLDS_FILE.read_text()) if THRESHOLDS_FILE.exists() else {}
    data = data or {}
    entry = data.setdefault("models", {}).setdefault(searcher.embedder.name, {})
    entry["relative"] = {k: round(v, 4) for k, v in relative.model_dump().items()}
    entry.setdefault("lexical_weight", searcher.thresholds.lexical_weight)
    header = (
        "# Knowledge-base decision thresholds, per embedding model.\n"
        "# `relative`: fitted by `comptoir kb calibrate` on our articles with and without\n"
        "# their question lists; each knowledge base scales them by its own background\n"
        "# when it is built. The absolute ones (answer, clarify, margin, clarify_window)\n"
        "# only apply with COMPTOIR_KB_THRESHOLDS=fixed. Do not guess them.\n"
    )
    THRESHOLDS_FILE.write_text(header + yaml.safe_dump(data, sort_keys=True))
    print(f"written to {THRESHOLDS_FILE}")
    return 0


def _cmd_misses(args: argparse.Namespace) -> int:
    """The questions shoppers asked that found no answer, most frequent first."""
    from comptoir.kb.misses import MissLog

    for question, language, count in MissLog(get_settings().kb_log_url).top(args.limit):
        print(f"{count:>4}  [{language}]  {question}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``kb`` and its sub-commands, each with ``--knowledge`` and ``--model``."""
    kb = sub.add_parser("kb", help="the knowledge base").add_subparsers(dest="kb", required=True)

    def kb_command(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        command = kb.add_parser(name, help=help_text)
        command.add_argument("--knowledge", help="articles folder (default: knowledge/)")
        command.add_argument("--model", help="embedding model (default: from settings)")
        command.set_defaults(func=func)
        return command

    kb_command("build", _cmd_build, "validate, embed what changed, write the index")
    search = kb_command("search", _cmd_search, "what the bot would answer")
    search.add_argument("question", nargs="?")
    search.add_argument("--lang", default="fr", choices=["fr", "en"])
    search.add_argument("--json", action="store_true")
    search.add_argument("--batch", help="file with one question per line; prints JSON lines")
    kb_command("lint", _cmd_lint, "validation, contradictions, missing translations")
    evaluation = kb_command("eval", _cmd_eval, "quality on the golden questions")
    evaluation.add_argument("--golden")
    evaluation.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "lexical"])
    evaluation.add_argument("--json-out")
    evaluation.add_argument("--check", action="store_true", help="exit 1 below the bar")
    evaluation.add_argument(
        "--without-questions",
        action="store_true",
        help="index the articles without their question lists, as a shop's plain FAQ",
    )
    evaluation.add_argument(
        "--suite",
        metavar="SHOPS_DIR",
        help="also our articles without questions and every shop under SHOPS_DIR "
        "(e.g. tests/fixtures/kb_shops), against the targets",
    )
    evaluation.add_argument("--min-top1", type=float, default=0.90)
    evaluation.add_argument("--max-unanswerable", type=float, default=0.15)
    calibrate = kb_command("calibrate", _cmd_calibrate, "fit thresholds on the golden set")
    calibrate.add_argument("--golden")
    misses = kb_command("misses", _cmd_misses, "questions the bot could not answer")
    misses.add_argument("--limit", type=int, default=50)
    register_import(kb)
