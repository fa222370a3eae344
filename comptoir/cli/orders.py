"""``comptoir db upgrade``, ``orders import|sync`` and ``demo seed``: the shop's order data.

The bot answers "where is my order" from this database, so a shop fills it from its own
system (``orders import``, idempotent, run as often as wanted), from its platform
(``orders sync``, docs/connectors.md) or, to try Comptoir, with the demo orders.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from comptoir.settings import get_settings


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply the shop's migrations; the host is printed, never the password."""
    from comptoir.shop.db import upgrade

    url = get_settings().shop_db_url
    upgrade(url)
    print(f"shop database up to date ({url.split('@')[-1]})")
    return 0


def _cmd_orders_import(args: argparse.Namespace) -> int:
    """Import JSON or CSV; good records go in, each bad one is named and the exit is 1."""
    from comptoir.shop.db import sessions, upgrade
    from comptoir.shop.importer import import_records, read_records
    from comptoir.shop.numbers import number_style

    url = get_settings().shop_db_url
    upgrade(url)
    try:
        records = read_records(Path(args.file))
    except (OSError, ValueError) as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 2
    with sessions(url)() as session:
        report = import_records(session, records, number_style(get_settings()))
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    print(
        f"{report.created} orders created, {report.updated} updated, {len(report.errors)} rejected"
    )
    return 1 if report.errors else 0


def _cmd_orders_sync(args: argparse.Namespace) -> int:
    """Pull the orders changed on the shop's platform since ``--since`` (idempotent)."""
    import asyncio

    from comptoir.cli.connector import BAD_SINCE, parse_since, sync

    settings = get_settings()
    language = args.lang or settings.default_language
    since = parse_since(args.since, settings)
    if since is None:
        print(BAD_SINCE(language, text=args.since), file=sys.stderr)
        return 2
    code, lines = asyncio.run(sync(settings, since, language))
    print("\n".join(lines), file=sys.stderr if code else sys.stdout)
    return code


def _cmd_demo_seed(args: argparse.Namespace) -> int:
    """Load the demo orders (``--if-empty``: not over a shop's real ones)."""
    from comptoir.shop.demo import seed

    loaded = seed(get_settings().shop_db_url, if_empty=args.if_empty)
    print(
        "shop database already has orders; not seeding"
        if loaded is None
        else f"{loaded} demo orders loaded"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``db upgrade``, ``orders import`` and ``demo seed``."""
    db = sub.add_parser("db", help="the shop database").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply the schema migrations").set_defaults(func=_cmd_db_upgrade)
    orders = sub.add_parser("orders", help="orders").add_subparsers(dest="orders", required=True)
    importer = orders.add_parser("import", help="import orders from JSON or CSV (idempotent)")
    importer.add_argument("file")
    importer.set_defaults(func=_cmd_orders_import)
    syncer = orders.add_parser(
        "sync", help="fetch the orders changed on the shop's platform (idempotent)"
    )
    syncer.add_argument(
        "--since", default="1d", help="2026-11-01, 2026-11-01T08:00, or 2d / 12h (default: 1d)"
    )
    syncer.add_argument("--lang", choices=["fr", "en"], help="language of the report")
    syncer.set_defaults(func=_cmd_orders_sync)
    demo = sub.add_parser("demo", help="the demo shop").add_subparsers(dest="demo", required=True)
    seed = demo.add_parser("seed", help="fill the shop database with the demo orders")
    seed.add_argument("--if-empty", action="store_true")
    seed.set_defaults(func=_cmd_demo_seed)
