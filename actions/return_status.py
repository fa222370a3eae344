"""Where the shopper's returns stand: each step with its date, and the refund promise.

A refund later than the policy promises is apologised for and handed to a person with
priority (the ``refund_overdue`` kind makes the handoff urgent).
"""

from __future__ import annotations

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction

from actions.base import ComptoirAction, Dispatcher, Events
from actions.i18n import agent_button
from actions.returns import policy_or_apology
from actions.tasks import TASK_RETURN_STATUS, handed_over_from_status, verify_order_first
from comptoir import message_kinds as kinds
from comptoir.settings import get_settings
from comptoir.shop import return_wording as say
from comptoir.shop.returns import refund_due, refund_overdue, returns_of
from comptoir.shop.service import open_session
from comptoir.shop.verification import was_verified


class ActionReturnStatus(ComptoirAction):
    """Where each return of the verified order stands; an overdue refund goes to a person."""

    action_name = kinds.ACTION_RETURN_STATUS

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
        if handed_over_from_status(tracker):  # a new request, not a status question
            return [FollowupAction(kinds.ACTION_RETURN_FLOW)]
        number = tracker.get_slot("verified_order")
        if not number:
            return verify_order_first(dispatcher, language, TASK_RETURN_STATUS)
        policy = policy_or_apology(dispatcher, language)
        if policy is None:
            return []
        today = date.today()
        with open_session(get_settings().shop_db_url) as session:
            if not was_verified(session, tracker.sender_id, number):  # a slot set otherwise
                return verify_order_first(dispatcher, language, TASK_RETURN_STATUS)
            records = returns_of(session, number)
            if not records:
                dispatcher.utter_message(text=say.NO_RETURN(language, order=number))
                return []
            for record in records:
                text = say.progress(record, refund_due(policy, record), language)
                dispatcher.utter_message(text=text)
            overdue = any(refund_overdue(policy, record, today) for record in records)
        if overdue:
            dispatcher.utter_message(
                text=say.REFUND_OVERDUE(language),
                buttons=[agent_button(language)],
                json_message={"kind": kinds.REFUND_OVERDUE, "priority": True},
            )
        return []
