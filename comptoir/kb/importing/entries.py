"""What every reader produces and what can go wrong with it, shared by all the steps.

The readers (CSV, HTML) know nothing about articles and the writer nothing about file
formats: they meet on ``FaqEntry``. Each entry keeps where it came from, because the
person importing a FAQ of 400 questions must be able to find the one that was skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

# Limits on the whole input: a FAQ is a few hundred questions, not a database dump.
# Checked before anything is parsed, so a wrong file (a video, a full site backup)
# fails at once instead of eating memory.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 2000
# Limits on one entry: past these it is not a FAQ answer the bot can show in a chat
# bubble, it is a page pasted by mistake.
MAX_QUESTION_CHARS = 300
MAX_ANSWER_CHARS = 20_000


@dataclass(frozen=True)
class FaqEntry:
    """One question and its answer, as read from the source file.

    ``answer`` is already markdown (HTML answers are converted by the reader), and
    ``location`` is how a person finds the entry again: "CSV line 12", "HTML entry 4".
    """

    question: str
    answer: str
    location: str
    category: str | None = None


@dataclass(frozen=True)
class Skipped:
    """An entry left out, with the reason written for the person who runs the import."""

    location: str
    reason: str

    def __str__(self) -> str:
        """ "CSV line 12: the answer is empty." as printed in the report."""
        return f"{self.location}: {self.reason}"


class ImportRefused(Exception):
    """The input as a whole cannot be imported (too big, not a FAQ file, unreadable).

    Raised before anything is written; the command line prints the message and exits 2.
    The message is a full sentence meant for a shop owner, not a developer.
    """


class ImportFailed(Exception):
    """Writing the articles failed part-way; what had been written was removed.

    The folder is as it was before the import; the message says what went wrong.
    """
