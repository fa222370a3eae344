"""A delay notice as an e-mail, and when it may leave (quiet hours).

The words are the shop's (``comptoir.shop.delay_wording``); this module lays them out
with the common templates (``comptoir.desk.mail.compose``), in the order's language,
with the unsubscribe link every notice carries. A notice found at night waits for the
morning: ``quiet_until`` gives the end of the quiet period, the outbox's
``not_before``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from comptoir.calendar import parse_quiet_hours
from comptoir.desk.mail.compose import Content, Link, compose
from comptoir.desk.mail.message import OutgoingMail
from comptoir.desk.mail.unsubscribe import unsubscribe_url
from comptoir.settings import Settings
from comptoir.shop.delay_wording import Contact, delay_email
from comptoir.shop.lateness import Lateness
from comptoir.shop.models import Order


def quiet_until(now: datetime, settings: Settings) -> datetime | None:
    """The end of the quiet period ``now`` falls in (UTC), or None outside quiet hours.

    The hours are the shop's (``business_hours.timezone``); a period may span midnight
    ("21:00-08:00": at 23:30 the notice waits for 8:00 the next morning, at 6:00 for
    8:00 the same morning).
    """
    hours = parse_quiet_hours(settings.notify_quiet_hours)
    if hours is None:
        return None
    start, end = hours
    zone = ZoneInfo(settings.business_hours.timezone)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        quiet = start <= clock < end
        day = local.date()
    else:  # over midnight: quiet late in the evening (ends tomorrow) or early (ends today)
        quiet = clock >= start or clock < end
        day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def notice_mail(settings: Settings, late: Lateness, order: Order) -> OutgoingMail:
    """The notice for one late state, to the order's address, in the order's language."""
    language = "en" if order.language == "en" else "fr"
    first_name = order.customer.first_name if order.customer is not None else ""
    words = delay_email(
        late, order, language, Contact.from_settings(settings, language), first_name
    )
    content = Content(
        subject=words.subject,
        greeting=words.greeting,
        paragraphs=words.paragraphs,
        links=tuple(Link(label, url) for label, url in words.links),
        after=words.after,
    )
    return compose(
        settings,
        content,
        to=order.email,
        language=language,
        tag=f"late-{order.number}",
        unsubscribe_url=unsubscribe_url(settings, order.email),
    )
