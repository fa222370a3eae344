"""A real SMTP server process for the tests: aiosmtpd on loopback, each accepted message
written to a Maildir that the tests parse.

Run as ``python -m tests.smtp_sink --port P --maildir DIR [--reject SUBSTRING]
[--tempfail-file FILE] [--refuse-file FILE] [--slow-file FILE]``: recipients containing
``--reject`` get a permanent 550; while ``--tempfail-file`` exists, every message gets a
temporary 451 (a server "rejecting for now"); while ``--refuse-file`` exists, EHLO and
HELO get a 554 (a server refusing the session itself); while ``--slow-file`` exists,
a message to a recipient containing "slow" takes as many seconds as the file says
before it is accepted. Stopping the process is how a test makes the server "down".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import mailbox
import signal
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class MaildirSink:
    """aiosmtpd handler: refuse what the options say, store the rest."""

    def __init__(
        self,
        maildir: Path,
        reject: str | None,
        tempfail_file: Path | None,
        refuse_file: Path | None = None,
        slow_file: Path | None = None,
    ) -> None:
        self.box = mailbox.Maildir(maildir, create=True)
        self.reject = reject
        self.tempfail_file = tempfail_file
        self.refuse_file = refuse_file
        self.slow_file = slow_file

    def _refusing(self) -> bool:
        return bool(self.refuse_file and self.refuse_file.exists())

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list
    ) -> list[str]:
        if self._refusing():
            return ["554 5.7.1 Service refused for now"]
        session.host_name = hostname
        return responses

    async def handle_HELO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str
    ) -> str:
        if self._refusing():
            return "554 5.7.1 Service refused for now"
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if self.reject and self.reject in address:
            return f"550 5.1.1 <{address}>: No such user here"  # quoted, as Postfix does
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.tempfail_file and self.tempfail_file.exists():
            return "451 4.3.0 Try again later"
        if self.slow_file and any("slow" in rcpt for rcpt in envelope.rcpt_tos):
            with contextlib.suppress(OSError, ValueError):  # no file: not slow
                await asyncio.sleep(float(self.slow_file.read_text()))
        self.box.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    parser.add_argument("--reject")
    parser.add_argument("--tempfail-file", type=Path)
    parser.add_argument("--refuse-file", type=Path)
    parser.add_argument("--slow-file", type=Path)
    options = parser.parse_args()
    handler = MaildirSink(
        options.maildir,
        options.reject,
        options.tempfail_file,
        options.refuse_file,
        options.slow_file,
    )
    controller = Controller(handler, hostname="127.0.0.1", port=options.port)
    controller.start()
    print(f"listening on 127.0.0.1:{options.port}", flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
