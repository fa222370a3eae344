"""The SMTP server process the e-mail tests send to, and how they read what it got."""

from __future__ import annotations

import mailbox
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from comptoir.stack import free_port
from tests.conftest import ROOT, port_open


@dataclass
class SmtpSink:
    """A running ``tests.smtp_sink`` process and its Maildir."""

    port: int
    maildir: Path
    tempfail_file: Path
    process: subprocess.Popen | None = None
    reject: str = "rejected"

    def start(self) -> SmtpSink:
        """Start (or restart) the server; returns once it accepts connections."""
        argv = [sys.executable, "-m", "tests.smtp_sink", "--port", str(self.port)]
        argv += ["--maildir", str(self.maildir), "--tempfail-file", str(self.tempfail_file)]
        argv += ["--reject", self.reject]
        argv += ["--refuse-file", str(self._refuse_file), "--slow-file", str(self._slow_file)]
        self.process = subprocess.Popen(argv, cwd=ROOT)
        deadline = time.monotonic() + 15
        while not port_open("127.0.0.1", self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the test SMTP server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop the server: connections are refused until ``start`` again."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def fail_temporarily(self, on: bool = True) -> None:
        """While on, every message gets ``451 Try again later``."""
        if on:
            self.tempfail_file.touch()
        else:
            self.tempfail_file.unlink(missing_ok=True)

    @property
    def _refuse_file(self) -> Path:
        return self.tempfail_file.with_name(self.tempfail_file.name + ".refuse")

    @property
    def _slow_file(self) -> Path:
        return self.tempfail_file.with_name(self.tempfail_file.name + ".slow")

    def refuse_sessions(self, on: bool = True) -> None:
        """While on, EHLO and HELO get ``554 5.7.1 Service refused for now``."""
        if on:
            self._refuse_file.touch()
        else:
            self._refuse_file.unlink(missing_ok=True)

    def slow_down(self, seconds: float | None) -> None:
        """A message to a recipient containing "slow" takes ``seconds`` to be accepted
        (None: no delay)."""
        if seconds is None:
            self._slow_file.unlink(missing_ok=True)
        else:
            self._slow_file.write_text(str(seconds))

    def messages(self) -> list[EmailMessage]:
        """Every message received so far, parsed (roughly oldest first)."""
        box = mailbox.Maildir(self.maildir, create=True)
        keyed = sorted(box.iterkeys())  # keys start with the delivery time (seconds)
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(box.get_bytes(key)) for key in keyed]

    def wait_for(self, count: int, timeout_s: float = 30) -> list[EmailMessage]:
        """The messages once there are at least ``count`` (fails after ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.messages()
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


@pytest.fixture
def smtp_sink(tmp_path) -> Iterator[SmtpSink]:
    """A fresh SMTP server process on a free loopback port."""
    sink = SmtpSink(free_port(), tmp_path / "maildir", tmp_path / "tempfail").start()
    yield sink
    sink.stop()
