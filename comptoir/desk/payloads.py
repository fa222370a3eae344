"""What the desk keeps, shows and relays of a shopper's message, decided before storing.

Two things a shopper sends could be believed too easily:

- A text starting with ``/`` is read by Rasa as an intent with entities
  (``/affirm{"return_resolution":"refund"}``). The widget sends such texts for the
  buttons the bot offers, so the desk accepts one only when it is a payload of the
  buttons of the bot's last turn (or the widget's own « Parler à un conseiller »,
  always in its bar). Any other text starting with ``/`` is words: its leading
  slashes are removed before it reaches Rasa, which then classifies it like any
  sentence. The shopper's history keeps what they typed.
- ``label`` is the title of the button the shopper clicked, shown instead of its
  payload. It is kept only when it is the title of an offered button with that
  payload; otherwise the real text is shown.

Everything else is payment details to mask (``comptoir.redaction``) before the text is
stored, relayed, published, summarised or sent to a webhook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from comptoir.desk.api_models import IncomingMessage
from comptoir.desk.store import StoredMessage
from comptoir.redaction import redact

INTENT_PREFIX = "/"
ALWAYS_OFFERED = {"/request_human": ("Parler à un conseiller", "Talk to an agent")}
"""The widget's own buttons, in its bar at all times: payload -> titles (fr, en)."""
TURN_LOOKBACK = 20
"""How many of the latest messages are read to find the bot's last turn."""


@dataclass(frozen=True)
class Screened:
    """A shopper's message as the desk may keep it and relay it."""

    text: str
    """Stored, shown, published and summarised (payment details masked)."""
    for_bot: str
    """What Rasa gets: an offered payload as it is, anything else as words."""
    label: str | None = None
    masked: set[str] = field(default_factory=set)
    """Kinds of payment detail taken out (the shopper is told)."""


class History(Protocol):
    """What screening needs of the ``ConversationStore``."""

    async def latest(self, conversation_id: str, limit: int) -> list[StoredMessage]: ...


def offered_buttons(latest: Sequence[StoredMessage]) -> list[dict[str, str]]:
    """The buttons of the bot's last turn, from the latest messages (newest first).

    The turn is the bot messages since the last shopper message that was delivered
    (one that failed to reach a bot that was down does not end it); an agent's
    message ends it too.
    """
    buttons: list[dict[str, str]] = []
    for message in latest:
        if message.sender == "shopper" and not message.delivered:
            continue
        if message.sender != "bot":
            break
        buttons.extend(message.buttons)
    return buttons


def neutralise(text: str) -> str:
    """Words Rasa will not parse as ``/intent{entities}``: Rasa strips the text and
    looks for a leading ``/``, so leading slashes (and the spaces between) go."""
    words = text.strip()
    while words.startswith(INTENT_PREFIX):
        words = words[len(INTENT_PREFIX) :].strip()
    return words or "?"


def titles_for(text: str, offered: Sequence[dict[str, str]]) -> list[str] | None:
    """The titles of the offered buttons whose payload is ``text`` (``None``: not offered)."""
    titles = [b["title"] for b in offered if b.get("payload") == text]
    if text in ALWAYS_OFFERED:
        titles.extend(ALWAYS_OFFERED[text])
    return titles or None


async def screen(
    store: History, conversation_id: str, incoming: IncomingMessage, language: str, *, new: bool
) -> Screened:
    """Decide what to keep and relay of ``incoming`` (``new``: first message)."""
    text = incoming.text
    offered: list[dict[str, str]] = []
    if not new and (text.startswith(INTENT_PREFIX) or incoming.label is not None):
        offered = offered_buttons(await store.latest(conversation_id, TURN_LOOKBACK))
    titles = titles_for(text, offered)
    if titles is not None:
        label = incoming.label if incoming.label in titles else None
        return Screened(text, text, label)
    redacted = redact(text, language)
    as_words = redacted.text.lstrip().startswith(INTENT_PREFIX)
    for_bot = neutralise(redacted.text) if as_words else redacted.text
    return Screened(redacted.text, for_bot, None, set(redacted.found))
