"""``comptoir identity sign``: what a shop puts beside a signed-in shopper's e-mail.

The shop's pages compute it themselves in production (docs/orders.md): the signature
is HMAC-SHA256(secret, "<lower-cased e-mail>|<expires>"), ``expires`` a unix time no
further ahead than ``COMPTOIR_IDENTITY_MAX_AGE_S``. The command is for trying the
signed-in flow by hand and for checking a shop's implementation against ours.
"""

from __future__ import annotations

import argparse
import sys
import time

from comptoir.settings import get_settings


def _cmd_sign(args: argparse.Namespace) -> int:
    """Print the signature of ``email`` and its expiry, with the configured secret."""
    from comptoir.shop.verification import sign_identity

    settings = get_settings()
    if not settings.identity_secret:
        print("error: COMPTOIR_IDENTITY_SECRET is not set", file=sys.stderr)
        return 2
    ttl = settings.identity_max_age_s if args.ttl is None else args.ttl
    if not 1 <= ttl <= settings.identity_max_age_s:
        print(
            f"error: --ttl must be between 1 and {settings.identity_max_age_s} seconds "
            "(COMPTOIR_IDENTITY_MAX_AGE_S): a longer identity would be refused",
            file=sys.stderr,
        )
        return 2
    expires = int(time.time()) + ttl
    print(f"signature: {sign_identity(args.email, settings.identity_secret, expires)}")
    print(f"expires: {expires}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``identity sign``."""
    identity = sub.add_parser("identity", help="signed-in shoppers").add_subparsers(
        dest="identity", required=True
    )
    sign = identity.add_parser(
        "sign", help="the signature and expiry the shop puts beside a signed-in e-mail"
    )
    sign.add_argument("email")
    sign.add_argument(
        "--ttl",
        type=int,
        default=None,
        help="seconds the identity stays valid (default and maximum: "
        "COMPTOIR_IDENTITY_MAX_AGE_S, 3600)",
    )
    sign.set_defaults(func=_cmd_sign)
