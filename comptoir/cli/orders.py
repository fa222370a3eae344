"""``comptoir db upgrade``, ``orders import`` and ``demo seed``: the shop's order data.

The bot answers "where is my order" from this database, so a shop fills it from its own
system (``orders import``, idempotent, run as often as wanted) or, to try Comptoir, with
the demo orders.
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
    demo = sub.add_parser("demo", help="the demo shop").add_subparsers(dest="demo", required=True)
    seed = demo.add_parser("seed", help="fill the shop database with the demo orders")
    seed.add_argument("--if-empty", action="store_true")
    seed.set_defaults(func=_cmd_demo_seed)
