"""Knowledge-base figures: quality by method, build time, query latency at scale."""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from comptoir.kb.embedder import Embedder
from comptoir.kb.evaluation import evaluate
from comptoir.kb.golden import load_golden
from comptoir.kb.index import build_index
from comptoir.kb.service import calibrated, searcher_for
from comptoir.kb.suite import run_suite, suite_sets
from comptoir.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = [
    "lampe",
    "enceinte",
    "plaid",
    "bougie",
    "veilleuse",
    "coussin",
    "guirlande",
    "abat-jour",
]
ASPECTS = ["entretien", "garantie", "dimensions", "matière", "montage", "compatibilité", "couleur"]


def quality(embedder: Embedder) -> dict:
    """Dense-only, lexical-only and hybrid on the golden set, in one run."""
    index = build_index(ROOT / "knowledge", embedder, ROOT / ".cache" / "kb-index" / embedder.name)
    golden = load_golden(ROOT / "knowledge" / "golden.yml")
    searcher = searcher_for(embedder)
    calibrated(searcher, index)
    result = {}
    for mode in ("dense", "lexical", "hybrid"):
        reports = evaluate(searcher, index, golden, mode)
        result[mode] = {name: r.as_json() for name, r in reports.items()}
    return result


def suite(embedder: Embedder) -> dict:
    """Our articles with and without question lists, and the independent shops, each
    against the targets (answered right or right "did you mean" ≥ 0.85, wrong ≤ 0.05,
    unanswerable answered ≤ 0.10)."""
    settings = get_settings()
    results = run_suite(
        settings,
        searcher_for(embedder, settings),
        suite_sets(ROOT / "knowledge", ROOT / "tests" / "fixtures" / "kb_shops"),
    )
    return {
        r.suite_set.name: {name: rep.as_json() for name, rep in r.reports.items()}
        | {"meets_targets": r.passed}
        for r in results
    }


def generate_articles(folder: Path, count: int, seed: int = 7) -> None:
    """Plausible product-care articles, one file each, in the editors' format."""
    rng = random.Random(seed)
    for number in range(count):
        subject, aspect = rng.choice(SUBJECTS), rng.choice(ASPECTS)
        days = rng.randint(2, 30)
        lang = "fr" if number % 2 == 0 else "en"
        (folder / f"gen-{number}.md").write_text(
            f"---\nid: gen-{number}\ntitle: {subject.title()} modèle {number} — {aspect}\n"
            f"lang: {lang}\nquestions:\n  - {aspect} de la {subject} {number}\n---\n\n"
            f"Pour la {subject} modèle {number}, le point {aspect} se règle en {days} jours "
            f"au plus ; gardez la notice et le ticket.\n",
            encoding="utf-8",
        )


def build_and_query(embedder: Embedder, count: int, queries: int = 200) -> dict:
    """Cold build of shipped + generated articles, then query latency with the model loaded."""
    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        shipped_started = time.perf_counter()
        build_index(ROOT / "knowledge", embedder, tmp / "shipped-index")
        shipped_s = time.perf_counter() - shipped_started

        folder = tmp / "articles"
        shutil.copytree(ROOT / "knowledge", folder)
        generate_articles(folder, count)
        searcher = searcher_for(embedder)
        started = time.perf_counter()
        index = calibrated(searcher, build_index(folder, embedder, tmp / "index"))
        cold_s = time.perf_counter() - started

        edited = folder / "gen-0.md"
        edited.write_text(edited.read_text().replace("ticket", "ticket de caisse"))
        started = time.perf_counter()
        calibrated(searcher, build_index(folder, embedder, tmp / "index"))
        incremental_s = time.perf_counter() - started

        golden = [g.question for g in load_golden(ROOT / "knowledge" / "golden.yml")]
        # Misspelt questions too: the spelling tolerance runs only on unknown words.
        golden += ["rembourssement de ma comande", "ma garentie est finie ?", "colie perdu"]
        latencies = []
        for question in (golden * 2)[:queries]:
            t0 = time.perf_counter()
            searcher.search(index, question, "fr")
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
        return {
            "articles_shipped": len(list((ROOT / "knowledge").rglob("*.md"))) - 1,
            "build_shipped_cold_s": round(shipped_s, 1),
            "articles_total": len(index.by_id),
            "build_cold_s": round(cold_s, 1),
            "rebuild_after_one_edit_s": round(incremental_s, 2),
            "query_p50_ms": round(statistics.median(latencies), 1),
            "query_p95_ms": round(latencies[int(0.95 * len(latencies)) - 1], 1),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
