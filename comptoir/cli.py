"""The ``comptoir`` command line: run the desk, manage the knowledge base, set up Rasa."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from comptoir.settings import PROJECT_ROOT, get_settings


def _cmd_desk(args: argparse.Namespace) -> int:
    """Serve the desk; with several workers they share the port (scale-out needs Redis)."""
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from comptoir.desk.app import create_app  # also registers every desk table

    settings = get_settings()
    workers = args.workers or settings.desk_workers
    host, port = args.host or settings.desk_host, args.port or settings.desk_port
    if workers == 1:
        create_app(settings).run(
            host=host, port=port, single_process=True, access_log=False, motd=False
        )
        return 0
    if not settings.redis_url:
        print("error: several desk workers need COMPTOIR_REDIS_URL (pub/sub)", file=sys.stderr)
        return 2
    # The tables are created once, here, before the workers race to it.
    import asyncio

    from comptoir.desk.store import ConversationStore

    async def create_schema() -> None:
        store = ConversationStore(settings.desk_db_url)
        await store.create_schema()
        await store.close()

    asyncio.run(create_schema())
    # Each worker process builds its own app from the environment it inherits.
    loader = AppLoader(factory=create_app)
    app = loader.load()
    app.prepare(host=host, port=port, workers=workers, access_log=False, motd=False)
    Sanic.serve(primary=app, app_loader=loader)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import signal

    from comptoir.stack import Stack, StackConfig, StackError

    settings = get_settings()
    config = StackConfig(
        model_path=Path(args.model),
        run_dir=settings.run_dir,
        desk_port=args.port or settings.desk_port,
        knowledge_dir=settings.knowledge_dir,
    )
    print("starting the action server, Rasa and the desk (Rasa takes ~30 s to load)...")
    stack = Stack(config)
    try:
        stack.start()
    except StackError as error:
        print(f"could not start: {error}", file=sys.stderr)
        return 1
    print(
        f"\n  Comptoir is running. Demo shop with the chat: {config.desk_url}/\n"
        f"  Agent and editor console: {config.desk_url}/console/ "
        f"(accounts: .venv/bin/comptoir users add NAME --role agent|editor|admin)\n"
        f"  Health: {config.desk_url}/health   Logs: {stack.logs}\n  Ctrl-C stops everything.\n"
    )
    stopping = False

    def _stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping:
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(
                        f"{name} stopped unexpectedly; see {stack.logs}/{name}.log", file=sys.stderr
                    )
                    stopping = True
            time.sleep(0.5)
    finally:
        print("stopping...")
        stack.stop()
    return 0


def _cmd_rasa_endpoints(args: argparse.Namespace) -> int:
    from comptoir.rasa_endpoints import endpoints_yaml

    text = endpoints_yaml(get_settings())
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def _knowledge_dir(args: argparse.Namespace) -> Path:
    return Path(args.knowledge) if args.knowledge else get_settings().knowledge_dir


def _searcher_and_index(args: argparse.Namespace):
    from comptoir.kb.embedder import load_embedder
    from comptoir.kb.index import build_index, index_folder
    from comptoir.kb.search import Searcher, load_thresholds

    settings = get_settings()
    embedder = load_embedder(args.model or settings.embedding_model)
    index = build_index(
        _knowledge_dir(args), embedder, index_folder(settings.index_dir, embedder.name)
    )
    return Searcher(embedder, load_thresholds(embedder.name)), index


def _cmd_kb_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    _searcher, index = _searcher_and_index(args)
    for error in index.errors:
        print(f"error: {error}", file=sys.stderr)
    print(
        f"{len(index.by_id)} articles indexed ({index.embedded_now} embedded now, "
        f"{len(index.errors)} skipped) in {time.perf_counter() - started:.1f}s"
    )
    return 1 if index.errors else 0


def _cmd_kb_search(args: argparse.Namespace) -> int:
    searcher, index = _searcher_and_index(args)
    if args.batch:
        lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        for question in (line.strip() for line in lines):
            if question:
                result = searcher.search(index, question, args.lang)
                print(json.dumps(result.as_json(), ensure_ascii=False))
        return 0
    if not args.question:
        print("give a question, or --batch FILE", file=sys.stderr)
        return 2
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


def _cmd_kb_lint(args: argparse.Namespace) -> int:
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


def _print_reports(title: str, reports: dict) -> None:
    print(f"\n{title}")
    print(
        f"  {'set':<13}{'n':>4} {'top1':>6} {'rec@3':>6} {'MRR':>6} {'right':>6} "
        f"{'wrong':>6} {'clarif':>6} {'none':>6}"
    )
    for name, r in reports.items():
        print(
            f"  {name:<13}{r.questions:>4} {r.top1:>6.3f} {r.recall3:>6.3f} {r.mrr:>6.3f} "
            f"{r.answered_right:>6.3f} {r.answered_wrong:>6.3f} {r.clarified:>6.3f} "
            f"{r.no_answer:>6.3f}"
        )


def _golden(args: argparse.Namespace):
    from comptoir.kb.golden import load_golden

    path = Path(args.golden) if args.golden else _knowledge_dir(args) / "golden.yml"
    return load_golden(path)


def _cmd_kb_eval(args: argparse.Namespace) -> int:
    from comptoir.kb.evaluation import evaluate

    searcher, index = _searcher_and_index(args)
    golden = _golden(args)
    reports = evaluate(searcher, index, golden, args.mode)
    _print_reports(f"golden set, {args.mode}, model {searcher.embedder.name}", reports)
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


def _cmd_kb_calibrate(args: argparse.Namespace) -> int:
    import yaml

    from comptoir.kb.evaluation import calibrate
    from comptoir.kb.search import THRESHOLDS_FILE

    searcher, index = _searcher_and_index(args)
    thresholds, reports = calibrate(searcher, index, _golden(args))
    _print_reports(f"calibrated for {searcher.embedder.name}: {thresholds}", reports)
    data = yaml.safe_load(THRESHOLDS_FILE.read_text()) if THRESHOLDS_FILE.exists() else {}
    data = data or {}
    data.setdefault("models", {})[searcher.embedder.name] = {
        k: round(v, 4) for k, v in thresholds.model_dump().items()
    }
    header = (
        "# Knowledge-base decision thresholds, per embedding model.\n"
        "# Written by `comptoir kb calibrate` from knowledge/golden.yml; do not guess them.\n"
    )
    THRESHOLDS_FILE.write_text(header + yaml.safe_dump(data, sort_keys=True))
    print(f"written to {THRESHOLDS_FILE}")
    return 0


def _cmd_kb_misses(args: argparse.Namespace) -> int:
    from comptoir.kb.misses import MissLog

    for question, language, count in MissLog(get_settings().kb_log_url).top(args.limit):
        print(f"{count:>4}  [{language}]  {question}")
    return 0


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from comptoir.shop.db import upgrade

    url = get_settings().shop_db_url
    upgrade(url)
    print(f"shop database up to date ({url.split('@')[-1]})")
    return 0


def _cmd_orders_import(args: argparse.Namespace) -> int:
    from comptoir.shop.db import sessions, upgrade
    from comptoir.shop.importer import import_records, read_records

    url = get_settings().shop_db_url
    upgrade(url)
    try:
        records = read_records(Path(args.file))
    except (OSError, ValueError) as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 2
    with sessions(url)() as session:
        report = import_records(session, records)
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    print(
        f"{report.created} orders created, {report.updated} updated, {len(report.errors)} rejected"
    )
    return 1 if report.errors else 0


def _cmd_demo_seed(args: argparse.Namespace) -> int:
    from comptoir.shop.demo import seed

    loaded = seed(get_settings().shop_db_url, if_empty=args.if_empty)
    print(
        "shop database already has orders; not seeding"
        if loaded is None
        else f"{loaded} demo orders loaded"
    )
    return 0


def _print_return(record, policy) -> None:
    from comptoir.shop.returns import refund_due

    due = refund_due(policy, record)
    print(
        f"{record.number}  order {record.order.number}  {record.sku}  {record.reason} -> "
        f"{record.resolution}  [{record.status}]  label paid by {record.payer}"
        + (f"  refund due {due.isoformat()}" if due else "")
    )


def _cmd_returns_list(args: argparse.Namespace) -> int:
    from comptoir.shop.db import sessions, upgrade
    from comptoir.shop.policy import load_policy
    from comptoir.shop.returns import returns_of

    url = get_settings().shop_db_url
    upgrade(url)
    policy = load_policy()
    with sessions(url)() as session:
        records = returns_of(session, args.order)
        for record in records:
            _print_return(record, policy)
    if not records:
        print("no returns")
    return 0


def _cmd_returns_show(args: argparse.Namespace) -> int:
    from comptoir.shop.db import sessions
    from comptoir.shop.policy import load_policy
    from comptoir.shop.returns import find_return

    with sessions(get_settings().shop_db_url)() as session:
        record = find_return(session, args.number)
        if record is None:
            print(f"no return {args.number}", file=sys.stderr)
            return 1
        _print_return(record, load_policy())
        for event in record.history:
            print(f"  {event.at:%Y-%m-%d %H:%M}  {event.status:<11} {event.note}")
    return 0


def _cmd_returns_set_status(args: argparse.Namespace) -> int:
    from datetime import date

    from comptoir.shop.db import sessions
    from comptoir.shop.returns import TransitionError, set_status

    with sessions(get_settings().shop_db_url)() as session:
        try:
            on = date.fromisoformat(args.on) if args.on else None
            record = set_status(session, args.number, args.status, args.note or "", on=on)
        except (LookupError, TransitionError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"{record.number} is now {record.status}")
    return 0


def _cmd_users_add(args: argparse.Namespace) -> int:
    """Create a console account; the password comes from a prompt or stdin, never argv."""
    import asyncio
    import getpass

    from comptoir.desk.accounts import AccountStore
    from comptoir.desk.store import ConversationStore
    from comptoir.desk.tickets import Ticket  # noqa: F401 - registers the table

    password = (
        sys.stdin.readline().rstrip("\n")
        if args.password_stdin
        else getpass.getpass(f"password for {args.username}: ")
    )

    async def add() -> int:
        store = ConversationStore(get_settings().desk_db_url)
        await store.create_schema()
        try:
            agent = await AccountStore(store.sessions).add_user(
                args.username, password, args.role, args.name or ""
            )
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        finally:
            await store.close()
        print(f"created {agent.role} '{agent.username}' ({agent.display_name})")
        return 0

    return asyncio.run(add())


def _cmd_privacy(args: argparse.Namespace) -> int:
    """``privacy purge`` (the retention period) and ``privacy forget`` (erasure requests)."""
    import asyncio
    import json

    from comptoir.desk import retention
    from comptoir.desk.store import ConversationStore

    settings = get_settings()

    async def run() -> retention.PurgeReport:
        store = ConversationStore(settings.desk_db_url)
        await store.create_schema()
        try:
            if args.privacy == "forget":
                return await retention.forget(settings, store.sessions, args.conversation_ids)
            days = settings.retention_days if args.days is None else args.days
            return await retention.purge(settings, store.sessions, days, dry_run=args.dry_run)
        finally:
            await store.close()

    if args.privacy == "purge":
        if args.days is not None and args.days <= 0:
            print("error: --days must be at least 1", file=sys.stderr)
            return 2
        if args.days is None and settings.retention_days == 0:
            print("retention is off (COMPTOIR_RETENTION_DAYS=0): nothing deleted")
            return 0
    report = asyncio.run(run())
    print(json.dumps(report.as_json()))
    return 0


def _cmd_identity_sign(args: argparse.Namespace) -> int:
    from comptoir.shop.verification import sign_identity

    print(sign_identity(args.email, get_settings().identity_secret))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """All sub-commands and their options."""
    parser = argparse.ArgumentParser(prog="comptoir", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    desk = sub.add_parser("desk", help="serve the desk (widget gateway, demo page)")
    desk.add_argument("--host")
    desk.add_argument("--port", type=int)
    desk.add_argument("--workers", type=int, help="processes sharing the port (needs Redis)")
    desk.set_defaults(func=_cmd_desk)

    run = sub.add_parser("run", help="start actions, Rasa and the desk; Ctrl-C stops them")
    run.add_argument("--model", required=True, help="trained Rasa model (.tar.gz)")
    run.add_argument("--port", type=int, help="desk port (default 8000)")
    run.set_defaults(func=_cmd_run)

    endpoints = sub.add_parser("rasa-endpoints", help="write Rasa's endpoints.yml from settings")
    endpoints.add_argument("--out")
    endpoints.set_defaults(func=_cmd_rasa_endpoints)

    db = sub.add_parser("db", help="the shop database").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply the schema migrations").set_defaults(func=_cmd_db_upgrade)
    orders = sub.add_parser("orders", help="orders").add_subparsers(dest="orders", required=True)
    importer = orders.add_parser("import", help="import orders from JSON or CSV (idempotent)")
    importer.add_argument("file")
    importer.set_defaults(func=_cmd_orders_import)
    demo = sub.add_parser("demo", help="the demo shop").add_subparsers(dest="demo", required=True)
    seed = demo.add_parser("seed", help="fill the shop database with the demo orders")
    seed.add_argument("--if-empty", action="store_true")
    seed.set_defaults(func=_cmd_demo_seed)
    returns = sub.add_parser("returns", help="return and warranty requests").add_subparsers(
        dest="returns", required=True
    )
    listing = returns.add_parser("list", help="returns, newest first")
    listing.add_argument("--order", help="only this order's returns")
    listing.set_defaults(func=_cmd_returns_list)
    show = returns.add_parser("show", help="one return with its history")
    show.add_argument("number")
    show.set_defaults(func=_cmd_returns_show)
    status = returns.add_parser("set-status", help="move a return to its next state")
    status.add_argument("number")
    status.add_argument(
        "status",
        choices=[
            "label_sent",
            "in_transit",
            "received",
            "inspected",
            "refunded",
            "exchanged",
            "repaired",
            "rejected",
        ],
    )
    status.add_argument("--note")
    status.add_argument("--on", help="date of receipt (YYYY-MM-DD), for 'received'")
    status.set_defaults(func=_cmd_returns_set_status)
    users = sub.add_parser("users", help="console accounts").add_subparsers(
        dest="users", required=True
    )
    adduser = users.add_parser("add", help="create an agent, editor or admin account")
    adduser.add_argument("username")
    adduser.add_argument("--role", choices=["agent", "editor", "admin"], default="agent")
    adduser.add_argument("--name", help="the name shoppers see, e.g. 'Camille'")
    adduser.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    adduser.set_defaults(func=_cmd_users_add)
    privacy = sub.add_parser("privacy", help="retention and erasure of shoppers' chats")
    privacy_sub = privacy.add_subparsers(dest="privacy", required=True)
    purge = privacy_sub.add_parser(
        "purge", help="delete conversations idle longer than the retention period"
    )
    purge.add_argument("--days", type=int, help="instead of COMPTOIR_RETENTION_DAYS")
    purge.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    purge.set_defaults(func=_cmd_privacy)
    forget = privacy_sub.add_parser("forget", help="erase these conversations everywhere now")
    forget.add_argument("conversation_ids", nargs="+", metavar="CONVERSATION_ID")
    forget.set_defaults(func=_cmd_privacy)
    identity = sub.add_parser("identity", help="signed-in shoppers").add_subparsers(
        dest="identity", required=True
    )
    sign = identity.add_parser("sign", help="the signature the shop puts beside an e-mail")
    sign.add_argument("email")
    sign.set_defaults(func=_cmd_identity_sign)

    kb = sub.add_parser("kb", help="the knowledge base").add_subparsers(dest="kb", required=True)

    def kb_command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        command = kb.add_parser(name, help=help_text)
        command.add_argument("--knowledge", help="articles folder (default: knowledge/)")
        command.add_argument("--model", help="embedding model (default: from settings)")
        command.set_defaults(func=func)
        return command

    kb_command("build", _cmd_kb_build, "validate, embed what changed, write the index")
    search = kb_command("search", _cmd_kb_search, "what the bot would answer")
    search.add_argument("question", nargs="?")
    search.add_argument("--lang", default="fr", choices=["fr", "en"])
    search.add_argument("--json", action="store_true")
    search.add_argument("--batch", help="file with one question per line; prints JSON lines")
    kb_command("lint", _cmd_kb_lint, "validation, contradictions, missing translations")
    evaluation = kb_command("eval", _cmd_kb_eval, "quality on the golden questions")
    evaluation.add_argument("--golden")
    evaluation.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "lexical"])
    evaluation.add_argument("--json-out")
    evaluation.add_argument("--check", action="store_true", help="exit 1 below the bar")
    evaluation.add_argument("--min-top1", type=float, default=0.90)
    evaluation.add_argument("--max-unanswerable", type=float, default=0.15)
    calibrate = kb_command("calibrate", _cmd_kb_calibrate, "fit thresholds on the golden set")
    calibrate.add_argument("--golden")
    misses = kb_command("misses", _cmd_kb_misses, "questions the bot could not answer")
    misses.add_argument("--limit", type=int, default=50)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``comptoir`` script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["PROJECT_ROOT", "build_parser", "main"]
