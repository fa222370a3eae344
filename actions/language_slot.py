"""Keep the ``language`` slot right on every shopper message.

Rasa runs ``action_validate_slot_mappings`` after each user message for slots with a
custom mapping, so the slot is set before any response is chosen: the domain's
responses then pick their French or English variation from it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from comptoir.language import SUPPORTED, choose_language


class ValidateSlotMappings(ValidationAction):
    """Fills the custom-mapped slots outside forms (here: ``language``)."""

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The desk sends the language it resolved; fall back to the message's words."""
        message = tracker.latest_message or {}
        metadata = message.get("metadata") or {}
        requested = metadata.get("lang")
        if requested in SUPPORTED:
            return {"language": requested}
        current = tracker.get_slot("language")
        return {"language": choose_language(message.get("text") or "", None, current)}
