"""``comptoir kb import``: turn a shop's existing FAQ (CSV or saved page) into articles.

Kept apart from ``cli/kb.py`` because it is a one-off onboarding tool with its own
options and exit codes, not one of the everyday commands on the built index. The
exit code tells a script what happened: 0 at least one article imported (or would be,
with ``--dry-run``), 1 none, 2 the file was refused as a whole.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from comptoir.settings import get_settings


def _fail(args: argparse.Namespace, status: str, message: str, code: int) -> int:
    """A refusal or failure: one sentence on stderr, or a JSON object with ``--json``."""
    if args.json:
        print(json.dumps({"status": status, "error": message}, ensure_ascii=False, indent=1))
    else:
        print(f"error: {message}", file=sys.stderr)
    return code


def _cmd_import(args: argparse.Namespace) -> int:
    """Import, print the report, and exit 0 / 1 / 2 as documented above."""
    from comptoir.kb.importing import ImportFailed, ImportRefused, import_faq

    knowledge = Path(args.knowledge) if args.knowledge else get_settings().knowledge_dir
    into = Path(args.into) if args.into else knowledge / args.lang / "imported"
    try:
        report = import_faq(
            Path(args.file),
            args.lang,
            into,
            fmt=args.format,
            dry_run=args.dry_run,
            knowledge_root=knowledge,
        )
    except ImportRefused as error:
        return _fail(args, "refused", f"{args.file} refused: {error}", 2)
    except ImportFailed as error:
        return _fail(args, "failed", str(error), 1)
    if args.json:
        print(json.dumps(report.as_json() | {"status": "ok"}, ensure_ascii=False, indent=1))
    else:
        print(report.as_text())
    return report.exit_code


def register(kb: argparse._SubParsersAction) -> None:
    """Add ``import`` to the ``kb`` sub-commands (called from ``cli/kb.py``)."""
    command = kb.add_parser(
        "import", help="turn an existing FAQ (CSV, or a saved web page) into articles"
    )
    command.add_argument("file", help="a .csv export or a saved FAQ page (.html)")
    command.add_argument("--lang", required=True, choices=["fr", "en"])
    command.add_argument(
        "--into", help="folder for the new articles (default: <knowledge>/<lang>/imported)"
    )
    command.add_argument("--format", default="auto", choices=["auto", "csv", "html"])
    command.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    command.add_argument("--json", action="store_true", help="print the report as JSON")
    command.add_argument("--knowledge", help="articles folder (default: knowledge/)")
    command.set_defaults(func=_cmd_import)
