"""Return and warranty requests in the conversation, step by step, with buttons.

The steps live in slots (item, reason, troubleshooting, resolution, confirmation), so
one action resumes wherever the shopper is; every click is a ``start_return`` message
carrying the chosen value as an entity. What comes next is decided by
``comptoir.shop.return_flow`` from the order, the choices and the shop's policy; the
sentences come from ``comptoir.shop.return_wording``. This module only turns the
decision into messages, buttons and slots.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import services
from actions.base import ComptoirAction, Dispatcher, Events
from actions.i18n import agent_button
from actions.live import refreshed
from actions.tasks import (
    DEFECT,
    REQUEST_INTENTS,
    TASK_RETURN,
    TASK_WARRANTY,
    latest_intent,
    named_order,
    typed_task,
    verify_order_first,
)
from comptoir import message_kinds as kinds
from comptoir.settings import get_settings
from comptoir.shop import return_wording as say
from comptoir.shop.models import Order
from comptoir.shop.order_wording import RETURN_NOT_RECORDED
from comptoir.shop.policy import REASONS, ReturnsPolicy, load_policy
from comptoir.shop.return_flow import (
    NextStep,
    ReturnChoices,
    delivered_on,
    next_step,
    recheck,
)
from comptoir.shop.returns import create_return
from comptoir.shop.service import load_order, open_session
from comptoir.shop.verification import was_verified

logger = logging.getLogger(__name__)
# The slots of one request, and the entity each click may carry.
SLOTS = {"sku": "return_sku", "reason": "return_reason", "resolution": "return_resolution"}
STEP_SLOT = "return_step"
ANSWERS = {"affirm": "yes", "deny": "no"}


def reset() -> list[dict[str, Any]]:
    """Forget the request: the next one starts afresh."""
    return [SlotSet(name, None) for name in (*SLOTS.values(), STEP_SLOT)]


def policy_or_apology(dispatcher: CollectingDispatcher, language: str) -> ReturnsPolicy | None:
    """The shop's policy, or a polite apology when the operator's file is broken.

    A typo in ``policy/returns.yml`` must never become a stack trace in the chat, nor a
    decision taken on a half-read rule: no decision at all, and a person to turn to.
    """
    try:
        return load_policy()
    except (OSError, ValueError, yaml.YAMLError):
        logger.exception("the returns policy cannot be read: no return decision is taken")
        dispatcher.utter_message(
            text=say.POLICY_UNAVAILABLE(language), buttons=[agent_button(language)]
        )
        return None


def choices_of(tracker: Tracker) -> ReturnChoices:
    """The choices in the slots, updated by the entity of the click just made.

    Only the flow's own buttons (``/start_return{...}``) carry a choice: a yes or a no
    never changes one, so what the shopper confirms is the summary they were shown,
    not an entity slipped into a forged ``/affirm{...}``.
    """
    intent = latest_intent(tracker)

    def chosen(slot: str) -> str | None:
        clicked = next(tracker.get_latest_entity_values(slot), None)
        return (clicked if intent == "start_return" else None) or tracker.get_slot(slot)

    choices = {field: chosen(slot) for field, slot in SLOTS.items()}
    choices["reason"] = asked_reason(tracker) or choices["reason"]
    return ReturnChoices(**choices, step=tracker.get_slot(STEP_SLOT))


def asked_reason(tracker: Tracker) -> str | None:
    """The reason the shopper's latest return request gives: the one clicked, or a
    defect when they typed the guarantee's name (« faire jouer la garantie »)."""
    intent = latest_intent(tracker)
    clicked = next(tracker.get_latest_entity_values("return_reason"), None)
    if intent == "start_return" and clicked:
        return clicked
    if intent in REQUEST_INTENTS and typed_task(tracker) == TASK_WARRANTY:
        return DEFECT
    return None


def task_of(tracker: Tracker) -> str:
    """The pending task to resume after verification: a warranty claim keeps its reason."""
    return TASK_WARRANTY if asked_reason(tracker) == DEFECT else TASK_RETURN


def find_tip(language: str) -> Callable[[str], str | None]:
    """How to read a troubleshooting article's short answer in the shopper's language."""

    def find(article_id: str) -> str | None:
        index = services.knowledge_service().index
        article = index.by_id.get(article_id)
        article = index.translation(article, language) if article else None
        return article.short_answer if article is not None else None

    return find


def click(payload_slot: str, value: str) -> str:
    """The payload of a button that answers one question of the flow."""
    return f'/start_return{{"{payload_slot}":"{value}"}}'


class ActionReturnFlow(ComptoirAction):
    """Walk the shopper through one return, resuming at the current step."""

    action_name = kinds.ACTION_RETURN_FLOW

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
        """One step, then wait for the shopper.

        The step resets or moves ``return_step``, which the rules that led here were
        conditioned on; without an explicit wait, no rule matches the new state and
        Rasa's fallback would revert the shopper's message, undoing the step.
        """
        number = tracker.get_slot("verified_order")
        if number and not await refreshed(dispatcher, number, language):
            return [*reset(), FollowupAction("action_listen")]
        events = self._step(dispatcher, tracker, language)
        if not any(event.get("event") == "followup" for event in events):
            events.append(FollowupAction("action_listen"))
        return events

    def _step(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
        number = tracker.get_slot("verified_order")
        intent = latest_intent(tracker)
        named = named_order(tracker) if intent in REQUEST_INTENTS else None
        if not number or named not in (None, number):
            # verify the order (the one named, when it is another), then come back here
            return reset() + verify_order_first(dispatcher, language, task_of(tracker))
        policy = policy_or_apology(dispatcher, language)
        if policy is None:
            return reset()
        with open_session(get_settings().shop_db_url) as session:
            order = load_order(session, number)
            if order is None:
                return reset()
            if not was_verified(session, tracker.sender_id, number):  # a slot set otherwise
                forget = [SlotSet("verified_order", None), *reset()]
                return forget + verify_order_first(dispatcher, language, task_of(tracker))
            step = next_step(
                order,
                choices_of(tracker),
                answer=ANSWERS.get(intent),
                policy=policy,
                today=date.today(),
                find_tip=find_tip(language),
            )
            if step.kind == "create":
                return self._create(dispatcher, session, order, step, policy, language, tracker)
            self._say(dispatcher, order, step, policy, language)
        if step.ends_the_request:
            return reset()
        events = [SlotSet(slot, getattr(step.choices, field)) for field, slot in SLOTS.items()]
        if step.waits_at:
            events.append(SlotSet(STEP_SLOT, step.waits_at))
        return events

    @staticmethod
    def _say(
        dispatcher: CollectingDispatcher,
        order: Order,
        step: NextStep,
        policy: ReturnsPolicy,
        language: str,
    ) -> None:
        """Put the decision into words and buttons."""
        if step.kind == "ask_item":
            buttons = [
                {"title": line.name, "payload": click("return_sku", line.sku)}
                for line in order.lines
            ]
            dispatcher.utter_message(text=say.ASK_ITEM(language), buttons=buttons)
        elif step.kind == "ask_reason":
            buttons = [
                {"title": say.REASON_LABELS[r](language), "payload": click("return_reason", r)}
                for r in REASONS
            ]
            dispatcher.utter_message(text=say.ASK_REASON(language), buttons=buttons)
        elif step.kind == "tip":
            dispatcher.utter_message(text=say.TIP(language, tip=step.tip))
            dispatcher.utter_message(
                text=say.TIP_WORKED(language),
                buttons=[
                    {"title": say.TIP_YES(language), "payload": "/affirm"},
                    {"title": say.TIP_NO(language), "payload": "/deny"},
                ],
            )
        elif step.kind == "tip_solved":
            dispatcher.utter_message(text=say.TIP_SOLVED(language))
        elif step.kind == "declined":
            dispatcher.utter_message(text=say.DECLINED(language))
        elif step.kind == "refuse":
            refuse(dispatcher, step, policy, language)
        elif step.kind == "ask_resolution":
            buttons = [
                {
                    "title": say.RESOLUTION_LABELS[r](language),
                    "payload": click("return_resolution", r),
                }
                for r in step.eligibility.resolutions
            ]
            dispatcher.utter_message(text=say.ASK_RESOLUTION(language), buttons=buttons)
        elif step.kind == "summary":
            text = say.summary(
                order_number=order.number,
                item=step.line.name,
                resolution=step.choices.resolution,
                eligibility=step.eligibility,
                delivered_on=delivered_on(order),
                policy=policy,
                language=language,
            )
            buttons = [
                {"title": say.CONFIRM_YES(language), "payload": "/affirm"},
                {"title": say.CONFIRM_NO(language), "payload": "/deny"},
            ]
            dispatcher.utter_message(text=text, buttons=buttons)

    @staticmethod
    def _create(
        dispatcher: CollectingDispatcher,
        session: Session,
        order: Order,
        step: NextStep,
        policy: ReturnsPolicy,
        language: str,
        tracker: Tracker,
    ) -> list[dict[str, Any]]:
        """Record the confirmed return (or give back the item's open one), once the
        database confirms it all: the order proved in this conversation, and the reason,
        item and resolution allowed for it today. Otherwise nothing is written."""
        number = order.number
        session.expire_all()  # read the order again, as it is now
        current = load_order(session, number)
        eligibility = (
            recheck(current, step.choices, policy=policy, today=date.today())
            if current is not None and was_verified(session, tracker.sender_id, number)
            else None
        )
        if eligibility is None:
            logger.warning("return refused on re-check (%s, %s)", tracker.sender_id, number)
            dispatcher.utter_message(
                text=RETURN_NOT_RECORDED(language),
                buttons=[agent_button(language)],
                json_message={"kind": kinds.RETURN_REFUSED, "refusal": "not_offered"},
            )
            return reset()
        record, created = create_return(
            session,
            current,
            sku=step.choices.sku,
            reason=step.choices.reason,
            resolution=step.choices.resolution,
            eligibility=eligibility,
            conversation_id=tracker.sender_id,
        )
        text = (
            say.created(record, policy, language)
            if created
            else say.ALREADY_OPEN(language, number=record.number)
        )
        dispatcher.utter_message(
            text=text,
            json_message={
                "kind": kinds.RETURN_CREATED,
                "return_number": record.number,
                "created": created,
            },
        )
        return reset()


def refuse(
    dispatcher: CollectingDispatcher, step: NextStep, policy: ReturnsPolicy, language: str
) -> None:
    """The refusal, with the guarantee and a person as the ways still open."""
    dispatcher.utter_message(
        text=say.refusal(step.eligibility, policy, language),
        buttons=[
            {"title": say.IT_IS_FAULTY(language), "payload": click("return_reason", "defective")},
            agent_button(language),
        ],
        json_message={"kind": kinds.RETURN_REFUSED, "refusal": step.eligibility.refusal},
    )
