"""Intent and article together, through the desk (issue 13).

A message that mixes an order number with a return starts the return, not an order
status; an answer about returns or the warranty offers to start one, and the click on
that button (sent as the widget sends it, payload and title) starts the flow; an
answer the bot does not have comes with the way to reach a person.
"""

from __future__ import annotations

import pytest

ORDER, PROOF = "CMD-10001", "lea.martin@example.fr"  # Léa's lamp, delivered 5 days ago


def texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def customs(messages: list[dict]) -> list[dict]:
    return [m["custom"] for m in messages if m["custom"]]


def buttons(messages: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in messages for b in m["buttons"]}


def click(chat, title: str, payload: str) -> list[dict]:
    """A click on an offered button, as the widget sends it; the desk must keep it as
    the payload (offered), shown with its title."""
    response = chat.client.post(
        f"/api/conversations/{chat.id}/messages", json={"text": payload, "label": title}
    )
    assert response.status_code == 200, response.text
    history = chat.client.get(f"/api/conversations/{chat.id}/messages").json()["messages"]
    sent = [m for m in history if m["sender"] == "shopper"][-1]
    assert sent["text"] == payload and sent["custom"]["label"] == title  # accepted
    return response.json()["messages"]


def answer_from(chat, question: str, article_id: str) -> list[dict]:
    """The answer from ``article_id``: the bot's own, or the one picked from its "did
    you mean" when the knowledge base hesitates (its decisions are tuned elsewhere)."""
    messages = chat.say(question)
    if any(c.get("kind") == "knowledge_clarify" for c in customs(messages)):
        choices = {p: t for t, p in buttons(messages).items()}
        payload = next(p for p in choices if article_id in p)
        messages = click(chat, choices[payload], payload)
    answer = next(c for c in customs(messages) if c.get("kind") == "knowledge_answer")
    assert answer["article_id"] == article_id
    return messages


@pytest.mark.parametrize(
    ("lang", "message", "first"),
    [
        (
            "fr",
            "je voudrais retourner un article de ma commande CMD-10001",
            "Je dois d'abord retrouver votre commande.",
        ),
        (
            "en",
            "I want to return the jumper from order CMD-10001",
            "First I need to find your order.",
        ),
    ],
)
def test_a_return_that_names_its_order_starts_the_return(chat_factory, lang, message, first):
    chat = chat_factory(lang)
    opening = chat.say(message)
    assert opening[0]["text"] == first
    # the order number was kept: the proof is asked, not the number
    assert "e-mail" in texts(opening) or "email" in texts(opening)
    assert "CMD-10001" not in texts(opening)
    assert not any(c.get("kind") == "order_status" for c in customs(opening))
    reasons = chat.say(PROOF)
    # the next return step, for the one item of the order; never its delivery status
    assert texts(reasons) in ("Pour quelle raison ?", "What is the reason?")
    assert len(buttons(reasons)) == 6
    assert not any(c.get("kind") == "order_status" for c in customs(reasons))


def test_a_returns_answer_offers_to_start_a_return_and_the_click_starts_it(chat):
    answer = answer_from(chat, "Comment faire un retour ?", "retour-procedure")
    assert "Source : Comment retourner un article" in texts(answer)
    assert buttons(answer) == {"Démarrer un retour": "/start_return"}
    started = click(chat, "Démarrer un retour", "/start_return")
    assert started[0]["text"] == "Je dois d'abord retrouver votre commande."
    assert "numéro de commande" in texts(started)
    assert "e-mail" in texts(chat.say(ORDER))
    assert texts(chat.say(PROOF)) == "Pour quelle raison ?"


def test_a_warranty_answer_starts_a_claim_for_a_defect(chat):
    answer = answer_from(chat, "Combien d'années de garantie ?", "garantie-legale")
    offered = buttons(answer)
    assert list(offered) == ["Faire jouer la garantie"]
    started = click(chat, "Faire jouer la garantie", offered["Faire jouer la garantie"])
    assert "numéro de commande" in texts(started)
    chat.say(ORDER)
    after_proof = texts(chat.say(PROOF))
    # the defect is the reason already: for a lamp, the troubleshooting tip comes first
    assert "Pour quelle raison" not in after_proof
    assert "trois vérifications" in after_proof


def test_an_unanswerable_question_is_admitted_with_a_person_to_ask(chat):
    missed = chat.say("vendez-vous des pièces détachées pour tracteur ?")
    assert "pas de réponse sûre" in missed[0]["text"]
    assert buttons(missed) == {"Parler à un conseiller": "/request_human"}
    handed = click(chat, "Parler à un conseiller", "/request_human")
    handoff = next(c for c in customs(handed) if c.get("kind") == "handoff")
    assert handoff["reason"] == "knowledge_miss"
