"""``comptoir users add``: console accounts for agents, editors, admins and owners (the
shop's owner reads the reports, nothing else)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from comptoir.cli.desk_db import with_desk_store
from comptoir.settings import get_settings

if TYPE_CHECKING:
    from comptoir.desk.store import ConversationStore


def _read_password(args: argparse.Namespace) -> str:
    """From stdin (scripts) or an echo-less prompt, never argv: argv shows in ``ps``."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(f"password for {args.username}: ")


def _cmd_add(args: argparse.Namespace) -> int:
    """Create a console account; exit 2 with the reason if it is refused."""
    from comptoir.desk.accounts import AccountStore

    password = _read_password(args)

    async def add(store: ConversationStore) -> int:
        try:
            agent = await AccountStore(store.sessions).add_user(
                args.username, password, args.role, args.name or ""
            )
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"created {agent.role} '{agent.username}' ({agent.display_name})")
        return 0

    return with_desk_store(get_settings().desk_db_url, add)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``users`` and ``users add``."""
    users = sub.add_parser("users", help="console accounts").add_subparsers(
        dest="users", required=True
    )
    adduser = users.add_parser("add", help="create an agent, editor, admin or owner account")
    adduser.add_argument("username")
    adduser.add_argument(
        "--role",
        choices=["agent", "editor", "admin", "owner"],  # accounts.ROLES (not imported: fast --help)
        default="agent",
        help="agent: chats; editor: knowledge; admin: everything; owner: reports only",
    )
    adduser.add_argument("--name", help="the name shoppers see, e.g. 'Camille'")
    adduser.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    adduser.set_defaults(func=_cmd_add)
