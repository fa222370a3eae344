"""``comptoir mail status``, ``mail test --to ADDRESS`` and ``mail optout``: is e-mail
going out, and to whom may notices go?

``status`` reads the outbox the desks share: how many e-mails wait, went, were refused
or given up, and, when sending fails, why in words and when the next try is (addresses
in the server's answer partly hidden: the output ends up in terminals and logs). ``test``
sends one e-mail now, straight to the SMTP server of the settings (not through the
outbox: the owner setting it up wants the server's answer at once), and prints that
answer in words; the exit code is 0 only when the server took it. ``optout add|remove``
stops or restarts the delay notices to one address (a shopper who asked by phone or by
e-mail rather than with the link); ``optout list`` can only count them, since the desk
keeps opted-out addresses as keyed hashes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import datetime
from typing import TYPE_CHECKING

from comptoir.cli.desk_db import with_desk_store
from comptoir.i18n import Bilingual
from comptoir.settings import Settings, get_settings

if TYPE_CHECKING:
    from comptoir.desk.mail.outbox import Overview
    from comptoir.desk.store import ConversationStore

STATUS_WORDS = {
    "pending": Bilingual("en attente", "waiting"),
    "sending": Bilingual("en cours d'envoi", "being sent"),
    "sent": Bilingual("envoyés", "sent"),
    "rejected": Bilingual("adresses refusées", "addresses refused"),
    "failed": Bilingual("abandonnés après plusieurs essais", "given up after several tries"),
    "cancelled": Bilingual("non envoyés (clients désabonnés)", "not sent (shoppers unsubscribed)"),
}
COUNTS = Bilingual("E-mails : {counts}.", "E-mails: {counts}.")
NOT_CONFIGURED = Bilingual(
    "L'envoi n'est pas configuré (COMPTOIR_SMTP_HOST) : les e-mails attendent dans la file.",
    "Sending is not set up (COMPTOIR_SMTP_HOST): the e-mails wait in the outbox.",
)
OLDEST = Bilingual(
    "Le plus ancien en attente date du {when}.", "The oldest waiting is from {when}."
)
TROUBLE = Bilingual(
    "Dernière erreur : {why} (réponse : {detail}). Prochain essai le {when}.",
    "Last error: {why} (answer: {detail}). Next try on {when}.",
)
ALL_WELL = Bilingual(
    "L'envoi fonctionne : aucun e-mail en échec.", "Sending works: no e-mail failing."
)
TEST_SUBJECT = Bilingual("Essai d'envoi de {shop}", "Test e-mail from {shop}")
TEST_TEXT = Bilingual(
    "Ceci est un e-mail d'essai envoyé par Comptoir avec les réglages d'envoi de la "
    "boutique. Si vous le lisez, les e-mails aux clients peuvent partir.",
    "This is a test e-mail sent by Comptoir with the shop's sending settings. If you "
    "are reading it, e-mails to shoppers can go out.",
)
TEST_SENT = Bilingual(
    "Le serveur {host} a accepté l'e-mail d'essai pour {to} (réponse : {answer}).",
    "The server {host} accepted the test e-mail for {to} (answer: {answer}).",
)
TEST_FAILED = Bilingual(
    "L'e-mail d'essai n'est pas parti : {why} (réponse : {detail}).",
    "The test e-mail did not go: {why} (answer: {detail}).",
)


NOT_AN_ADDRESS = Bilingual(
    "« {to} » n'est pas une adresse e-mail : indiquez par exemple --to vous@boutique.fr.",
    "“{to}” is not an e-mail address: give for example --to you@shop.example.",
)
OPTOUT_ADDED = Bilingual(
    "{address} ne recevra plus d'avis de retard (les réponses à ses demandes partent toujours).",
    "{address} will no longer get delay notices (answers to their requests still go).",
)
OPTOUT_ALREADY = Bilingual(
    "{address} ne recevait déjà plus d'avis : rien n'a changé.",
    "{address} was already not getting notices: nothing changed.",
)
OPTOUT_REMOVED = Bilingual(
    "{address} recevra de nouveau les avis de retard, à partir du prochain retard constaté.",
    "{address} will get delay notices again, from the next delay found.",
)
OPTOUT_NOT_THERE = Bilingual(
    "{address} n'était pas désabonnée : rien n'a changé.",
    "{address} had not opted out: nothing changed.",
)
OPTOUT_NOT_AN_ADDRESS = Bilingual(
    "« {address} » n'est pas une adresse e-mail (par exemple client@exemple.fr).",
    "“{address}” is not an e-mail address (for example shopper@example.com).",
)
OPTOUT_NEEDS_ADDRESS = Bilingual(
    "Indiquez l'adresse, par exemple : comptoir mail optout add client@exemple.fr.",
    "Give the address, for example: comptoir mail optout add shopper@example.com.",
)
OPTOUT_COUNT = Bilingual(
    "{n} adresses ne reçoivent pas d'avis{details}. Les adresses elles-mêmes ne sont pas "
    "conservées (seulement une empreinte) : vérifiez une adresse avec "
    "« comptoir mail optout add » ou « remove ».",
    "{n} addresses get no notices{details}. The addresses themselves are not kept (only a "
    "fingerprint): check one with “comptoir mail optout add” or “remove”.",
)
OPTOUT_SOURCES = {
    "unsubscribe-link": Bilingual("par le lien de l'e-mail", "with the e-mail's link"),
    "one-click": Bilingual("par le bouton de leur messagerie", "with their mail app's button"),
    "console": Bilingual("par la console", "from the console"),
    "command-line": Bilingual("en ligne de commande", "from the command line"),
    "erasure-request": Bilingual("à l'effacement de leurs données", "when their data was erased"),
    "other-key": Bilingual(
        "sous un ancien secret (elles ne s'appliquent plus)",
        "under a former secret (they no longer apply)",
    ),
}
OTHER_SOURCE = Bilingual("autrement", "otherwise")


def _when(value: datetime, language: str, settings: Settings) -> str:
    from zoneinfo import ZoneInfo

    from comptoir.shop.wording import moment

    return moment(value.astimezone(ZoneInfo(settings.business_hours.timezone)), language)


def render_status(overview: Overview, language: str, settings: Settings) -> str:
    """The outbox in a few lines of words."""
    from comptoir.desk.mail.addresses import mask_addresses
    from comptoir.desk.mail.smtp import ERROR_WORDS

    counts = ", ".join(
        f"{overview.counts[status]} {words(language)}" for status, words in STATUS_WORDS.items()
    )
    lines = [COUNTS(language, counts=counts)]
    if not overview.configured:
        lines.append(NOT_CONFIGURED(language))
    if overview.oldest_pending:
        lines.append(OLDEST(language, when=_when(overview.oldest_pending, language, settings)))
    trouble = overview.trouble
    if trouble is not None and overview.next_try is not None:
        words = ERROR_WORDS.get(trouble.error_kind, ERROR_WORDS["unexpected"])(language)
        when = _when(overview.next_try, language, settings)
        detail = mask_addresses(trouble.last_error) or "—"
        lines.append(TROUBLE(language, why=words.rstrip("."), detail=detail, when=when))
    elif overview.configured and not overview.counts["failed"]:
        lines.append(ALL_WELL(language))
    return "\n".join(lines)


def _cmd_status(args: argparse.Namespace) -> int:
    from comptoir.desk.mail.api import overview_json
    from comptoir.desk.mail.outbox import Outbox

    settings = get_settings()

    async def read(store: ConversationStore) -> Overview:
        return await Outbox(store.sessions, settings).overview(latest=0)

    overview = with_desk_store(settings.desk_db_url, read)
    if args.json:
        data = overview_json(overview, admin=False)
        data.pop("mails")
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(render_status(overview, args.lang or settings.default_language, settings))
    return 0


async def send_test(settings: Settings, to: str, language: str) -> tuple[bool, str]:
    """Send the test e-mail now; ``(taken, the server's answer in words)``."""
    from comptoir.desk.mail.compose import Content, compose
    from comptoir.desk.mail.message import to_email_message
    from comptoir.desk.mail.smtp import ERROR_WORDS, SmtpConnection, SmtpUnavailable

    shop = settings.shop_name
    content = Content(
        subject=TEST_SUBJECT(language, shop=shop),
        greeting=Bilingual("Bonjour,", "Hello,")(language),
        paragraphs=(TEST_TEXT(language),),
    )
    mail = compose(settings, content, to=to, language=language, tag="test")
    try:
        async with SmtpConnection(settings) as connection:
            result = await connection.send(to_email_message(mail, settings))
            answer = connection.last_answer
    except SmtpUnavailable as down:
        result, answer = down.result, ""
    if result.outcome == "sent":
        return True, TEST_SENT(language, host=settings.smtp_host, to=to, answer=answer or "OK")
    words = ERROR_WORDS.get(result.kind, ERROR_WORDS["unexpected"])(language).rstrip(".")
    return False, TEST_FAILED(language, why=words, detail=result.detail or "—")


def _cmd_test(args: argparse.Namespace) -> int:
    from comptoir.desk.mail.message import bare_address

    settings = get_settings()
    if "@" not in bare_address(args.to):
        print(NOT_AN_ADDRESS(args.lang or "fr", to=args.to))
        return 2
    taken, words = asyncio.run(send_test(settings, args.to, args.lang or "fr"))
    print(words)
    return 0 if taken else 1


def _optout_counts(counts: dict[str, int], language: str) -> str:
    """How many addresses opted out, and how."""
    total = sum(counts.values())
    parts = [
        f"{n} {OPTOUT_SOURCES.get(source, OTHER_SOURCE)(language)}"
        for source, n in sorted(counts.items())
    ]
    return OPTOUT_COUNT(language, n=total, details=f" ({', '.join(parts)})" if parts else "")


def _cmd_optout(args: argparse.Namespace) -> int:
    """Stop or restart the notices to one address, or count the opt-outs."""
    from comptoir.desk.mail.addresses import masked, valid_recipient
    from comptoir.desk.mail.message import bare_address
    from comptoir.desk.mail.outbox import Outbox

    settings = get_settings()
    language = args.lang or settings.default_language
    if args.action != "list" and not args.address:
        print(OPTOUT_NEEDS_ADDRESS(language))
        return 2
    if args.action != "list" and not valid_recipient(args.address):
        print(OPTOUT_NOT_AN_ADDRESS(language, address=args.address))
        return 2

    async def change(store: ConversationStore) -> bool | dict[str, int]:
        outbox = Outbox(store.sessions, settings)
        if args.action == "add":
            return await outbox.opt_out(args.address, "command-line")
        if args.action == "remove":
            return await outbox.opt_in(args.address)
        return await outbox.optout_counts()

    done = with_desk_store(settings.desk_db_url, change)
    if isinstance(done, dict):
        print(_optout_counts(done, language))
        return 0
    shown = masked(bare_address(args.address))
    words = {
        ("add", True): OPTOUT_ADDED,
        ("add", False): OPTOUT_ALREADY,
        ("remove", True): OPTOUT_REMOVED,
        ("remove", False): OPTOUT_NOT_THERE,
    }[args.action, done]
    print(words(language, address=shown))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``mail status``, ``mail test`` and ``mail optout``."""
    mail = sub.add_parser("mail", help="the e-mail outbox and the SMTP settings")
    commands = mail.add_subparsers(dest="mail", required=True)
    status = commands.add_parser("status", help="e-mails waiting, sent, refused; the last error")
    status.add_argument("--json", action="store_true", help="the figures as one JSON line")
    status.add_argument("--lang", choices=("fr", "en"), help="language of the text (default: fr)")
    status.set_defaults(func=_cmd_status)
    test = commands.add_parser("test", help="send one test e-mail now and print the answer")
    test.add_argument("--to", required=True, help="the address to send the test e-mail to")
    test.add_argument("--lang", choices=("fr", "en"), help="language of the e-mail and text")
    test.set_defaults(func=_cmd_test)
    optout = commands.add_parser(
        "optout", help="stop (add) or restart (remove) the delay notices to one address"
    )
    optout.add_argument("action", choices=("add", "remove", "list"))
    optout.add_argument("address", nargs="?", help="the shopper's address (add, remove)")
    optout.add_argument("--lang", choices=("fr", "en"), help="language of the text (default: fr)")
    optout.set_defaults(func=_cmd_optout)
