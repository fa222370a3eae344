"""A report for a range of days and for the previous range of the same length.

The console's page, its CSV tables and ``comptoir report`` all print what
``build_report`` returns, so the three can never disagree. It sums the roll-up's facts
(``tables``; bring them up to date first with ``rollup``) with a handful of grouped
queries on indexed day columns, and reads the knowledge misses and the shop's returns
in threads meanwhile. The JSON shape is a contract with the page: docs/reports.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from comptoir.desk.db import utc_now
from comptoir.desk.reports.definitions import (
    FIRST_RESPONSE_BUCKETS,
    REPORT_ZONE,
    most_disliked,
    rate,
)
from comptoir.desk.reports.period import Period
from comptoir.desk.reports.sources import (
    Knowledge,
    PreviewKnowledge,
    missed_questions,
    shop_returns,
    unanswered_clusters,
)
from comptoir.desk.reports.tables import HOUR_COUNTS, ReportHour, ReportTicket, ReportVote
from comptoir.settings import Settings

log = logging.getLogger("comptoir.reports")
DISLIKED = 10


@dataclass
class ReportContext:
    """Where a report reads: the desk's sessions, the misses log, the shop, the KB."""

    sessions: async_sessionmaker
    misses_url: str
    shop_url: str
    policy_path: Path
    knowledge: Knowledge | None = None

    @classmethod
    def from_settings(
        cls, sessions: async_sessionmaker, settings: Settings, preview: Any
    ) -> ReportContext:
        """Where the settings say, with the knowledge base of ``preview`` (the desk's
        ``editor.KnowledgePreview``: the bot's model and articles)."""
        return cls(
            sessions=sessions,
            misses_url=settings.kb_log_url,
            shop_url=settings.shop_db_url,
            policy_path=settings.returns_policy,
            knowledge=PreviewKnowledge(preview),
        )


@dataclass
class _Totals:
    """Conversation counts of one period (``tables.HOUR_COUNTS``, in that order)."""

    conversations: int = 0
    eligible: int = 0
    contained: int = 0
    confirmed: int = 0
    assumed: int = 0
    handoffs: int = 0
    scored: int = 0
    satisfied: int = 0
    order_status: int = 0
    late: int = 0
    partial: int = 0
    lost: int = 0
    troubled: int = 0

    @classmethod
    def summed(cls, rows: Sequence[Sequence[int]]) -> _Totals:
        """The column sums of rows of counts (in ``HOUR_COUNTS`` order)."""
        return cls(*(int(sum(column)) for column in zip(*rows, strict=True))) if rows else cls()


@dataclass
class _Tickets:
    """Ticket figures of one period: how many were measured, and the medians."""

    count: int = 0
    measured: dict[str, int] = field(default_factory=dict)
    medians: dict[str, float | None] = field(default_factory=dict)
    offline_due: int = 0
    offline_kept: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    buckets: Counter[str] = field(default_factory=Counter)


T = ReportTicket
DURATIONS = {
    "first": T.first_response_s,
    "business": T.first_response_business_s,
    "resolution": T.resolution_s,
}


async def _conversations(
    sessions: async_sessionmaker, period: Period
) -> tuple[_Totals, _Totals, dict[date, _Totals], Counter[tuple[int, int]]]:
    """Totals of the period and the previous one, per day, and per hour of the week
    (from the roll-up's hourly counts; a Core query: no ORM work per row)."""
    previous = period.previous()
    H = ReportHour
    counts = [getattr(H, name) for name in HOUR_COUNTS]
    async with sessions() as session:
        connection = await session.connection()
        rows = (
            await connection.execute(
                select(H.day, H.hour, *counts).where(H.day >= previous.start, H.day <= period.end)
            )
        ).all()
    by_day: dict[date, list[Sequence[int]]] = {d: [] for d in period.days()}
    earlier: list[Sequence[int]] = []
    week: Counter[tuple[int, int]] = Counter()
    for day, hour, *values in rows:
        if day < period.start:
            earlier.append(values)
        else:
            by_day[day].append(values)
            week[(day.weekday(), int(hour))] += int(values[0])
    daily = {day: _Totals.summed(values) for day, values in by_day.items()}
    current = _Totals.summed([row for day_rows in by_day.values() for row in day_rows])
    return current, _Totals.summed(earlier), daily, week


async def _median(connection: Any, column: Any, where: tuple, count: int) -> float | None:
    """The median of ``column`` over ``count`` rows, found by the database's sort (the
    middle one or two values), not by reading every value into Python."""
    if not count:
        return None
    middle = await connection.execute(
        select(column)
        .where(*where, column.is_not(None))
        .order_by(column)
        .offset((count - 1) // 2)
        .limit(2 - count % 2)
    )
    values = [float(v) for v in middle.scalars()]
    return sum(values) / len(values)


async def _ticket_figures(connection: Any, span: Period, details: bool) -> _Tickets:
    """One period's tickets: counts per reason, medians, offline promises kept (with
    ``details``, the first-response buckets too)."""
    where = (T.day >= span.start, T.day <= span.end)
    figures = _Tickets()
    counts = await connection.execute(
        select(
            T.reason,
            func.count(),
            *(func.count(column) for column in DURATIONS.values()),
            func.count(T.within_promise),
            func.sum(case((T.within_promise, 1), else_=0)),
        )
        .where(*where)
        .group_by(T.reason)
    )
    for reason, count, *measured, due, kept in counts:
        figures.count += count
        figures.reasons[reason] += count
        for name, n in zip(DURATIONS, measured, strict=True):
            figures.measured[name] = figures.measured.get(name, 0) + n
        figures.offline_due += due
        figures.offline_kept += int(kept or 0)
    for name, column in DURATIONS.items():
        measured = figures.measured.get(name, 0)
        figures.medians[name] = await _median(connection, column, where, measured)
    if details:
        buckets = await connection.execute(
            select(T.first_response_bucket, func.count())
            .where(*where, T.first_response_bucket.is_not(None))
            .group_by(T.first_response_bucket)
        )
        figures.buckets.update(dict(buckets.all()))
    return figures


async def _tickets(sessions: async_sessionmaker, period: Period) -> tuple[_Tickets, _Tickets]:
    """Ticket figures of the period and of the previous one (a few grouped queries)."""
    async with sessions() as session:
        connection = await session.connection()
        current = await _ticket_figures(connection, period, True)
        return current, await _ticket_figures(connection, period.previous(), False)


async def _votes(sessions: async_sessionmaker, period: Period) -> dict[str, dict[str, int]]:
    """👍/👎 per article, cast during the period (from the roll-up's daily counts)."""
    V = ReportVote
    async with sessions() as session:
        rows = await session.execute(
            select(V.article_id, func.sum(V.up), func.sum(V.down))
            .where(V.day >= period.start, V.day <= period.end)
            .group_by(V.article_id)
        )
        return {article: {"up": int(up), "down": int(down)} for article, up, down in rows}


def _figure(
    value: float | None, previous: float | None, numerator: int, denominator: int, digits: int = 4
) -> dict[str, Any]:
    """One headline number with the previous period's, and what it divides (rates in
    [0, 1] to 4 decimals, times in seconds to 1, counts whole)."""

    def shown(number: float | None) -> float | int | None:
        if number is None:
            return None
        return int(number) if digits == 0 else round(float(number), digits)

    return {
        "value": shown(value),
        "previous": shown(previous),
        "numerator": numerator,
        "denominator": denominator,
    }


def _headline(now: _Totals, then: _Totals, tickets: _Tickets, earlier: _Tickets) -> dict:
    """The headline numbers with the previous period's, and what they divide."""

    def share(top: str, bottom: str) -> dict[str, Any]:
        a, b = getattr(now, top), getattr(now, bottom)
        return _figure(rate(a, b), rate(getattr(then, top), getattr(then, bottom)), a, b)

    def middle(name: str) -> dict[str, Any]:
        value, before = tickets.medians[name], earlier.medians[name]
        return _figure(value, before, tickets.measured.get(name, 0), tickets.count, 1)

    return {
        "conversations": _figure(
            now.conversations, then.conversations, now.conversations, now.conversations, 0
        ),
        "automation_rate": share("contained", "eligible"),
        "resolution_confirmed_rate": share("confirmed", "eligible"),
        "resolution_assumed_rate": share("assumed", "eligible"),
        "handoff_rate": share("handoffs", "eligible"),
        "first_response_median_s": middle("first"),
        "first_response_business_median_s": middle("business"),
        "resolution_median_s": middle("resolution"),
        "offline_within_promise_rate": _figure(
            rate(tickets.offline_kept, tickets.offline_due),
            rate(earlier.offline_kept, earlier.offline_due),
            tickets.offline_kept,
            tickets.offline_due,
        ),
        "csat": share("satisfied", "scored"),
        "csat_response_rate": share("scored", "conversations"),
        "late_parcel_share": share("troubled", "order_status"),
    }


def _knowledge(context: ReportContext, period: Period, votes: dict) -> tuple[list, list]:
    """Unanswered clusters and most disliked articles (blocking: run in a thread).

    A knowledge base that cannot be loaded (a model missing, a broken folder) leaves the
    clusters empty and the titles as ids, and is logged: the rest of the report, the
    owner's figures, must not fail with it.
    """
    first, after = period.instants()
    clusters: list[dict[str, Any]] = []
    knowledge = context.knowledge
    try:
        if knowledge is not None:
            clusters = unanswered_clusters(
                knowledge, missed_questions(context.misses_url, first, after)
            )
    except Exception:
        log.exception("the unanswered questions could not be grouped")
        knowledge = None
    disliked = []
    for article in most_disliked(votes, DISLIKED):
        title = knowledge.title(article) if knowledge is not None else None
        disliked.append({"id": article, "title": title or article, **votes[article]})
    return clusters, disliked


async def build_report(
    context: ReportContext, period: Period, now: datetime | None = None
) -> dict[str, Any]:
    """The whole report (the JSON the page and ``comptoir report --json`` show)."""
    today = (now or utc_now()).astimezone(REPORT_ZONE).date()
    previous = period.previous()
    first, after = period.instants()
    shop = asyncio.to_thread(
        shop_returns, context.shop_url, context.policy_path, first, after, today
    )
    (current, before, daily, week), (tickets, earlier), votes, returns = await asyncio.gather(
        _conversations(context.sessions, period),
        _tickets(context.sessions, period),
        _votes(context.sessions, period),
        shop,
    )
    clusters, disliked = await asyncio.to_thread(_knowledge, context, period, votes)
    return {
        "period": {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "previous_from": previous.start.isoformat(),
            "previous_to": previous.end.isoformat(),
        },
        "headline": _headline(current, before, tickets, earlier),
        "daily": [
            {
                "date": day.isoformat(),
                "conversations": totals.conversations,
                "automated": totals.contained,
                "handoffs": totals.handoffs,
            }
            for day, totals in daily.items()
        ],
        "handoffs_by_reason": [
            {"reason": reason, "count": count}
            for reason, count in sorted(tickets.reasons.items(), key=lambda i: (-i[1], i[0]))
        ],
        "first_response_distribution": [
            {"bucket": name, "count": tickets.buckets[name]} for name, _ in FIRST_RESPONSE_BUCKETS
        ],
        "csat_daily": [
            {"date": day.isoformat(), "scores": totals.scored, "satisfied": totals.satisfied}
            for day, totals in daily.items()
        ],
        "heatmap": [
            {"weekday": weekday, "hour": hour, "conversations": count}
            for (weekday, hour), count in sorted(week.items())
            if count
        ],
        "unanswered_clusters": clusters,
        "disliked_articles": disliked,
        **returns,
        "orders": {
            "order_status_conversations": current.order_status,
            "late": current.late,
            "partial": current.partial,
            "lost": current.lost,
        },
    }
