"""``comptoir identity sign``: the signature a shop puts beside a signed-in shopper's e-mail.

The shop's pages compute it themselves in production; the command is for trying the
signed-in flow by hand and for checking a shop's implementation against ours.
"""

from __future__ import annotations

import argparse

from comptoir.settings import get_settings


def _cmd_sign(args: argparse.Namespace) -> int:
    """Print the signature of ``email`` with the configured identity secret."""
    from comptoir.shop.verification import sign_identity

    print(sign_identity(args.email, get_settings().identity_secret))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``identity sign``."""
    identity = sub.add_parser("identity", help="signed-in shoppers").add_subparsers(
        dest="identity", required=True
    )
    sign = identity.add_parser("sign", help="the signature the shop puts beside an e-mail")
    sign.add_argument("email")
    sign.set_defaults(func=_cmd_sign)
