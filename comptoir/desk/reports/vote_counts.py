"""👍/👎 per article and per day, kept for the reports' "most disliked articles".

A month of votes is tens of thousands of rows, and SQLite, asked to group them by
article, prefers the article index to the date one and reads them all; their counts per
day are a few hundred rows. A roll-up pass counts again the days that got a vote since
the previous pass (every day, the first time).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from comptoir.desk.db import as_utc
from comptoir.desk.reports.definitions import REPORT_ZONE
from comptoir.desk.reports.period import Period
from comptoir.desk.reports.tables import ReportVote, upsert
from comptoir.desk.votes import Feedback

DAYS_PER_RECOUNT = 31


def _day(moment: datetime) -> date:
    return as_utc(moment).astimezone(REPORT_ZONE).date()


async def recount_votes(sessions: async_sessionmaker, since: datetime | None) -> None:
    """Count again the votes of every day that got one after ``since`` (all: ``None``)."""
    query = select(Feedback.created_at)
    if since is not None:
        query = query.where(Feedback.created_at > since)
    async with sessions() as session:
        days = sorted({_day(moment) for moment in await session.scalars(query)})
    for first in range(0, len(days), DAYS_PER_RECOUNT):
        batch = days[first : first + DAYS_PER_RECOUNT]
        start, end = Period(batch[0], batch[-1]).instants()
        counts: Counter[tuple[date, str, str]] = Counter()
        async with sessions.begin() as session:
            rows = await session.execute(
                select(Feedback.created_at, Feedback.article_id, Feedback.vote).where(
                    Feedback.created_at >= start, Feedback.created_at < end
                )
            )
            for moment, article, vote in rows:
                counts[(_day(moment), article, vote)] += 1
            await session.execute(delete(ReportVote).where(ReportVote.day.in_(batch)))
            articles = sorted({(day, article) for day, article, _ in counts if day in batch})
            if articles:
                values = [
                    {
                        "day": day,
                        "article_id": article,
                        "up": counts[(day, article, "up")],
                        "down": counts[(day, article, "down")],
                    }
                    for day, article in articles
                ]
                await session.execute(upsert(session, ReportVote, ["day", "article_id"]), values)
