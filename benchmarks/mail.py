"""Sending 1,000 delay notices through the outbox to a local SMTP server process.

The server is ``tests.smtp_sink`` (aiosmtpd writing every message to a Maildir, in its
own process, as in the tests): the figures include a real SMTP conversation and the
server's disk, not a mock. For SQLite and PostgreSQL (a database of its own, dropped
afterwards): the time to queue the notices (one transaction each, as the late-order
check does; composing them is not counted), then the time for one desk's worker, then two desk workers
racing on the same outbox, to send them all; e-mails per second, and a check that the
server received each exactly once. ``BENCH_MAIL`` changes the count.
"""

from __future__ import annotations

import asyncio
import mailbox
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

from comptoir.desk.db import open_engine, session_factory
from comptoir.desk.mail.compose import Content, Link, compose
from comptoir.desk.mail.outbox import Outbox
from comptoir.desk.mail.unsubscribe import unsubscribe_url
from comptoir.desk.mail.worker import MailWorker
from comptoir.desk.schema import upgrade_schema
from comptoir.settings import Settings
from comptoir.stack import PROJECT_ROOT, free_port

DATABASE = "comptoir_mail_bench"


class Sink:
    """The SMTP server process and its Maildir."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.maildir = folder / "maildir"
        argv = [sys.executable, "-m", "tests.smtp_sink", "--port", str(self.port)]
        argv += ["--maildir", str(self.maildir)]
        self.process = subprocess.Popen(argv, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not self.maildir.exists() or not self._listening():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the SMTP server did not start")
            time.sleep(0.05)

    def _listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def received(self) -> Counter[str]:
        """How many messages each recipient received so far."""
        box = mailbox.Maildir(self.maildir, create=True)
        return Counter(str(message["To"]) for message in box)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _address(number: int) -> str:
    return f"client{number}@example.fr"


def _notice(settings: Settings, number: int):
    address = _address(number)
    content = Content(
        subject=f"Votre commande CMD-{number:06d} aura du retard",
        greeting="Bonjour,",
        paragraphs=(
            "Votre colis a pris du retard chez le transporteur ; nous en sommes désolés.",
            "Nouvelle date estimée : le 14 mai.",
        ),
        links=(Link("Suivre le colis", f"https://suivi.example/{number}"),),
    )
    return compose(
        settings,
        content,
        to=address,
        language="fr",
        tag=f"delay-{number}",
        unsubscribe_url=unsubscribe_url(settings, address),
    )


async def _queue(outbox: Outbox, count: int, offset: int) -> float:
    """Seconds to queue ``count`` notices, composed beforehand (rendering is apart)."""
    mails = [(n, _notice(outbox.settings, n)) for n in range(offset, offset + count)]
    started = time.perf_counter()
    for number, mail in mails:
        queued = await outbox.enqueue(
            mail,
            dedupe_key=f"bench:{number}",
            purpose="delay_notice",
            reference=f"CMD-{number:06d}",
        )
        assert queued is not None
    return time.perf_counter() - started


async def _drain(workers: list[MailWorker]) -> float:
    async def one(worker: MailWorker) -> None:
        while await worker.run_once():
            pass

    started = time.perf_counter()
    await asyncio.gather(*(one(worker) for worker in workers))
    return time.perf_counter() - started


async def _backend(url: str, sink: Sink, count: int, base: int) -> dict:
    """Both runs on one database; ``base`` keeps each run's recipients apart."""
    await upgrade_schema(url)
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_security="none",
        mail_from="Atelier Lumière <support@atelier-lumiere.example>",
        conversation_secret="bench-" + "x" * 40,
        notify_quiet_hours="",  # the benchmark may run at night: notices go at once
    )
    engines = [open_engine(url), open_engine(url)]
    outboxes = [Outbox(session_factory(engine), settings) for engine in engines]
    figures: dict = {}
    try:
        for run, workers in (("one_worker", 1), ("two_workers", 2)):
            offset = base + (workers - 1) * count
            queue_s = await _queue(outboxes[0], count, offset)
            send_s = await _drain([MailWorker(outbox) for outbox in outboxes[:workers]])
            received = sink.received()
            got = [received[_address(n)] for n in range(offset, offset + count)]
            figures[run] = {
                "emails": count,
                "enqueue_s": round(queue_s, 2),
                "enqueue_per_s": round(count / queue_s, 1),
                "send_s": round(send_s, 2),
                "send_per_s": round(count / send_s, 1),
                "received": sum(got),
                "received_once": all(times == 1 for times in got),
            }
    finally:
        for engine in engines:
            await engine.dispose()
    return figures


def run(postgres_admin_url: str | None, count: int = 1000) -> dict:
    """Both backends; the figures, printed and returned."""
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="comptoir-mail-") as tmp:
        folder = Path(tmp)
        sink = Sink(folder)
        try:
            db = folder / "desk.db"
            sqlite = f"sqlite+aiosqlite:///{db}"
            results["sqlite"] = asyncio.run(_backend(sqlite, sink, count, 0))
            if postgres_admin_url:
                results["postgresql"] = _on_postgres(postgres_admin_url, sink, count)
        finally:
            sink.stop()
    for backend, runs in results.items():
        for name, figures in runs.items():
            print(
                f"  {backend:<11} {name:<12} queue {figures['enqueue_s']:>6} s "
                f"({figures['enqueue_per_s']:>7}/s)  send {figures['send_s']:>6} s "
                f"({figures['send_per_s']:>6} e-mails/s)  received once: "
                f"{figures['received_once']}"
            )
    return results


def _on_postgres(admin_url: str, sink: Sink, count: int) -> dict:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE}"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    url = admin.url.set(database=DATABASE).render_as_string(hide_password=False)
    try:
        return asyncio.run(_backend(url, sink, count, 2 * count))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        admin.dispose()
