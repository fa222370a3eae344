"""Order status through the desk, on the real servers, with the demo shop's orders."""

from __future__ import annotations

import time

from tests.helpers import customer_identity

LEA = "lea.martin@example.fr"


def test_happy_path_in_french(chat):
    assert "numéro de commande" in chat.text("où est ma commande ?")
    assert "adresse e-mail" in chat.text("c'est la CMD-10001")
    answer = chat.text(LEA)
    assert "CMD-10001 a été livrée" in answer
    assert "Colissimo" in answer and "n° de suivi 6A" in answer
    assert "Paris 11e" in answer


def test_happy_path_in_english(chat_factory):
    chat = chat_factory(lang="en")
    assert "order number" in chat.text("where is my order?")
    assert "email address used for the order" in chat.text("it's CMD-10002")
    answer = chat.text("james.wilson@example.co.uk")
    assert "Your order CMD-10002 is on its way" in answer
    assert "Chronopost" in answer and "XR10002FR" in answer and "Calais" in answer


def test_order_number_in_the_first_message(chat):
    assert "adresse e-mail" in chat.text("bonjour, où en est ma commande n° 10001 ?")
    assert "CMD-10001 a été livrée" in chat.text(LEA)


def test_wrong_email_and_unknown_order_get_the_same_neutral_answer(chat_factory):
    wrong_email = chat_factory()
    wrong_email.say("où est ma commande CMD-10001")
    first = wrong_email.text("pirate@example.com")
    unknown = chat_factory()
    unknown.say("où est ma commande CMD-99999")
    second = unknown.text(LEA)
    assert "Je ne retrouve pas de commande" in first
    assert first == second
    assert "livrée" not in first and "Colissimo" not in first


def test_lockout_after_three_failures_offers_a_person(chat):
    chat.say("où est ma commande CMD-10004")
    chat.say("nope@example.com")
    chat.say("CMD-10004")
    chat.say("nope2@example.com")
    chat.say("CMD-10004")
    messages = chat.say("nope3@example.com")
    text = "\n".join(m["text"] for m in messages)
    assert "ne peux plus vérifier" in text
    assert any(b["payload"] == "/request_human" for m in messages for b in m["buttons"])
    # Even the right e-mail is no longer checked in this conversation.
    chat.say("où est ma commande CMD-10004")
    assert "Veilleuse" not in chat.text(LEA)


def test_late_order_says_so_first_with_an_apology(chat):
    chat.say("ma commande CMD-10003 n'arrive pas")
    messages = chat.say("tom.bernard@example.fr")
    assert "est en retard" in messages[0]["text"] and "Toutes nos excuses" in messages[0]["text"]
    assert "Nouvelle date estimée" in messages[0]["text"]


def test_partial_shipment_lists_what_is_still_to_ship(chat):
    chat.say("suivi de la commande 10004")
    answer = chat.text(LEA)
    assert "Veilleuse Luciole" in answer and "Encore à expédier : Plaid Cévennes" in answer


def test_lost_parcel_offers_an_inquiry(chat):
    chat.say("où est mon colis CMD-10005 ?")
    messages = chat.say("chloe.petit@example.fr")
    assert "semble bloqué" in messages[-1]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/request_human", "/deny"]


def test_knowledge_question_during_the_form_then_it_resumes(chat):
    chat.say("où est ma commande ?")
    digression = chat.text("au fait, quels moyens de paiement acceptez-vous ?")
    assert "PayPal" in digression
    assert "numéro de commande" in digression  # the form asks again
    chat.say("CMD-10001")
    assert "a été livrée" in chat.text(LEA)


def test_annule_leaves_the_form(chat):
    chat.say("où est ma commande ?")
    assert "j'arrête la recherche" in chat.text("annule")
    assert "Je suis Comptoir" in chat.text("bonjour")


def test_verified_order_is_kept_for_follow_ups(chat):
    chat.say("où est ma commande CMD-10004")
    chat.say(LEA)
    again = chat.text("et l'autre colis ?")
    assert "Plaid Cévennes" in again and "adresse e-mail" not in again


def signed_in(stack, email: str, ttl: int = 600) -> dict:
    """What the shop's page sends for its signed-in shopper (docs/orders.md)."""
    secret = stack.environment()["COMPTOIR_IDENTITY_SECRET"]
    return customer_identity(email, secret, int(time.time()) + ttl)


def test_signed_in_shopper_sees_their_orders_as_buttons(desk, stack_and_knowledge):
    body = {"text": "où est ma commande ?", "customer": signed_in(stack_and_knowledge[0], LEA)}
    reply = desk.post("/api/conversations/signed-in-1/messages", json=body).json()
    buttons = [b for m in reply["messages"] for b in m["buttons"]]
    assert {b["payload"].split('"')[3] for b in buttons} == {"CMD-10001", "CMD-10004", "CMD-10012"}
    pick = {"text": buttons[0]["payload"], "customer": body["customer"]}
    answer = desk.post("/api/conversations/signed-in-1/messages", json=pick).json()
    assert (
        "CMD-10004" in answer["messages"][0]["text"] or "CMD-10001" in answer["messages"][0]["text"]
    )


def test_forged_signature_is_ignored(desk):
    body = {"text": "où est ma commande ?", "customer": {"email": LEA, "signature": "0" * 64}}
    reply = desk.post("/api/conversations/forged-1/messages", json=body).json()
    text = "\n".join(m["text"] for m in reply["messages"])
    assert "numéro de commande" in text
    assert not any(m["buttons"] for m in reply["messages"])


def test_signed_in_shopper_asking_for_one_order_gets_it_in_one_step(desk, stack_and_knowledge):
    body = {
        "text": "où est ma commande CMD-10004 ?",
        "customer": signed_in(stack_and_knowledge[0], LEA),
    }
    reply = desk.post("/api/conversations/signed-in-2/messages", json=body).json()
    assert "Veilleuse Luciole" in "\n".join(m["text"] for m in reply["messages"])


def test_an_expired_identity_is_ignored(desk, stack_and_knowledge):
    body = {
        "text": "où est ma commande ?",
        "customer": signed_in(stack_and_knowledge[0], LEA, ttl=-60),
    }
    reply = desk.post("/api/conversations/signed-in-3/messages", json=body).json()
    assert "numéro de commande" in "\n".join(m["text"] for m in reply["messages"])
    assert not any(m["buttons"] for m in reply["messages"])
