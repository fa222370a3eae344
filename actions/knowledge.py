"""Answer shoppers' questions from the knowledge base (``faq`` and ``nlu_fallback``).

Three outcomes, decided by calibrated thresholds: a confident answer (with its source
and a 👍/👎 prompt), a "did you mean" with up to three articles, or an honest "I don't
know", which on the second miss in a row offers a person.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.i18n import language_of
from comptoir.kb.articles import Article
from comptoir.kb.misses import MissLog
from comptoir.kb.service import KnowledgeService
from comptoir.settings import get_settings

log = logging.getLogger(__name__)

TEXT = {
    "source": {"fr": "Source : {title}", "en": "Source: {title}"},
    "useful": {"fr": "Utile ?", "en": "Helpful?"},
    "clarify": {"fr": "Vouliez-vous dire… ?", "en": "Did you mean…?"},
    "none": {
        "fr": (
            "Je n'ai pas de réponse sûre à cette question. Pourriez-vous la reformuler, "
            "par exemple avec d'autres mots ?"
        ),
        "en": "I don't have a reliable answer to that. Could you rephrase it in other words?",
    },
    "offer_human": {
        "fr": (
            "Je ne trouve toujours pas de réponse, désolé. Voulez-vous que je vous mette en "
            "relation avec un conseiller ?"
        ),
        "en": "I still can't find an answer, sorry. Would you like me to put you in touch "
        "with an agent?",
    },
    "yes": {"fr": "Oui, un conseiller", "en": "Yes, an agent"},
    "no": {"fr": "Non merci", "en": "No thanks"},
}

_service: KnowledgeService | None = None
_misses: MissLog | None = None


def knowledge_service() -> KnowledgeService:
    """The action server's knowledge base, built once and then watched for edits."""
    global _service
    if _service is None:
        _service = KnowledgeService.from_settings(get_settings())
        _service.start_watching()
    return _service


def miss_log() -> MissLog:
    """Where unanswered questions go for editors."""
    global _misses
    if _misses is None:
        _misses = MissLog(get_settings().kb_log_url)
    return _misses


def _answer_text(article: Article, language: str) -> str:
    source = TEXT["source"][language].format(title=article.title)
    return f"{article.short_answer}\n\n{source}"


class ActionAnswerKnowledge(Action):
    """Search the articles and answer, clarify or admit the miss."""

    def name(self) -> str:
        return "action_answer_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        service = knowledge_service()
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
                text=TEXT["clarify"][language],
                buttons=buttons,
                json_message={"kind": "knowledge_clarify", "language": language},
            )
            return []
        misses = int(tracker.get_slot("kb_misses") or 0) + 1
        if misses >= 2:
            dispatcher.utter_message(
                text=TEXT["offer_human"][language],
                buttons=[
                    {"title": TEXT["yes"][language], "payload": "/affirm"},
                    {"title": TEXT["no"][language], "payload": "/deny"},
                ],
                json_message={"kind": "knowledge_miss", "offer_human": True, "language": language},
            )
            return [SlotSet("kb_misses", float(misses)), SlotSet("kb_offer_human", True)]
        dispatcher.utter_message(
            text=TEXT["none"][language],
            json_message={"kind": "knowledge_miss", "offer_human": False, "language": language},
        )
        return [SlotSet("kb_misses", float(misses))]

    @staticmethod
    def _answer(
        dispatcher: CollectingDispatcher, article: Article, question: str, language: str
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text=_answer_text(article, language),
            json_message={
                "kind": "knowledge_answer",
                "language": language,
                "article_id": article.id,
                "question": question[:500],
                "feedback": {"prompt": TEXT["useful"][language], "choices": ["up", "down"]},
            },
        )
        return [SlotSet("kb_misses", 0.0), SlotSet("kb_offer_human", False)]

    @staticmethod
    def _record_miss(question: str, language: str, decision: str, conversation_id: str) -> None:
        try:
            miss_log().record(question, language, decision, conversation_id)
        except Exception:  # the shopper's answer matters more than the editors' log
            log.exception("could not record a knowledge miss")


try:  # build the index when the action server starts, not on the first question
    knowledge_service()
except Exception:
    log.exception("knowledge base could not be loaded at start; will retry on first question")
