"""Run custom actions the way the action server does, on recorded trackers.

As in RasaHQ's rasa-demo and financial-demo: a tracker dump (``tests/fixtures/trackers``)
becomes a ``rasa_sdk.Tracker``, the action's ``run()`` speaks into a
``CollectingDispatcher``, and the test reads what the shopper would see (texts, buttons,
the ``custom`` payload) and what the conversation remembers (slots, follow-up actions).
The shop is a real SQLite database with the demo orders, seeded in ``tmp_path``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from comptoir.settings import get_settings
from comptoir.shop.demo import seed

ROOT = Path(__file__).resolve().parents[3]
TRACKERS = ROOT / "tests" / "fixtures" / "trackers"
DOMAIN = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))


@dataclass
class Outcome:
    """What one action run did."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    texts: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.texts = [m.get("text") or "" for m in self.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self) -> dict[str, str]:
        """Every button offered: title -> payload."""
        return {b["title"]: b["payload"] for m in self.messages for b in m.get("buttons", [])}

    @property
    def slots(self) -> dict[str, Any]:
        """The slots the action set (the last value of each)."""
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    @property
    def followups(self) -> list[str]:
        return [e["name"] for e in self.events if e.get("event") == "followup"]

    @property
    def customs(self) -> list[dict[str, Any]]:
        return [m["custom"] for m in self.messages if m.get("custom")]


def load_tracker(name: str, **slots: Any) -> Tracker:
    """A tracker from its JSON dump, with some slots changed."""
    state = json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8"))
    state["slots"] = {**state.get("slots", {}), **slots}
    return Tracker.from_dict(state)


def proved(tracker: Tracker) -> Tracker:
    """Record in the shop database that the tracker's conversation proved its
    ``verified_order`` (the actions check the database, not only the slot)."""
    from comptoir.shop.service import open_session
    from comptoir.shop.verification import Requester, record_signed_in

    with open_session(get_settings().shop_db_url) as session:
        record_signed_in(session, Requester(tracker.sender_id), tracker.get_slot("verified_order"))
    return tracker


async def run_action(action: Action, tracker: Tracker) -> Outcome:
    """Run the action as the action server would, with the bot's real domain."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return Outcome(dispatcher.messages, events)


def knowledge_base(articles: dict[str, str]) -> SimpleNamespace:
    """A stand-in for the knowledge service: article id -> short answer (same in English)."""
    by_id = {key: SimpleNamespace(short_answer=text) for key, text in articles.items()}
    index = SimpleNamespace(by_id=by_id, translation=lambda article, language: article)
    return SimpleNamespace(index=index)


@pytest.fixture(autouse=True)
def no_knowledge_base(monkeypatch: pytest.MonkeyPatch) -> None:
    """Action tests never build the real index (a test gives its own articles)."""
    monkeypatch.setattr(services, "knowledge_service", lambda: knowledge_base({}))


@pytest.fixture
def shop_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A shop database with the demo orders, and settings that point at it."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    seed(url)
    monkeypatch.setenv("COMPTOIR_SHOP_DATABASE_URL", url)
    monkeypatch.setenv("COMPTOIR_RUN_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
