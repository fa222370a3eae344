"""The desk's sanic application: it only wires the parts together.

Shoppers only ever talk to the desk; the desk relays to Rasa. That single entry point
is where input is validated, history is persisted and failures become polite answers;
each of those lives in its own module (``widget_api``, ``routing``, ``store``...), and
``create_app`` puts them together: settings, resources opened and closed with the
server, blueprints, error handlers and the CORS headers.
"""

from __future__ import annotations

import os

from sanic import HTTPResponse, Request, Sanic
from sanic.exceptions import SanicException

from comptoir.desk.accounts import AccountStore
from comptoir.desk.console import console
from comptoir.desk.editor import KnowledgePreview, editor
from comptoir.desk.errors import on_http_error, on_unexpected_error
from comptoir.desk.headers import security_headers
from comptoir.desk.hub import Hub
from comptoir.desk.late_notices import LateNoticeCheck, check_periodically
from comptoir.desk.limits import Limits
from comptoir.desk.lockouts import lockouts
from comptoir.desk.mail.api import mail
from comptoir.desk.mail.inbound import InboundServer, ReplyDesk
from comptoir.desk.mail.outbox import Outbox
from comptoir.desk.mail.worker import MailWorker
from comptoir.desk.notices_api import notices
from comptoir.desk.openapi import openapi
from comptoir.desk.order_sync import sync_forever, sync_wanted
from comptoir.desk.overdue import OverdueSweeper
from comptoir.desk.pages import pages
from comptoir.desk.promise import Promise
from comptoir.desk.rasa_client import RasaClient
from comptoir.desk.redis_hub import RedisHub
from comptoir.desk.reports.api import reports
from comptoir.desk.retention import purge_daily
from comptoir.desk.routing import MessageRouter
from comptoir.desk.schema import upgrade_schema
from comptoir.desk.store import ConversationStore
from comptoir.desk.ticket_mail import TicketMailStore
from comptoir.desk.ticket_mail_api import ticket_mail
from comptoir.desk.tickets import TicketStore
from comptoir.desk.votes import VoteStore
from comptoir.desk.webhook import WebhookSender
from comptoir.desk.widget_api import widget
from comptoir.settings import Settings, get_settings


def create_app(settings: Settings | None = None, name: str = "comptoir_desk") -> Sanic:
    """Build the desk application (one per process)."""
    settings = settings or get_settings()
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 30
    app.ctx.settings = settings
    app.ctx.knowledge_preview = KnowledgePreview(settings)
    app.before_server_start(_open)
    app.after_server_stop(_close)
    for blueprint in (widget, pages, console, editor, reports):
        app.blueprint(blueprint)
    app.blueprint(lockouts)
    app.blueprint(mail)
    app.blueprint(ticket_mail)
    app.blueprint(notices)
    app.blueprint(openapi)
    app.on_response(_cors)
    app.on_response(security_headers)
    app.exception(SanicException)(on_http_error)
    app.exception(Exception)(on_unexpected_error)
    return app


async def _open(app: Sanic) -> None:
    """Upgrade the database, open the stores, the bot client, the hub and the router."""
    settings: Settings = app.ctx.settings
    app.ctx.store = ConversationStore(settings.desk_db_url)  # makes SQLite's folder first
    await upgrade_schema(settings.desk_db_url)
    app.ctx.votes = VoteStore(app.ctx.store.sessions)
    app.ctx.accounts = AccountStore(app.ctx.store.sessions)
    app.ctx.outbox = Outbox(app.ctx.store.sessions, settings)  # before anything queues
    app.ctx.tickets = TicketStore(app.ctx.store.sessions, Promise.from_settings(settings))
    app.ctx.limits = Limits(settings)  # in Redis when redis_url is set
    app.ctx.rasa = RasaClient(
        settings.rasa_url, settings.actions_url, settings.rasa_timeout_s, settings.rasa_token
    )
    if settings.redis_url:
        app.ctx.hub = RedisHub(settings.redis_url)
        await app.ctx.hub.start()
    else:
        app.ctx.hub = Hub()
    app.ctx.webhook = (
        WebhookSender(settings.handoff_webhook_url, settings.handoff_webhook_secret)
        if settings.handoff_webhook_url
        else None
    )
    app.ctx.router = MessageRouter(
        settings=settings,
        store=app.ctx.store,
        tickets=app.ctx.tickets,
        accounts=app.ctx.accounts,
        bot=app.ctx.rasa,
        hub=app.ctx.hub,
        webhook=app.ctx.webhook,
    )
    app.add_task(MailWorker(app.ctx.outbox).run_forever(), name="mail")
    app.ctx.ticket_mails = TicketMailStore(app.ctx.store.sessions, app.ctx.tickets)
    app.ctx.inbound = None
    if settings.inbound_mail == "smtp":  # one receiving process; see mail/inbound.py
        desk = ReplyDesk(app.ctx.ticket_mails, app.ctx.tickets, app.ctx.router.announce)
        app.ctx.inbound = InboundServer(settings, desk)
        await app.ctx.inbound.start()
    if settings.retention_days:
        app.add_task(purge_daily(settings, app.ctx.store.sessions), name="retention")
    if settings.notify_late_enabled:  # delay notices: safe when every desk process runs it
        late = LateNoticeCheck(settings, app.ctx.store.sessions, app.ctx.outbox)
        app.add_task(check_periodically(settings, late), name="late_notices")
    if sync_wanted(settings):  # orders from the shop's platform (docs/connectors.md)
        app.add_task(sync_forever(settings), name="order_sync")
    overdue = OverdueSweeper(app.ctx.tickets, app.ctx.hub, app.ctx.webhook)
    app.add_task(overdue.run(settings.ticket_overdue_check_s), name="overdue")


async def _close(app: Sanic) -> None:
    """Close what ``_open`` opened (connection pools, the Redis subscription)."""
    if getattr(app.ctx, "inbound", None) is not None:
        await app.ctx.inbound.stop()
    await app.ctx.rasa.close()
    await app.ctx.limits.close()
    if isinstance(app.ctx.hub, RedisHub):
        await app.ctx.hub.close()
    if app.ctx.webhook is not None:
        await app.ctx.webhook.close()
    await app.ctx.store.close()


async def _cors(request: Request, response: HTTPResponse) -> None:
    """Let the shop's pages (another origin) call the API and load the widget."""
    response.headers["X-Comptoir-Worker"] = str(os.getpid())  # which desk process
    origin = request.headers.get("origin")
    if not origin:
        return
    allowed = request.app.ctx.settings.allowed_origins
    if "*" in allowed or origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
        response.headers["Vary"] = "Origin"
