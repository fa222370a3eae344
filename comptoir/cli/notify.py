"""``comptoir notify late [--dry-run] [--force] [--json] [--lang]``: the delay notices,
by hand.

The desk runs the same check every ``notify_late_check_s``; the command shows an owner
what it does (``--dry-run``: what would go, nothing queued) before they turn it on, or
runs one check now. While ``notify_late_enabled`` is false it queues nothing and says
so (exit 1): an owner who turned notices off must not send them by running the check
out of habit; ``--force`` sends them this once. Each new notice is one line in words: the order, the shopper's
address partly hidden (the output ends up in terminals and logs), why the order is
late and the new estimate.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from comptoir.cli.desk_db import with_desk_store
from comptoir.i18n import Bilingual
from comptoir.settings import Settings, get_settings

if TYPE_CHECKING:
    from comptoir.desk.late_notices import LateReport, NoticeLine
    from comptoir.desk.store import ConversationStore

OUTCOMES = {
    "queued": Bilingual("mis en file d'envoi", "queued"),
    "would_queue": Bilingual("partirait", "would go"),
    "opted_out": Bilingual("non envoyé : désabonné des avis", "not sent: opted out of notices"),
}
WAITS = Bilingual("après les heures calmes, le {when}", "after the quiet hours, on {when}")
ESTIMATE = Bilingual("nouvelle date : {day}", "new date: {day}")
NO_ESTIMATE = Bilingual("pas encore de nouvelle date", "no new date yet")
NOTHING = Bilingual("Aucun nouvel avis de retard.", "No new delay notice.")
SUMMARY = Bilingual(
    "{checked} commandes en cours examinées, {late} en retard : {new} {new_words}, "
    "{already} déjà prévenues, {opted_out} désabonnées ; {too_old} trop anciennes "
    "(plus de {days} jours) laissées de côté.",
    "{checked} open orders checked, {late} late: {new} {new_words}, {already} already "
    "told, {opted_out} opted out; {too_old} too old (over {days} days) left aside.",
)
NEW_WORDS = {
    False: Bilingual("avis mis en file d'envoi", "notices queued"),
    True: Bilingual(
        "avis partiraient (essai : rien n'est envoyé)", "notices would go (dry run: nothing sent)"
    ),
}
DISABLED = Bilingual(
    "Les avis de retard sont désactivés (COMPTOIR_NOTIFY_LATE_ENABLED=false) : rien n'a été "
    "mis en file. Pour voir ce qui partirait, ajoutez --dry-run ; pour les envoyer quand "
    "même, cette fois seulement, ajoutez --force.",
    "Delay notices are turned off (COMPTOIR_NOTIFY_LATE_ENABLED=false): nothing was queued. "
    "To see what would go, add --dry-run; to send them anyway, this once, add --force.",
)
SCHEDULE_OFF = Bilingual(
    "Remarque : le desk ne lance pas ce contrôle de lui-même (COMPTOIR_NOTIFY_LATE_ENABLED=false).",
    "Note: the desk does not run this check by itself (COMPTOIR_NOTIFY_LATE_ENABLED=false).",
)


def mask_email(address: str) -> str:
    """``lea.martin@example.fr`` → ``le***@example.fr``: enough to recognise, not to copy."""
    local, at, domain = address.partition("@")
    if not at:
        return "***"
    return f"{local[:2] if len(local) > 3 else local[:1]}***@{domain}"


def describe(line: NoticeLine, language: str, settings: Settings) -> str:
    """One new notice in words."""
    from zoneinfo import ZoneInfo

    from comptoir.shop import wording
    from comptoir.shop.delay_wording import REASON_LABELS

    estimate = (
        ESTIMATE(language, day=wording.day(line.estimate, language))
        if line.estimate
        else NO_ESTIMATE(language)
    )
    parts = [
        line.order_number,
        mask_email(line.email),
        REASON_LABELS[line.reason](language),
        estimate,
        OUTCOMES[line.outcome](language),
    ]
    if line.not_before is not None and line.outcome != "opted_out":
        local = line.not_before.astimezone(ZoneInfo(settings.business_hours.timezone))
        parts.append(WAITS(language, when=wording.moment(local, language)))
    return " · ".join(parts)


def render(report: LateReport, language: str, settings: Settings) -> str:
    """The new notices, one a line, then the totals."""
    lines = [describe(line, language, settings) for line in report.notices]
    if not lines:
        lines.append(NOTHING(language))
    new = report.would_queue if report.dry_run else report.queued
    lines.append(
        SUMMARY(
            language,
            checked=report.checked,
            late=report.late,
            new=new,
            new_words=NEW_WORDS[report.dry_run](language),
            already=report.already_notified,
            opted_out=report.opted_out,
            too_old=report.too_old,
            days=settings.notify_late_max_age_days,
        )
    )
    if not settings.notify_late_enabled:
        lines.append(SCHEDULE_OFF(language))
    return "\n".join(lines)


def _cmd_late(args: argparse.Namespace) -> int:
    """Run one check (or a dry run) and print what went, or would go."""
    from comptoir.desk.late_notices import LateNoticeCheck
    from comptoir.desk.mail.outbox import Outbox
    from comptoir.shop.db import upgrade

    settings = get_settings()
    if not (settings.notify_late_enabled or args.dry_run or args.force):
        words = DISABLED(args.lang or settings.default_language)
        print(json.dumps({"error": "disabled", "message": words}) if args.json else words)
        return 1
    upgrade(settings.shop_db_url)  # the orders' language column, on an older shop database

    async def run(store: ConversationStore) -> LateReport:
        check = LateNoticeCheck(settings, store.sessions, Outbox(store.sessions, settings))
        return await check.run(dry_run=args.dry_run)

    report = with_desk_store(settings.desk_db_url, run)
    if args.json:
        data = report.as_json()
        for notice in data["notices"]:
            notice["email"] = mask_email(notice["email"])
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(render(report, args.lang or settings.default_language, settings))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``notify late``."""
    notify = sub.add_parser("notify", help="e-mails the shop sends first").add_subparsers(
        dest="notify", required=True
    )
    late = notify.add_parser(
        "late", help="e-mail shoppers whose order became late (what the desk runs regularly)"
    )
    late.add_argument("--dry-run", action="store_true", help="show what would go; queue nothing")
    late.add_argument(
        "--force",
        action="store_true",
        help="queue the notices even though COMPTOIR_NOTIFY_LATE_ENABLED is false",
    )
    late.add_argument("--json", action="store_true", help="the report as one JSON line")
    late.add_argument("--lang", choices=("fr", "en"), help="language of the text (default: fr)")
    late.set_defaults(func=_cmd_late)
