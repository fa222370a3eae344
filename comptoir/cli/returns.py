"""``comptoir returns list|show|set-status``: return requests, for the shop's back office.

The bot opens returns in the chat; the warehouse moves them on (received, inspected,
refunded…) from here until the agent console does it. The statuses offered are the
shop's own list, so the command line cannot drift from what the bot and database know.
"""

from __future__ import annotations

import argparse
import sys
from functools import cache
from typing import TYPE_CHECKING

from comptoir.settings import get_settings

if TYPE_CHECKING:
    from comptoir.shop.models import ReturnRequest
    from comptoir.shop.policy import ReturnsPolicy


def _print_return(record: ReturnRequest, policy: ReturnsPolicy) -> None:
    """One line per return, with the date the refund is due once it is received."""
    from comptoir.shop.returns import refund_due

    due = refund_due(policy, record)
    print(
        f"{record.number}  order {record.order.number}  {record.sku}  {record.reason} -> "
        f"{record.resolution}  [{record.status}]  label paid by {record.payer}"
        + (f"  refund due {due.isoformat()}" if due else "")
    )


def _cmd_list(args: argparse.Namespace) -> int:
    """Returns, newest first, optionally of one order."""
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


def _cmd_show(args: argparse.Namespace) -> int:
    """One return and its history; exit 1 if there is no such return."""
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


def _cmd_set_status(args: argparse.Namespace) -> int:
    """Move a return on; a step its state does not allow is refused with the allowed ones."""
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


@cache
def settable_statuses() -> tuple[str, ...]:
    """The statuses a return can be moved to: all but the one it is opened in.

    Read from the shop's own list and transitions so the command line cannot offer a
    status the database and the bot do not know. (Importing them loads SQLAlchemy when
    the parser is built, ~0.3 s: argparse formats the choices in ``add_argument``.)
    """
    from comptoir.shop.models import RETURN_STATUSES
    from comptoir.shop.returns import TRANSITIONS

    targets = {status for nexts in TRANSITIONS.values() for status in nexts}
    return tuple(status for status in RETURN_STATUSES if status in targets)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``returns list``, ``returns show`` and ``returns set-status``."""
    returns = sub.add_parser("returns", help="return and warranty requests").add_subparsers(
        dest="returns", required=True
    )
    listing = returns.add_parser("list", help="returns, newest first")
    listing.add_argument("--order", help="only this order's returns")
    listing.set_defaults(func=_cmd_list)
    show = returns.add_parser("show", help="one return with its history")
    show.add_argument("number")
    show.set_defaults(func=_cmd_show)
    status = returns.add_parser("set-status", help="move a return to its next state")
    status.add_argument("number")
    status.add_argument("status", choices=settable_statuses())
    status.add_argument("--note")
    status.add_argument("--on", help="date of receipt (YYYY-MM-DD), for 'received'")
    status.set_defaults(func=_cmd_set_status)
