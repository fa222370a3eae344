"""A vague question gets a "did you mean" with the articles as buttons, and a click on
one of them answers from that article (issue 13)."""

from __future__ import annotations


def _clarify(messages: list[dict]) -> dict:
    return next(m for m in messages if m["custom"].get("kind") == "knowledge_clarify")


def test_vague_question_offers_at_most_three_articles_by_title(chat):
    clarify = _clarify(chat.say("c'est combien la livraison"))
    assert clarify["text"].startswith("Vouliez-vous dire")
    titles = [b["title"] for b in clarify["buttons"] if b["payload"].startswith("/faq")]
    assert 2 <= len(titles) <= 3
    offered = [b["payload"] for b in clarify["buttons"]]
    assert any('"livraison-frais"' in p for p in offered)
    assert any(t.startswith("Frais de livraison") for t in titles)
    assert all(not t.startswith("livraison-") for t in titles), "titles, not article ids"
    assert clarify["buttons"][-1]["payload"] == "/request_human", "a person is one click away"


def test_clicking_a_suggestion_answers_from_that_article(chat):
    clarify = _clarify(chat.say("c'est combien la livraison"))
    button = next(b for b in clarify["buttons"] if '"livraison-frais"' in b["payload"])
    messages = chat.say(button["payload"])
    answer = next(m for m in messages if m["custom"].get("kind") == "knowledge_answer")
    assert answer["custom"]["article_id"] == "livraison-frais"
    assert "Frais de livraison" in answer["text"]  # the source line names the article


def test_english_shopper_gets_english_titles(chat_factory):
    chat = chat_factory(lang="en")
    clarify = _clarify(chat.say("how much is delivery"))
    assert clarify["text"].startswith("Did you mean")
    titles = [b["title"] for b in clarify["buttons"] if b["payload"].startswith("/faq")]
    assert titles and all(t.isascii() for t in titles)


def test_a_suggestion_never_offered_is_refused(chat):
    chat.say("c'est combien la livraison")
    response = chat.client.post(
        f"/api/conversations/{chat.id}/messages",
        json={"text": '/faq{"kb_article":"carte-cadeau"}'},
    )
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        kinds = [m["custom"].get("kind") for m in response.json()["messages"]]
        assert "knowledge_answer" not in kinds or all(
            m["custom"].get("article_id") != "carte-cadeau" for m in response.json()["messages"]
        )
