"""Returns and warranty requests through the desk, decided by the shop's policy."""

from __future__ import annotations

import re


def verified(chat, number: str, proof: str) -> None:
    chat.say(f"où est ma commande {number}")
    chat.say(proof)


def payloads(messages: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in messages for b in m["buttons"]}


def test_change_of_mind_within_the_window(chat):
    verified(chat, "CMD-10001", "lea.martin@example.fr")
    reasons = payloads(chat.say("je veux retourner un article"))
    resolution = payloads(chat.say(reasons["J'ai changé d'avis"]))
    summary = chat.say(resolution["Remboursement"])
    text = summary[-1]["text"]
    assert "Droit de rétractation : livré le" in text and "vous avez jusqu'au" in text
    assert "4,90 €" in text
    done = chat.say(payloads(summary)["Oui, je confirme"])
    created = next(m["custom"] for m in done if m["custom"].get("kind") == "return_created")
    assert re.fullmatch(r"R-\d{4}-\d{6}", created["return_number"]) and created["created"]
    assert "10 jours après réception" in done[0]["text"]


def test_too_late_is_refused_with_warranty_and_a_person_offered(chat):
    verified(chat, "CMD-10014", "chloe.petit@example.fr")
    reasons = payloads(chat.say("je souhaite renvoyer ma commande"))
    refused = chat.say(reasons["J'ai changé d'avis"])
    assert "Le délai de rétractation est dépassé" in refused[-1]["text"]
    options = payloads(refused)
    assert options["Parler à un conseiller"] == "/request_human"
    assert "defective" in options["C'est un défaut"]


def to_summary(chat, opening: str, item: str, reason: str, resolution: str) -> list[dict]:
    """Ask for a return, then click the item, the reason and the resolution offered."""
    items = payloads(chat.say(opening))
    reasons = payloads(chat.say(items[item]))
    resolutions = payloads(chat.say(reasons[reason]))
    return chat.say(resolutions[resolution])


def test_damaged_parcel_gets_a_free_label(chat):
    verified(chat, "CMD-10015", "tom.bernard@example.fr")
    summary = to_summary(
        chat, "mon colis est arrivé abîmé", "Enceinte Nova", "Abîmé à la livraison", "Échange"
    )
    assert "à nos frais" in summary[-1]["text"] and "prépayée offerte" in summary[-1]["text"]
    done = chat.text(payloads(summary)["Oui, je confirme"])
    assert re.search(r"https://retours.example/R-\d{4}-\d{6}", done)


def test_defect_solved_by_the_tip_creates_no_return(chat, desk):
    verified(chat, "CMD-10017", "james.wilson@example.co.uk")
    reasons = payloads(chat.say("ma veilleuse est en panne, je veux la renvoyer"))
    tip = chat.say(reasons["Défectueux, en panne"])
    assert "trois vérifications" in tip[0]["text"]  # the lamp troubleshooting article
    solved = chat.text(payloads(tip)["Oui, c'est réglé"])
    assert "Aucun retour n'est donc nécessaire" in solved
    assert "Aucun retour n'est ouvert" in chat.text("où en est mon retour ?")


def test_double_confirmation_creates_one_record(chat):
    verified(chat, "CMD-10015", "tom.bernard@example.fr")
    candle = (
        "je veux retourner un article",
        "Bougie Figuier",
        "J'ai changé d'avis",
        "Remboursement",
    )
    # The shopper confirms, then goes through it all again and confirms a second time.
    first, second = (
        chat.say(payloads(to_summary(chat, *candle))["Oui, je confirme"]) for _ in range(2)
    )
    number = next(m["custom"]["return_number"] for m in first if m["custom"].get("return_number"))
    again = next(m["custom"] for m in second if m["custom"].get("return_number"))
    assert again == {"kind": "return_created", "return_number": number, "created": False}
    assert "déjà ouvert" in second[0]["text"]


def test_return_status_with_an_overdue_refund_goes_to_a_person(chat):
    verified(chat, "CMD-10016", "chloe.petit@example.fr")
    messages = chat.say("où en est mon remboursement ?")
    text = "\n".join(m["text"] for m in messages)
    assert re.search(r"R-\d{4}-\d{6} : reçu", text)
    assert "Remboursement promis au plus tard le" in text
    assert "en retard sur notre promesse" in text
    assert messages[-1]["custom"] == {"kind": "refund_overdue", "priority": True}


def test_return_asks_to_verify_the_order_first(chat):
    assert "numéro de commande" in chat.text("je veux retourner un article")
    chat.say("CMD-10001")
    reasons = chat.say("lea.martin@example.fr")
    assert "Pour quelle raison" in "\n".join(m["text"] for m in reasons)
