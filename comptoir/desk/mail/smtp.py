"""Hand e-mails to the shop's SMTP server, and say plainly what the server answered.

Only three outcomes matter to the outbox: the server took the e-mail (``sent``); it
could not take it now (``temporary``: unreachable, too slow, a 4xx answer, our own
settings refused, or any refusal while opening the session: try again later, with
backoff); or it refused this recipient or this message for good (``rejected``: a 5xx
answer to RCPT or DATA, never retried). A 5xx to the greeting, EHLO or AUTH is about the
server or our settings, never about one shopper's address: were it ``rejected``, every
e-mail of the batch would be refused for good while the server has a bad day. Each failure
carries a *kind* the console puts in words in both languages (``refused``,
``timeout``...) and the server's own short answer, scrubbed of the password.

One connection is opened for a batch and reused for each of its e-mails (opening a TLS
session per e-mail would dominate the time of a thousand notices).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType

import aiosmtplib

from comptoir.desk.mail.message import bare_address, sender_address
from comptoir.i18n import Bilingual
from comptoir.settings import Settings

DETAIL_CHARS = 300
ERROR_WORDS: dict[str, Bilingual] = {
    "refused": Bilingual(
        "Le serveur d’envoi ne répond pas (connexion refusée).",
        "The mail server does not answer (connection refused).",
    ),
    "timeout": Bilingual(
        "Le serveur d’envoi met trop de temps à répondre.",
        "The mail server takes too long to answer.",
    ),
    "disconnected": Bilingual(
        "Le serveur d’envoi a coupé la connexion.", "The mail server closed the connection."
    ),
    "temporary": Bilingual(
        "Le serveur d’envoi refuse les e-mails pour le moment ; il sera réessayé.",
        "The mail server refuses e-mails for now; it will be tried again.",
    ),
    "auth": Bilingual(
        "Le serveur d’envoi refuse l’identifiant ou le mot de passe (smtp_user, smtp_password).",
        "The mail server refuses the user name or password (smtp_user, smtp_password).",
    ),
    "tls": Bilingual(
        "La connexion chiffrée au serveur d’envoi a échoué (smtp_security, smtp_port).",
        "The encrypted connection to the mail server failed (smtp_security, smtp_port).",
    ),
    "sender": Bilingual(
        "Le serveur d’envoi refuse notre adresse d’expéditeur (mail_from).",
        "The mail server refuses our sender address (mail_from).",
    ),
    "unavailable": Bilingual(
        "Le serveur d’envoi refuse d’ouvrir la session (réponse 5xx à la connexion) ; il "
        "sera réessayé.",
        "The mail server refuses to open a session (a 5xx answer on connecting); it will "
        "be tried again.",
    ),
    "rejected": Bilingual(
        "Adresse refusée par le serveur (elle n’existe pas ou ne reçoit pas de courrier).",
        "Address refused by the server (it does not exist or takes no mail).",
    ),
    "bad_address": Bilingual(
        "Adresse invalide : cet e-mail ne peut pas partir (il ne sera pas réessayé).",
        "Invalid address: this e-mail cannot go (it will not be tried again).",
    ),
    "bad_message": Bilingual(
        "Erreur inattendue en préparant cet e-mail ; il ne sera pas réessayé.",
        "Unexpected error while preparing this e-mail; it will not be tried again.",
    ),
    "interrupted": Bilingual(
        "L’envoi s’est interrompu au dernier essai permis (le desk s’est arrêté pendant "
        "l’envoi) ; abandonné.",
        "Sending was interrupted on the last try allowed (the desk stopped while sending); "
        "given up.",
    ),
    "opted_out": Bilingual(
        "Le client s’est désabonné des avis avant l’envoi.",
        "The shopper unsubscribed from notices before it was sent.",
    ),
    "erased": Bilingual(
        "Non envoyé : les données du client ont été effacées à sa demande.",
        "Not sent: the shopper's data was erased at their request.",
    ),
    "not_configured": Bilingual(
        "L’envoi d’e-mails n’est pas configuré (smtp_host).",
        "Sending e-mail is not set up (smtp_host).",
    ),
    "unexpected": Bilingual(
        "Erreur inattendue pendant l’envoi ; il sera réessayé.",
        "Unexpected error while sending; it will be tried again.",
    ),
}
"""Each failure kind in words, for ``comptoir mail`` (the console has the same in i18n.js)."""


@dataclass(frozen=True)
class SendResult:
    """What became of one try: ``sent``, ``temporary`` or ``rejected``, and why."""

    outcome: str
    kind: str = ""  # "" when sent; else a key of ERROR_WORDS (the console has the same)
    detail: str = ""  # the server's short answer ("550 5.1.1 No such user here")


SENT = SendResult("sent")


class SmtpUnavailable(Exception):
    """The connection could not be opened: every e-mail of the batch waits."""

    def __init__(self, result: SendResult) -> None:
        super().__init__(result.detail)
        self.result = result


def _scrub(text: str, settings: Settings) -> str:
    """One line, short, and never the password (some servers echo what they got)."""
    line = " ".join(str(text).split())
    if settings.smtp_password:
        line = line.replace(settings.smtp_password, "***")
    return line[:DETAIL_CHARS]


ONE_MESSAGE_REFUSALS = (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError)
"""The answers about one e-mail (its recipient, its content): only these reject it."""


def _response_result(problem: aiosmtplib.SMTPResponseException, settings: Settings) -> SendResult:
    """A numbered answer: 4xx is temporary; a 5xx to RCPT or DATA is final; any other
    5xx (greeting, EHLO, MAIL FROM, RSET...) is the server's or our settings' trouble."""
    detail = _scrub(f"{problem.code} {problem.message}", settings)
    if isinstance(problem, aiosmtplib.SMTPAuthenticationError):
        return SendResult("temporary", "auth", detail)  # our settings: fix them, it goes
    if 400 <= problem.code < 500:
        return SendResult("temporary", "temporary", detail)
    if isinstance(problem, aiosmtplib.SMTPSenderRefused):
        return SendResult("temporary", "sender", detail)  # our From, not the shopper's fault
    if isinstance(problem, ONE_MESSAGE_REFUSALS):
        return SendResult("rejected", "rejected", detail)
    return SendResult("temporary", "unavailable", detail)


def classify(problem: BaseException, settings: Settings) -> SendResult:
    """The outcome of an exception raised while connecting or sending."""
    if isinstance(problem, aiosmtplib.SMTPRecipientsRefused):
        refusals = problem.recipients or []
        if refusals:
            return _response_result(refusals[0], settings)
        return SendResult("rejected", "rejected", "recipient refused")
    if isinstance(problem, aiosmtplib.SMTPResponseException):
        return _response_result(problem, settings)
    if isinstance(problem, (aiosmtplib.SMTPTimeoutError, TimeoutError)):
        return SendResult("temporary", "timeout", _scrub(str(problem), settings))
    if isinstance(problem, aiosmtplib.SMTPServerDisconnected):
        return SendResult("temporary", "disconnected", _scrub(str(problem), settings))
    detail = _scrub(str(problem) or type(problem).__name__, settings)
    if isinstance(problem, ssl.SSLError):
        return SendResult("temporary", "tls", detail)
    if isinstance(problem, (aiosmtplib.SMTPConnectError, OSError)):
        tls = "SSL" in detail  # 'tls' against a plain port fails in the handshake
        return SendResult("temporary", "tls" if tls else "refused", detail)
    if "AUTH" in detail:  # a server that offers no login (or not before STARTTLS)
        return SendResult("temporary", "auth", detail)
    if "STARTTLS" in detail:
        return SendResult("temporary", "tls", detail)
    return SendResult("temporary", "unexpected", detail)


class SmtpConnection:
    """One session with the server for a batch: ``async with SmtpConnection(s) as smtp``.

    Opening raises ``SmtpUnavailable`` (the whole batch waits); ``send`` never raises,
    it answers a ``SendResult``, and reconnects if the server dropped the session.
    """

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise SmtpUnavailable(SendResult("temporary", "not_configured", "smtp_host is unset"))
        self.settings = settings
        self.client: aiosmtplib.SMTP | None = None
        self.last_answer = ""  # the server's answer to the last e-mail it took

    def _client(self) -> aiosmtplib.SMTP:
        settings = self.settings
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            timeout=settings.smtp_timeout_s,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
        )

    async def open(self) -> None:
        """Connect, STARTTLS and log in as the settings say, and greet the server now
        (EHLO, else HELO), so a server refusing us fails here, for the batch, rather
        than on the first e-mail as if its address were refused."""
        client = self._client()
        try:
            await client.connect()
            if client.is_ehlo_or_helo_needed:
                try:
                    await client.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await client.helo()  # an old server that knows only HELO
        except Exception as problem:  # every failure to open is a SendResult
            client.close()
            result = classify(problem, self.settings)
            if result.outcome != "temporary":  # never the addresses' fault
                result = SendResult("temporary", "unavailable", result.detail)
            raise SmtpUnavailable(result) from problem
        self.client = client

    async def __aenter__(self) -> SmtpConnection:
        await self.open()
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """QUIT politely; a server already gone is fine."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            await client.quit()
        except Exception:  # closing a dead session has nothing to report
            client.close()

    async def send(self, message: EmailMessage) -> SendResult:
        """Hand one message to the server (envelope: our From, its To)."""
        if self.client is None or not self.client.is_connected:
            try:
                await self.open()
            except SmtpUnavailable as down:
                return down.result
        assert self.client is not None
        try:
            _errors, answer = await self.client.send_message(
                message,
                sender=bare_address(sender_address(self.settings)),
                recipients=[bare_address(str(message["To"]))],
            )
        except Exception as problem:  # classified: a try's fate, never a crash
            result = classify(problem, self.settings)
            if result.kind in ("timeout", "disconnected", "refused", "unavailable", "unexpected"):
                self.client.close()  # the session's state is unknown: start afresh
                self.client = None
            return result
        self.last_answer = _scrub(answer, self.settings)
        return SENT
