"""``comptoir report --from --to [--json] [--lang]``: the owner's report in a terminal.

The same figures as the console's Reports page, from the same function
(``build_report``), after the same roll-up pass: a script can keep the JSON (identical
to ``GET /console/api/reports``), a person reads the text, in French or English.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from comptoir.cli.desk_db import with_desk_store
from comptoir.settings import get_settings

if TYPE_CHECKING:
    from comptoir.desk.store import ConversationStore


def _cmd_report(args: argparse.Namespace) -> int:
    """Bring the roll-up up to date, build the report, print it."""
    from comptoir.cli.report_text import render
    from comptoir.desk.editor import KnowledgePreview
    from comptoir.desk.reports.period import PeriodError, parse_period, shop_today
    from comptoir.desk.reports.queries import ReportContext, build_report
    from comptoir.desk.reports.rollup import refresh

    settings = get_settings()
    try:
        period = parse_period(args.start, args.end, shop_today())
    except PeriodError as wrong:
        print(f"error: {wrong}", file=sys.stderr)
        return 2
    hours = settings.business_hours

    async def run(store: ConversationStore) -> dict[str, Any]:
        await refresh(store.sessions, hours, hours.response_time_hours)
        context = ReportContext.from_settings(store.sessions, settings, KnowledgePreview(settings))
        return await build_report(context, period)

    report = with_desk_store(settings.desk_db_url, run)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(render(report, args.lang or settings.default_language))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``report``."""
    report = sub.add_parser(
        "report", help="the owner's report: automation, handoffs, response times, CSAT, returns"
    )
    report.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day")
    report.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day (default: today)")
    report.add_argument("--json", action="store_true", help="the page's JSON, as is")
    report.add_argument("--lang", choices=("fr", "en"), help="labels and numbers (default: fr)")
    report.set_defaults(func=_cmd_report)
