"""``comptoir privacy purge|forget|forget-address``: the retention period and erasure requests.

A shop's privacy notice promises how long chats are kept; ``purge`` keeps that promise
on demand (the desk also runs it daily), ``forget`` answers a shopper's erasure request
at once, ``forget-address`` one made by e-mail, where the address is all the shop has.
Each prints its report as one JSON line so a script can keep it as proof.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from comptoir.cli.desk_db import with_desk_store
from comptoir.i18n import Bilingual
from comptoir.settings import get_settings

if TYPE_CHECKING:
    from comptoir.desk.retention import PurgeReport
    from comptoir.desk.store import ConversationStore


NOT_AN_ADDRESS = Bilingual(
    "erreur : « {given} » n’est pas une adresse e-mail.",
    "error: “{given}” is not an e-mail address.",
)


def _cmd_forget_address(args: argparse.Namespace) -> int:
    """``privacy forget-address``: erase what the desk holds about one address."""
    from comptoir.desk import retention
    from comptoir.desk.mail.message import bare_address
    from comptoir.desk.mail.outbox import Outbox

    settings = get_settings()
    address = bare_address(args.address)
    if "@" not in address or " " in address:
        print(NOT_AN_ADDRESS(settings.default_language, given=args.address), file=sys.stderr)
        return 2

    async def run(store: ConversationStore) -> dict[str, object]:
        outbox = Outbox(store.sessions, settings)
        report, ids = await retention.forget_address(
            settings, store.sessions, address, dry_run=args.dry_run
        )
        if args.no_more_notices and not args.dry_run:
            await outbox.opt_out(address, "erasure-request")
        found = {"dry_run": args.dry_run, **report.as_json(), "conversation_ids": ids}
        return found | {"opted_out": await outbox.opted_out(address)}

    print(json.dumps(with_desk_store(settings.desk_db_url, run), ensure_ascii=False))
    return 0


def _cmd_privacy(args: argparse.Namespace) -> int:
    """``privacy purge`` (the retention period) and ``privacy forget`` (erasure requests)."""
    from comptoir.desk import retention

    settings = get_settings()

    async def run(store: ConversationStore) -> PurgeReport:
        if args.privacy == "forget":
            return await retention.forget(settings, store.sessions, args.conversation_ids)
        days = settings.retention_days if args.days is None else args.days
        return await retention.purge(settings, store.sessions, days, dry_run=args.dry_run)

    if args.privacy == "purge":
        if args.days is not None and args.days <= 0:
            print("error: --days must be at least 1", file=sys.stderr)
            return 2
        if args.days is None and settings.retention_days == 0:
            print("retention is off (COMPTOIR_RETENTION_DAYS=0): nothing deleted")
            return 0
    report = with_desk_store(settings.desk_db_url, run)
    print(json.dumps(report.as_json()))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``privacy purge`` and ``privacy forget``."""
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
    by_address = privacy_sub.add_parser(
        "forget-address",
        help="erase an e-mail address's conversations and the e-mails sent to it (its "
        "opt-out from notices is kept, as a hash)",
    )
    by_address.add_argument("address", metavar="ADDRESS")
    by_address.add_argument("--dry-run", action="store_true", help="list and count, erase nothing")
    by_address.add_argument(
        "--no-more-notices",
        action="store_true",
        help="also record that this address wants no more notices",
    )
    by_address.set_defaults(func=_cmd_forget_address)
