"""The backstop that tells a new return or warranty request from any other message."""

from __future__ import annotations

import pytest

from comptoir.shop.request_kind import fold, request_kind

RETURNS = [
    # the messages of issue 13, and their like
    "je voudrais retourner un article de ma commande CMD-10001",
    "ma commande CMD-10002 est arrivée cassée, je veux un échange",
    "I want to return the jumper from order CMD-10001",
    "JE VEUX RENDRE LA LAMPE DE LA COMMANDE CMD-10001",
    "je souhaite renvoyer la lampe de la commande CMD-10014",
    "je veux me faire rembourser la commande CMD-10008",
    "j'ai reçu ma commande CMD-10005 mais ce n’est pas le bon article",
    "retour de la commande CMD-10009 svp",
    "Commande 10004 : je veux etre rembourse",
    "exercer mon droit de rétractation, commande CMD-10001",
    "please refund order CMD-10004",
    "I'd like to send back the lamp from my order 10001",
    "order CMD-10015 arrived damaged",
    "you sent the wrong size in order CMD-10001",
    # a fault in the shopper's words: a request, whose reason the flow asks
    "CMD-10017 la veilleuse est défectueuse",
    "l'enceinte de ma commande CMD-10015 ne fonctionne plus",
    "the speaker from CMD-10002 stopped working",
    "my order CMD-10002 is faulty",
]
WARRANTIES = [
    "le casque de CMD-10003 ne marche plus, garantie",
    "je veux faire jouer la GARANTIE pour ma commande CMD-10001",
    "Commande CMD-10001 : service après-vente svp",
    "I want to use the warranty on order CMD-10001",
]
NOT_A_NEW_REQUEST = [
    # order status
    "où en est ma commande CMD-10002 ?",
    "ma commande CMD-10004 n'est toujours pas livrée",
    "has order CMD-10008 shipped yet",
    "tracking for my order 10004 please",
    "mon colis CMD-10003 est retourné à l'expéditeur",
    # where a return or a refund stands
    "où en est mon retour ?",
    "où en est le remboursement de ma commande CMD-10001",
    "quand vais-je être remboursé pour CMD-10001 ?",
    "j'ai renvoyé le colis CMD-10001 la semaine dernière",
    "mon colis retour est bien arrivé chez vous ?",
    "I already returned it, where's my refund",
    "what's the status of my return for order CMD-10001",
    # no return wanted, or a question about the rules
    "je ne veux pas retourner, juste savoir où est ma commande",
    "I don't want to return it, just tell me when it arrives",
    "ma commande CMD-10001 est-elle encore sous garantie ?",
    "combien de jours pour retourner la commande CMD-10001 ?",
    # words that only look like a return
    "pouvez-vous me renvoyer l'e-mail de confirmation de CMD-10001",
    "le lien de suivi de CMD-10001 ne marche plus",
    "je dois me rendre au point relais pour CMD-10001 ?",
    "rendez-vous au point relais",
    "je voudrais le modèle par défaut",
    "",
]


@pytest.mark.parametrize("text", RETURNS)
def test_return_requests(text):
    assert request_kind(text) == "return"


@pytest.mark.parametrize("text", WARRANTIES)
def test_warranty_requests_name_the_guarantee(text):
    assert request_kind(text) == "warranty"


@pytest.mark.parametrize("text", NOT_A_NEW_REQUEST)
def test_anything_else_is_left_to_the_classifier(text):
    assert request_kind(text) is None


def test_fold_takes_accents_case_and_curly_apostrophes_away():
    assert fold("  Échanger  L’ARTICLE\tabîmé ") == "echanger l'article abime"
