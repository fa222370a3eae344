"""The names the action server and the desk agree on, in one place.

An action tags what it says with a ``kind`` in its ``json_message`` (the REST channel
hands it to the desk as the message's ``custom``); the desk and the widget act on some
of those kinds (a ``handoff`` opens a ticket, an ``order_status`` marks the customer
verified, a ``knowledge_answer`` gets 👍/👎). Spelling them once here keeps the two
sides from drifting apart. This module is the ground floor: it imports nothing from
``comptoir`` so that ``actions`` can use it without importing the desk, and the desk
without importing the actions.
"""

from __future__ import annotations

from typing import Final

# --- message kinds (``custom["kind"]`` of a bot message) -------------------------------

HANDOFF: Final = "handoff"
"""The bot hands the conversation to a person: the desk opens a ticket and pauses Rasa."""

ORDER_STATUS: Final = "order_status"
"""An order was verified and described: the ticket summary shows the shopper as verified."""

VERIFICATION_LOCKED: Final = "verification_locked"
"""Too many wrong order checks: a person is offered."""

ORDER_LOOKUP_UNAVAILABLE: Final = "order_lookup_unavailable"
"""The shop's platform could not be asked about the order (down, slow, key refused)."""

KNOWLEDGE_ANSWER: Final = "knowledge_answer"
"""An answer from an article: the widget shows 👍/👎, the desk accepts feedback on it."""

KNOWLEDGE_MISS: Final = "knowledge_miss"
"""No article matched well enough (after two, a person is offered)."""

KNOWLEDGE_CLARIFY: Final = "knowledge_clarify"
"""Several articles matched: the bot asks which one was meant."""

RETURN_CREATED: Final = "return_created"
"""A return or warranty request was recorded."""

RETURN_REFUSED: Final = "return_refused"
"""The policy refused a return: a person is offered for an exception."""

REFUND_OVERDUE: Final = "refund_overdue"
"""A refund is late: a person is offered, with high priority."""

# --- handoff reasons (``custom["reason"]`` of a ``handoff`` message, ticket reason) -----

REASON_SHOPPER_REQUEST: Final = "shopper_request"
"""The shopper simply asked for a person (also the desk's default)."""

REASON_PARCEL_INQUIRY: Final = "parcel_inquiry"
REASON_RETURN_EXCEPTION: Final = "return_exception"
REASON_REFUND_OVERDUE: Final = "refund_overdue"
REASON_VERIFICATION_LOCKED: Final = "verification_locked"
REASON_KNOWLEDGE_MISS: Final = "knowledge_miss"

# --- business steps (action names the desk records as a conversation's path) -----------

ACTION_ANSWER_KNOWLEDGE: Final = "action_answer_knowledge"
ACTION_ORDER_STATUS_START: Final = "action_order_status_start"
ORDER_STATUS_FORM: Final = "order_status_form"
ACTION_ORDER_STATUS_ANSWER: Final = "action_order_status_answer"
ACTION_RETURN_FLOW: Final = "action_return_flow"
ACTION_RETURN_STATUS: Final = "action_return_status"
ACTION_HUMAN_HANDOFF: Final = "action_human_handoff"

BUSINESS_STEPS: Final = frozenset(
    {
        ACTION_ANSWER_KNOWLEDGE,
        ACTION_ORDER_STATUS_START,
        ORDER_STATUS_FORM,
        ACTION_ORDER_STATUS_ANSWER,
        ACTION_RETURN_FLOW,
        ACTION_RETURN_STATUS,
        ACTION_HUMAN_HANDOFF,
    }
)
"""The steps that say what a conversation was about (kept in the ticket's path)."""
