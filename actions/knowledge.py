"""Answer shoppers' questions from the knowledge base (``faq`` and ``nlu_fallback``).

Three outcomes, decided by calibrated thresholds: a confident answer (with its source
and a 👍/👎 prompt), a "did you mean" with up to three articles, or an honest "I don't
know". An answer about returns, the warranty or following an order offers to start it
as a button (``comptoir.kb.offers`` decides which, from the article); every "I don't
know" has a button to reach a person, and the second miss in a row asks outright.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.base import ComptoirAction, Dispatcher, Events
from actions.i18n import NO_THANKS, agent_button
from actions.tasks import WARRANTY_CLAIM
from comptoir import message_kinds as kinds
from comptoir.i18n import Bilingual
from comptoir.kb.articles import Article
from comptoir.kb.offers import LABELS, Offer, offer_for

log = logging.getLogger(__name__)

SOURCE = Bilingual("Source : {title}", "Source: {title}")
HELPFUL = Bilingual("Utile ?", "Helpful?")
DID_YOU_MEAN = Bilingual("Vouliez-vous dire… ?", "Did you mean…?")
NO_ANSWER = Bilingual(
    "Je n'ai pas de réponse sûre à cette question, et je préfère ne pas deviner. Vous "
    "pouvez la reformuler avec d'autres mots, ou poser la question à un conseiller.",
    "I don't have a reliable answer to that, and I'd rather not guess. You can rephrase "
    "it in other words, or ask one of our agents.",
)
OFFER_HUMAN = Bilingual(
    "Je ne trouve toujours pas de réponse, désolé. Voulez-vous que je vous mette en "
    "relation avec un conseiller ?",
    "I still can't find an answer, sorry. Would you like me to put you in touch with an agent?",
)
YES_AN_AGENT = Bilingual("Oui, un conseiller", "Yes, an agent")
# The message each offered button sends: the flow it starts (see bot/data/rules).
OFFER_PAYLOADS: dict[Offer, str] = {
    "return": "/start_return",
    "warranty": WARRANTY_CLAIM,
    "order_status": "/order_status",
}


def offer_button(offer: Offer, language: str) -> dict[str, str]:
    """The button that starts what an article is about."""
    return {"title": LABELS[offer](language), "payload": OFFER_PAYLOADS[offer]}


def _answer_text(article: Article, language: str) -> str:
    return f"{article.short_answer}\n\n{SOURCE(language, title=article.title)}"


class ActionAnswerKnowledge(ComptoirAction):
    """Search the articles and answer, clarify or admit the miss."""

    action_name = kinds.ACTION_ANSWER_KNOWLEDGE

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, language: str) -> Events:
        service = services.knowledge_service()
        question = (tracker.latest_message or {}).get("text") or ""
        chosen_id = next(tracker.get_latest_entity_values("kb_article"), None)
        index = service.index
        # In the middle of the order form, the form resumes after the answer: no new flow.
        offers = not (tracker.active_loop or {}).get("name")
        if chosen_id and chosen_id in index.by_id:
            article = index.translation(index.by_id[chosen_id], language) or index.by_id[chosen_id]
            return self._answer(dispatcher, article, question, language, offers=offers)

        result = service.search(question, language)
        if result.decision == "answer" and result.answer is not None:
            return self._answer(dispatcher, result.answer, question, language, offers=offers)
        self._record_miss(question, language, result.decision, tracker.sender_id)
        if result.decision == "clarify":
            buttons = [
                {"title": c.article.title, "payload": f'/faq{{"kb_article":"{c.article.id}"}}'}
                for c in result.candidates[:3]
            ]
            # None of them may be it: the way to a person is always one click away.
            buttons.append(agent_button(language))
            dispatcher.utter_message(
                text=DID_YOU_MEAN(language),
                buttons=buttons,
                json_message={"kind": kinds.KNOWLEDGE_CLARIFY, "language": language},
            )
            return []
        misses = int(tracker.get_slot("kb_misses") or 0) + 1
        if misses >= 2:
            dispatcher.utter_message(
                text=OFFER_HUMAN(language),
                buttons=[
                    {"title": YES_AN_AGENT(language), "payload": "/affirm"},
                    {"title": NO_THANKS(language), "payload": "/deny"},
                ],
                json_message={
                    "kind": kinds.KNOWLEDGE_MISS,
                    "offer_human": True,
                    "language": language,
                },
            )
            return [SlotSet("kb_misses", float(misses)), SlotSet("kb_offer_human", True)]
        dispatcher.utter_message(
            text=NO_ANSWER(language),
            buttons=[agent_button(language)],
            json_message={"kind": kinds.KNOWLEDGE_MISS, "offer_human": False, "language": language},
        )
        return [SlotSet("kb_misses", float(misses))]

    @staticmethod
    def _answer(
        dispatcher: CollectingDispatcher,
        article: Article,
        question: str,
        language: str,
        *,
        offers: bool = True,
    ) -> list[dict[str, Any]]:
        offer = offer_for(article) if offers else None
        custom = {
            "kind": kinds.KNOWLEDGE_ANSWER,
            "language": language,
            "article_id": article.id,
            # What the article is about (its folder, its tags): the desk adds the shop's
            # notice on that topic after the answer (comptoir/desk/shop_notices.py).
            "article_section": article.path.parent.name,
            "article_tags": list(article.tags),
            "question": question[:500],
            "feedback": {"prompt": HELPFUL(language), "choices": ["up", "down"]},
        }
        if offer is not None:
            custom["offer"] = offer
        dispatcher.utter_message(
            text=_answer_text(article, language),
            buttons=[offer_button(offer, language)] if offer else [],
            json_message=custom,
        )
        return [SlotSet("kb_misses", 0.0), SlotSet("kb_offer_human", False)]

    @staticmethod
    def _record_miss(question: str, language: str, decision: str, conversation_id: str) -> None:
        try:
            services.miss_log().record(question, language, decision, conversation_id)
        except Exception:  # the shopper's answer matters more than the editors' log
            log.exception("could not record a knowledge miss")


try:  # build the index when the action server starts, not on the first question
    services.knowledge_service()
except Exception:
    log.exception("knowledge base could not be loaded at start; will retry on first question")
