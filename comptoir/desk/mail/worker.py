"""The sending worker: each desk process runs one, and together they send each e-mail once.

Every ``mail_poll_s`` (or at once when something is queued in this process) a worker
*claims* the e-mails that are due: one UPDATE marks them ``sending`` under its name
with a lease (a time until which nobody else may take them). PostgreSQL picks the rows
with ``FOR UPDATE SKIP LOCKED``, so two workers claim different rows without waiting;
SQLite runs the whole UPDATE under its single write lock, which gives the same
guarantee. A worker killed mid-send leaves its rows ``sending``; when their lease runs
out they are due again and the next worker sends them (a server may then get one e-mail
twice, with the same Message-ID: mail clients show it once). A try counts when it is
claimed, and a row whose lease ran out after its last try allowed is given up
(``failed``) instead of claimed again, so even a row that kills its worker every time
ends.

A slow server must not let the lease run out in the middle of a batch (another desk
would claim the rest and send it too): before each e-mail, when less than one e-mail's
worst case (``send_budget``) is left, the worker renews the lease of the rows it still
owns, and skips any it no longer owns.

Each try's fate is written back only while the row is still this worker's (its name and
status unchanged), so a slow worker whose lease was taken over cannot overwrite the fate
the new owner recorded. One row that cannot be sent (an address that is not one, a
message the MIME library refuses) is ``rejected`` on its own; the rest of the batch
goes. A delay notice is never sent in the quiet hours: none is claimed in them (resumed,
retried by an admin or left by a stopped desk, it waits), a retry that would fall in
them is set for their end, and one of a batch claimed just before they began is put
back until then, no try counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import time
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from comptoir.desk.db import utc_now
from comptoir.desk.delay_mail import quiet_until
from comptoir.desk.mail.addresses import for_log, valid_recipient
from comptoir.desk.mail.message import bare_address, to_email_message
from comptoir.desk.mail.outbox import NOTICE_PURPOSES, SERVER_TROUBLE, Outbox, OutboxMail
from comptoir.desk.mail.smtp import SendResult, SmtpConnection, SmtpUnavailable
from comptoir.settings import Settings

log = logging.getLogger("comptoir.mail")
BATCH = 25
SEND_STEPS = 6
"""One e-mail's worst case, in ``smtp_timeout_s``: MAIL, RCPT, DATA and the message's
end, after a reconnection's connect and EHLO, each allowed the whole timeout."""
LEASE_MARGIN_S = 10.0
CANCELLED = SendResult("cancelled", "opted_out", "the shopper opted out of notices")
BAD_ADDRESS = SendResult("rejected", "bad_address", "not one well-formed recipient address")
INTERRUPTED = "the desk stopped while sending it, on its last try allowed (lease ran out)"


def retry_delay(settings: Settings, attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next try after ``attempts`` tries: ``mail_first_retry_s``,
    doubled each time, capped at ``mail_max_retry_s``, plus up to 10 % of jitter (so a
    thousand e-mails that failed together do not all come back in the same second)."""
    base = settings.mail_first_retry_s * 2 ** max(0, attempts - 1)
    jitter = 1 + (rng or random).uniform(0, 0.1)
    return min(base, settings.mail_max_retry_s) * jitter


def send_budget(settings: Settings) -> float:
    """The longest one e-mail may take before its try is over, in seconds."""
    return SEND_STEPS * settings.smtp_timeout_s


def lease_seconds(settings: Settings, batch: int) -> float:
    """How long a claimed batch stays ours: one e-mail's worst case and a little for
    each of the others (the lease is renewed when a slow server eats it up)."""
    return max(60.0, send_budget(settings) + batch * 2.0 + LEASE_MARGIN_S)


class MailWorker:
    """Claims due e-mails, sends them over one SMTP connection, records each fate."""

    def __init__(
        self,
        outbox: Outbox,
        *,
        batch: int = BATCH,
        name: str | None = None,
        lease_s: float | None = None,
    ) -> None:
        self.outbox = outbox
        self.settings = outbox.settings
        self.batch = batch
        self.name = name or f"{os.uname().nodename[:20]}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease_s = lease_s
        """The claim's lease; None: ``lease_seconds`` (the tests shorten it)."""

    def lease(self) -> float:
        """Seconds a claim holds its rows."""
        return self.lease_s or lease_seconds(self.settings, self.batch)

    async def claim(self, now: datetime | None = None) -> list[OutboxMail]:
        """Take up to ``batch`` due e-mails (pending and due, or leased and expired; no
        notice in the quiet hours), after giving up those whose lease ran out on their
        last try allowed."""
        now = now or utc_now()
        expired = and_(OutboxMail.status == "sending", OutboxMail.lease_until < now)
        give_up = (
            update(OutboxMail)
            .where(expired, OutboxMail.attempts >= self.settings.mail_max_attempts)
            .values(
                status="failed",
                lease_until=None,
                lease_owner=None,
                error_kind="interrupted",
                last_error=INTERRUPTED,
            )
        )
        due = or_(and_(OutboxMail.status == "pending", OutboxMail.not_before <= now), expired)
        if quiet_until(now, self.settings):  # notices wait, unclaimed, for the morning
            due = and_(due, OutboxMail.purpose.not_in(NOTICE_PURPOSES))
        chosen = (
            select(OutboxMail.id)
            .where(due)
            .order_by(OutboxMail.not_before, OutboxMail.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders nothing
        )
        statement = (
            update(OutboxMail)
            .where(OutboxMail.id.in_(chosen.scalar_subquery()))
            .values(
                status="sending",
                lease_until=now + timedelta(seconds=self.lease()),
                lease_owner=self.name,
                attempts=OutboxMail.attempts + 1,
                tried_at=now,
            )
            .returning(OutboxMail)
            .execution_options(synchronize_session=False)
        )
        async with self.outbox.sessions.begin() as session:
            given_up = (await session.execute(give_up)).rowcount
            rows = list(await session.scalars(statement))
        if given_up:
            log.warning("%d e-mails given up: their desk stopped on their last try", given_up)
        return sorted(rows, key=lambda row: (row.not_before, row.id))

    def _next_try(self, row: OutboxMail, now: datetime) -> datetime:
        """After the backoff; a notice that would go in the quiet hours waits for their end."""
        at = now + timedelta(seconds=retry_delay(self.settings, row.attempts))
        if row.purpose in NOTICE_PURPOSES:
            return quiet_until(at, self.settings) or at
        return at

    async def record(self, row: OutboxMail, result: SendResult) -> str | None:
        """Write one try's fate while the row is still ours: the status it ends in, or
        None when another worker took it over meanwhile (its record stands)."""
        now = utc_now()
        values: dict = {"lease_until": None, "lease_owner": None}
        if result.outcome == "sent":
            values |= {"status": "sent", "sent_at": now}
        elif result.outcome in ("rejected", "cancelled"):
            values |= {"status": result.outcome}
        elif row.attempts >= self.settings.mail_max_attempts:
            values |= {"status": "failed"}
        else:
            values |= {"status": "pending", "not_before": self._next_try(row, now)}
        if result.kind:
            values |= {"error_kind": result.kind, "last_error": result.detail[:300]}
        mine = and_(
            OutboxMail.id == row.id,
            OutboxMail.status == "sending",
            OutboxMail.lease_owner == self.name,
        )
        async with self.outbox.sessions.begin() as session:
            written = await session.execute(update(OutboxMail).where(mine).values(**values))
        return values["status"] if written.rowcount else None

    async def release(self, rows: list[OutboxMail], not_before: datetime | None = None) -> None:
        """Give back claimed rows not tried, no try counted (until ``not_before``)."""
        values: dict = {"status": "pending", "lease_until": None, "lease_owner": None}
        if not_before is not None:
            values["not_before"] = not_before
        for row in rows:
            mine = and_(OutboxMail.id == row.id, OutboxMail.lease_owner == self.name)
            async with self.outbox.sessions.begin() as session:
                await session.execute(
                    update(OutboxMail)
                    .where(mine, OutboxMail.status == "sending")
                    .values(**values, attempts=OutboxMail.attempts - 1)
                )

    async def renew(self, rows: list[OutboxMail]) -> tuple[float, set[int]]:
        """A fresh lease for these rows, those still ours: (its end on the monotonic
        clock, the ids kept). A row another worker took over is not ours to send."""
        seconds = max(self.lease(), send_budget(self.settings) + LEASE_MARGIN_S)
        started = time.monotonic()
        statement = (
            update(OutboxMail)
            .where(
                OutboxMail.id.in_([row.id for row in rows]),
                OutboxMail.status == "sending",
                OutboxMail.lease_owner == self.name,
            )
            .values(lease_until=utc_now() + timedelta(seconds=seconds))
            .returning(OutboxMail.id)
            .execution_options(synchronize_session=False)
        )
        async with self.outbox.sessions.begin() as session:
            kept = set(await session.scalars(statement))
        return started + seconds, kept

    async def run_once(self) -> int:
        """Claim one batch and send it; how many e-mails were claimed (0: nothing due,
        or no SMTP server configured: the e-mails wait in the outbox)."""
        if not self.settings.smtp_host:
            return 0
        started = time.monotonic()  # before the claim: the lease is counted from it
        rows = await self.claim()
        if rows:
            await self._send(rows, started + self.lease())
        return len(rows)

    async def _send(self, rows: list[OutboxMail], lease_end: float) -> None:
        """Send a claimed batch over one connection, the lease renewed as it goes."""
        notices = [row.to_address for row in rows if row.purpose in NOTICE_PURPOSES]
        opted_out = await self.outbox.opted_out_among(notices)
        try:
            connection = SmtpConnection(self.settings)
            await connection.open()
        except SmtpUnavailable as down:
            detail = for_log(down.result.detail, 300)
            log.warning("SMTP server unavailable: %s (%s)", down.result.kind, detail)
            for row in rows:
                await self.record(row, down.result)
            return
        sent = False
        lost: set[int] = set()  # rows another worker took over: theirs now
        try:
            for index, row in enumerate(rows):
                if lease_end - time.monotonic() < send_budget(self.settings) + LEASE_MARGIN_S:
                    rest = [later for later in rows[index:] if later.id not in lost]
                    lease_end, kept = await self.renew(rest)
                    lost |= {later.id for later in rest} - kept
                if row.id in lost:
                    continue
                result = await self._try(connection, row, opted_out)
                if result is not None:
                    sent |= await self.record(row, result) == "sent"
        finally:
            await connection.close()
            if sent:
                await self.resume_waiting()

    async def resume_waiting(self) -> None:
        """Sending works again: what waited because the server was down (or our settings
        wrong) goes now, not at its next try hours later; notices, not in quiet hours."""
        now = utc_now()
        morning = quiet_until(now, self.settings) or now
        waiting = and_(
            OutboxMail.status == "pending",
            OutboxMail.attempts > 0,
            OutboxMail.error_kind.in_(SERVER_TROUBLE),
        )
        notice = OutboxMail.purpose.in_(NOTICE_PURPOSES)
        async with self.outbox.sessions.begin() as session:
            await session.execute(
                update(OutboxMail)
                .where(waiting, ~notice, OutboxMail.not_before > now)
                .values(not_before=now)
            )
            await session.execute(
                update(OutboxMail)
                .where(waiting, notice, OutboxMail.not_before > morning)
                .values(not_before=morning)
            )

    async def _try(
        self, connection: SmtpConnection, row: OutboxMail, opted_out: set[str]
    ) -> SendResult | None:
        """One e-mail's try; None when a notice was put back for the quiet hours. A
        notice to an address that opted out meanwhile is not sent; a row that cannot
        become a message is rejected alone."""
        if row.purpose in NOTICE_PURPOSES:
            if bare_address(row.to_address) in opted_out:
                return CANCELLED
            if morning := quiet_until(utc_now(), self.settings):
                await self.release([row], not_before=morning)
                return None
        if not valid_recipient(row.to_address):
            log.warning("e-mail %s not sent: its recipient is not one address", row.id)
            return BAD_ADDRESS
        try:
            message = to_email_message(row.to_mail(), self.settings)
        except Exception as problem:  # this row's content; the batch goes on
            detail = for_log(f"{type(problem).__name__}: {problem}", 300)
            log.warning("e-mail %s cannot be written as a message: %s", row.id, detail)
            return SendResult("rejected", "bad_message", detail)
        result = await connection.send(message)
        if result.outcome != "sent":
            detail = for_log(result.detail, 300)
            log.info("e-mail %s not sent: %s (%s)", row.id, result.kind, detail)
        return result

    async def run_forever(self) -> None:
        """The desk's background task: send what is due, then wait for the next poll or
        for an enqueue in this process, whichever comes first."""
        woken = self.outbox.woken
        while True:
            woken.clear()
            try:
                claimed = await self.run_once()
            except Exception:  # a database hiccup must not stop the sending for good
                log.exception("the e-mail worker failed; it tries again")
                claimed = 0
            if claimed >= self.batch:
                continue  # more may be due right now
            with contextlib.suppress(TimeoutError):  # the poll's time: look again
                await asyncio.wait_for(woken.wait(), self.settings.mail_poll_s)
