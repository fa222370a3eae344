"""Answer shoppers' questions from the knowledge base (``faq`` and ``nlu_fallback``).

Three outcomes, decided by calibrated thresholds: a confident answer (with its source
and a 👍/👎 prompt), a "did you mean" with up to three articles, or an honest "I don't
know", which on the second miss in a row offers a person.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.base import ComptoirAction, Dispatcher, Events
from actions.i18n import NO_THANKS
from comptoir import message_kinds as kinds
from comptoir.i18n import Bilingual
from comptoir.kb.articles import Article

log = logging.getLogger(__name__)

SOURCE = Bilingual("Source : {title}", "Source: {title}")
HELPFUL = Bilingual("Utile ?", "Helpful?")
DID_YOU_MEAN = Bilingual("Vouliez-vous dire… ?", "Did you mean…?")
NO_ANSWER = Bilingual(
    "Je n'ai pas de réponse sûre à cette question. Pourriez-vous la reformuler, "
    "par exemple avec d'autres mots ?",
    "I don't have a reliable answer to that. Could you rephrase it in other words?",
)
OFFER_HUMAN = Bilingual(
    "Je ne trouve toujours pas de réponse, désolé. Voulez-vous que je vous mette en "
    "relation avec un conseiller ?",
    "I still can't find an answer, sorry. Would you like me to put you in touch with an agent?",
)
YES_AN_AGENT = Bilingual("Oui, un conseiller", "Yes, an agent")


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
        if chosen_id and chosen_id in index.by_id:
            article = index.translation(index.by_id[chosen_id], language) or index.by_id[chosen_id]
            return self._answer(dispatcher, article, question, language)

        result = service.search(question, language)
        if result.decision == "answer" and result.answer is not None:
            return self._answer(dispatcher, result.answer, question, language)
        self._record_miss(question, language, result.decision, tracker.sender_id)
        if result.decision == "clarify":
            buttons = [
                {"title": c.article.title, "payload": f'/faq{{"kb_article":"{c.article.id}"}}'}
                for c in result.candidates[:3]
            ]
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
            json_message={"kind": kinds.KNOWLEDGE_MISS, "offer_human": False, "language": language},
        )
        return [SlotSet("kb_misses", float(misses))]

    @staticmethod
    def _answer(
        dispatcher: CollectingDispatcher, article: Article, question: str, language: str
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text=_answer_text(article, language),
            json_message={
                "kind": kinds.KNOWLEDGE_ANSWER,
                "language": language,
                "article_id": article.id,
                "question": question[:500],
                "feedback": {"prompt": HELPFUL(language), "choices": ["up", "down"]},
            },
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
