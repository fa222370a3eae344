"""Knowledge answers that offer the matching action, and misses that offer a person.

The knowledge service is a stand-in returning a chosen decision, so each test reads
what the shopper would see for one kind of article, whatever the ranking does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

from actions import services
from actions.knowledge import ActionAnswerKnowledge
from comptoir.desk.shop_notices import answer_topics
from comptoir.kb.articles import Article, split_sections
from tests.unit.actions.conftest import load_tracker, run_action


def article(
    article_id: str,
    title: str,
    body: str = "La réponse courte.",
    lang: str = "fr",
    tags: tuple[str, ...] = (),
    offer: str | None = None,
) -> Article:
    return Article(
        id=article_id,
        title=title,
        lang=lang,
        body=body,
        path=Path(f"{article_id}.md"),
        tags=tags,
        sections=split_sections(body),
        offer=offer,
    )


RETURN = article(
    "retour-procedure",
    "Comment retourner un article",
    "Déclarez le retour depuis votre compte.\n\n## Sans imprimante\nLe code suffit.",
    tags=("retour", "etiquette"),
)
WARRANTY = article("warranty-claim", "Making a warranty claim", "Tell us what is wrong.", lang="en")
TRACKING = article("suivi-colis", "Suivre mon colis", "Le lien est dans l'e-mail d'expédition.")
SHIPPING = article(
    "livraison-frais",
    "Frais de livraison et livraison gratuite",
    "Offerte dès 60 €.\n\n## Comment le seuil est-il calculé ?\nAprès les remises.",
    tags=("livraison", "frais"),
)


class Misses:
    def __init__(self) -> None:
        self.recorded: list[tuple] = []

    def record(self, *args) -> None:
        self.recorded.append(args)


@pytest.fixture
def knowledge(monkeypatch: pytest.MonkeyPatch):
    """A knowledge service whose next search gives ``state.result``."""
    articles = {a.id: a for a in (RETURN, WARRANTY, TRACKING, SHIPPING)}
    state = SimpleNamespace(result=None, misses=Misses())
    index = SimpleNamespace(by_id=articles, translation=lambda found, language: found)
    service = SimpleNamespace(index=index, search=lambda question, language: state.result)
    monkeypatch.setattr(services, "knowledge_service", lambda: service)
    monkeypatch.setattr(services, "miss_log", lambda: state.misses)
    return state


def answering(found: Article) -> SimpleNamespace:
    return SimpleNamespace(decision="answer", answer=found, candidates=[])


NOTHING = SimpleNamespace(decision="none", answer=None, candidates=[])


async def test_a_return_article_offers_to_start_a_return(knowledge):
    knowledge.result = answering(RETURN)
    outcome = await run_action(ActionAnswerKnowledge(), load_tracker("knowledge_question"))
    assert outcome.texts == [
        "Déclarez le retour depuis votre compte.\n\nSource : Comment retourner un article"
    ]
    assert outcome.buttons == {"Démarrer un retour": "/start_return"}
    assert outcome.customs[0]["kind"] == "knowledge_answer"
    assert outcome.customs[0]["offer"] == "return"


async def test_a_warranty_article_offers_a_claim_in_english(knowledge):
    knowledge.result = answering(WARRANTY)
    tracker = load_tracker("knowledge_question", language="en")
    outcome = await run_action(ActionAnswerKnowledge(), tracker)
    # the same flow as a return, with the defect as its reason
    assert outcome.buttons == {
        "Make a warranty claim": '/start_return{"return_reason":"defective"}'
    }


async def test_a_tracking_article_offers_to_follow_the_order(knowledge):
    knowledge.result = answering(TRACKING)
    outcome = await run_action(ActionAnswerKnowledge(), load_tracker("knowledge_question"))
    assert outcome.buttons == {"Suivre ma commande": "/order_status"}


async def test_a_delivery_cost_article_offers_nothing(knowledge):
    knowledge.result = answering(SHIPPING)
    outcome = await run_action(ActionAnswerKnowledge(), load_tracker("knowledge_question"))
    assert outcome.buttons == {}
    assert "offer" not in outcome.customs[0]


async def test_the_answer_says_what_its_article_is_about(knowledge):
    # The desk adds the shop's delivery notice after a delivery answer: it reads the
    # article's folder and tags from the message, the action knows them.
    filed = dataclasses.replace(SHIPPING, path=Path("knowledge/fr/livraison/livraison-frais.md"))
    knowledge.result = answering(filed)
    outcome = await run_action(ActionAnswerKnowledge(), load_tracker("knowledge_question"))
    custom = outcome.customs[0]
    assert custom["article_section"] == "livraison"
    assert custom["article_tags"] == ["livraison", "frais"]
    assert answer_topics(custom) == {"delivery"}
    knowledge.result = answering(RETURN)
    outcome = await run_action(ActionAnswerKnowledge(), load_tracker("knowledge_question"))
    assert answer_topics(outcome.customs[0]) == {"returns"}


async def test_the_editors_offer_wins_over_the_inferred_one(knowledge):
    knowledge.result = answering(article("r", "Comment retourner un article", offer="none"))
    outcome = await run_action(ActionAnswerKnowledge(), load_tracker("knowledge_question"))
    assert outcome.buttons == {}
    knowledge.result = answering(article("a", "Absent lors du passage", offer="order_status"))
    outcome = await run_action(ActionAnswerKnowledge(), load_tracker("knowledge_question"))
    assert outcome.buttons == {"Suivre ma commande": "/order_status"}


async def test_an_article_chosen_from_did_you_mean_offers_its_action_too(knowledge):
    tracker = load_tracker("knowledge_question")
    tracker.latest_message["text"] = '/faq{"kb_article":"retour-procedure"}'
    tracker.latest_message["entities"] = [{"entity": "kb_article", "value": "retour-procedure"}]
    outcome = await run_action(ActionAnswerKnowledge(), tracker)
    assert outcome.buttons == {"Démarrer un retour": "/start_return"}


async def test_no_new_flow_is_offered_in_the_middle_of_the_order_form(knowledge):
    knowledge.result = answering(RETURN)
    tracker = load_tracker("knowledge_question")
    tracker.active_loop = {"name": "order_status_form"}
    outcome = await run_action(ActionAnswerKnowledge(), tracker)
    assert outcome.buttons == {}  # the form asks its question again right after


async def test_the_first_miss_is_honest_and_offers_a_person(knowledge):
    knowledge.result = NOTHING
    outcome = await run_action(ActionAnswerKnowledge(), load_tracker("knowledge_question"))
    (text,) = outcome.texts
    assert "Je n'ai pas de réponse sûre" in text and "conseiller" in text
    # the handoff rules take this payload, and the desk always accepts it
    assert outcome.buttons == {"Parler à un conseiller": "/request_human"}
    assert outcome.customs == [{"kind": "knowledge_miss", "offer_human": False, "language": "fr"}]
    assert outcome.slots == {"kb_misses": 1.0}
    assert len(knowledge.misses.recorded) == 1


async def test_the_second_miss_asks_outright(knowledge):
    knowledge.result = NOTHING
    tracker = load_tracker("knowledge_question", kb_misses=1.0, language="en")
    outcome = await run_action(ActionAnswerKnowledge(), tracker)
    assert outcome.buttons == {"Yes, an agent": "/affirm", "No thanks": "/deny"}
    assert outcome.slots == {"kb_misses": 2.0, "kb_offer_human": True}
