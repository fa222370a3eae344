"""The ``comptoir`` command line: run the desk, manage the knowledge base, set up Rasa."""

from __future__ import annotations

import argparse

from comptoir.cli import (
    connector,
    doctor,
    identity,
    kb,
    mail,
    notify,
    orders,
    privacy,
    report,
    returns,
    serve,
    users,
)
from comptoir.settings import PROJECT_ROOT

# In the order ``comptoir --help`` lists them.
_SUBSYSTEMS = (
    serve,
    orders,
    connector,
    returns,
    notify,
    mail,
    users,
    privacy,
    identity,
    kb,
    report,
    doctor,
)


def build_parser() -> argparse.ArgumentParser:
    """All sub-commands and their options; each subsystem's module adds its own."""
    parser = argparse.ArgumentParser(prog="comptoir", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for subsystem in _SUBSYSTEMS:
        subsystem.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``comptoir`` script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


__all__ = ["PROJECT_ROOT", "build_parser", "main"]
