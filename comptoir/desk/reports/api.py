"""The reports' routes: the JSON the console's Reports page draws, and each table as CSV.

For admins and the shop's owner only (``REPORT_ROLES``): figures and codes, never a
transcript. Before answering, the roll-up reads what changed since its last pass; the
very first pass over a large history may take longer than a page wants to wait, and
then the answer is 503 with ``Retry-After`` while the pass goes on (it also starts
with the desk, so it is usually done before anyone opens the page).
"""

from __future__ import annotations

import logging

from sanic import Blueprint, HTTPResponse, Request, Sanic, raw
from sanic import json as json_response

from comptoir.desk.errors import error
from comptoir.desk.guards import REPORT_ROLES, require_account
from comptoir.desk.reports.export import TABLES, table_csv
from comptoir.desk.reports.period import Period, PeriodError, parse_period, shop_today
from comptoir.desk.reports.queries import ReportContext, build_report
from comptoir.desk.reports.rollup import Refresher
from comptoir.settings import Settings

log = logging.getLogger("comptoir.reports")
REFRESH_WAIT_S = 20.0
RETRY_AFTER_S = 30

reports = Blueprint("reports")


@reports.after_server_start
async def _start_rollup(app: Sanic) -> None:
    """The report's context for this process, and a first roll-up pass in the background."""
    settings: Settings = app.ctx.settings
    hours = settings.business_hours
    app.ctx.report_refresher = Refresher(app.ctx.store.sessions, hours, hours.response_time_hours)
    app.ctx.report_context = ReportContext.from_settings(
        app.ctx.store.sessions, settings, app.ctx.knowledge_preview
    )
    app.ctx.report_refresher.start()


async def _report(request: Request) -> tuple[dict | None, Period | None, HTTPResponse | None]:
    """``(report, period, None)``, or the 401/403/400/503 answer to give instead."""
    _, problem = await require_account(request, change=False, roles=REPORT_ROLES)
    if problem is not None:
        return None, None, problem
    try:
        period = parse_period(request.args.get("from"), request.args.get("to"), shop_today())
    except PeriodError as wrong:
        return None, None, error(400, "bad_period", str(wrong))
    refresher: Refresher = request.app.ctx.report_refresher
    if not await refresher.wait(REFRESH_WAIT_S):
        preparing = error(
            503, "report_preparing", "the report's first computation is still running; retry"
        )
        preparing.headers["Retry-After"] = str(RETRY_AFTER_S)
        return None, None, preparing
    return await build_report(request.app.ctx.report_context, period), period, None


@reports.get("/console/api/reports")
async def report_json(request: Request) -> HTTPResponse:
    """The report of ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (default: the last 30 days)."""
    report, _, problem = await _report(request)
    return problem if problem is not None else json_response(report)


@reports.get("/console/api/reports/<name:str>")
async def report_csv(request: Request, name: str) -> HTTPResponse:
    """One table of the report as CSV (``daily.csv``, ``heatmap.csv``…)."""
    table = name.removesuffix(".csv")
    if not name.endswith(".csv") or table not in TABLES:
        return error(404, "unknown_table", f"tables: {', '.join(t + '.csv' for t in TABLES)}")
    report, period, problem = await _report(request)
    if problem is not None:
        return problem
    filename = f"comptoir-{table}-{period.start}-{period.end}.csv"
    return raw(
        table_csv(report, table),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
