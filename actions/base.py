"""What every Comptoir action shares: a name declared once, the language at hand.

rasa-sdk asks each action for ``name()`` and calls ``run(dispatcher, tracker,
domain)``; every one of ours then starts by reading the conversation's language.
Saying that once here keeps each action down to its dialogue. The class is abstract,
so rasa-sdk's registry (which skips abstract classes) never serves it as an action.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher as Dispatcher
from rasa_sdk.types import DomainDict

from actions.i18n import language_of

Events = list[dict[str, Any]]

__all__ = ["ComptoirAction", "Dispatcher", "Events"]


class ComptoirAction(Action, metaclass=ABCMeta):
    """An action of ours: set ``action_name`` and write ``respond``."""

    action_name: ClassVar[str]

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        return await self.respond(dispatcher, tracker, language_of(tracker))

    @abstractmethod
    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
        """The action's turn, in the conversation's language."""
