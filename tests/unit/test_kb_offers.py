"""Which action a knowledge answer offers: the editor's ``offer:``, else inferred,
conservatively, from the title, the tags and the headings."""

from __future__ import annotations

from pathlib import Path

import pytest

from comptoir.kb.articles import ArticleError, load_folder, parse_article
from comptoir.kb.offers import LABELS, infer_offer, offer_for

ROOT = Path(__file__).resolve().parents[2]


def parsed(front: str, body: str = "La réponse.") -> object:
    return parse_article(
        Path("a.md"), f"---\nid: a\ntitle: Un titre\nlang: fr\n{front}---\n\n{body}"
    )


@pytest.mark.parametrize(
    ("title", "offer"),
    [
        # the imported shop FAQs of issue 13, without any field
        ("Comment retourner un article ?", "return"),
        ("Échanges et retours", "return"),
        ("Puis-je changer d'avis ?", "return"),
        ("Returns policy", "return"),
        ("I received the wrong item", "return"),
        ("Garantie légale", "warranty"),
        ("Service après-vente", "warranty"),
        ("Warranty", "warranty"),
        ("Suivre ma commande", "order_status"),
        ("Où est mon colis ?", "order_status"),
        ("Commande en retard", "order_status"),
        ("Where is my order?", "order_status"),
        ("Order tracking", "order_status"),
        # no button is better than a wrong one
        ("Frais de livraison", None),
        ("Shipping costs and free delivery", None),
        ("Délais de remboursement", None),
        ("Suivre mon retour", None),  # where a return stands: not a new one
        ("Tracking my refund", None),
        ("Garanties de paiement", None),  # another topic's guarantee
        ("Livraison garantie en 48 h", None),
        ("Paiement sécurisé", None),
        ("Produits non retournables", None),
        ("Items that cannot be returned", None),
        ("Articles qui ne peuvent pas être retournés", None),
        ("Ma lampe ne s'allume pas", None),
        ("Nous contacter", None),
    ],
)
def test_offer_inferred_from_the_title(title, offer):
    assert infer_offer(title) == offer


def test_title_first_then_tags_then_headings():
    assert infer_offer("Colis abîmé", headings=["À la livraison", "Le retour"]) == "return"
    assert infer_offer("Frais", tags=["retour"]) == "return"
    # the title decides before a heading that names something else
    assert infer_offer("Suivre mon colis", headings=["Retour à l'expéditeur"]) == "order_status"
    # headings naming two topics: nothing
    assert infer_offer("Colis", headings=["Le retour", "Suivre votre commande"]) is None
    # refund delays: « Remboursement en retard » is not a late order
    assert (
        infer_offer("Délai de remboursement", ["remboursement"], ["Remboursement en retard"])
        is None
    )


def test_our_own_articles():
    loaded = load_folder(ROOT / "knowledge")
    offers = {a.id: offer_for(a) for a in loaded.articles}
    for article_id in ("retour-procedure", "echange-article", "how-to-return", "exchange-item"):
        assert offers[article_id] == "return"
    for article_id in ("garantie-legale", "garantie-demande", "warranty-claim"):
        assert offers[article_id] == "warranty"
    for article_id in ("suivi-colis", "commande-en-retard", "parcel-tracking", "late-order"):
        assert offers[article_id] == "order_status"
    for article_id in (
        "livraison-frais",
        "remboursement-delai",
        "refund-time",
        "retour-exclusions",
        "return-exclusions",
        "depannage-lampe",
        "paiement-securite",
        "nous-contacter",
    ):
        assert offers[article_id] is None, article_id


def test_the_editors_field():
    assert parsed("offer: warranty\n").offer == "warranty"
    assert parsed("offer: Order_Status\n").offer == "order_status"
    assert offer_for(parsed("offer: none\n")) is None
    assert offer_for(parsed("offer: no\n")) is None  # YAML reads it as false
    assert parsed("").offer is None


def test_an_unknown_offer_is_named_with_its_line():
    error = parsed("tags: [retour]\noffer: refund\n")
    assert isinstance(error, ArticleError)
    assert error.line == 6
    assert "unknown offer 'refund'" in error.problem
    assert "return, warranty, order_status, none" in error.problem


def test_every_offer_has_a_label_in_both_languages():
    assert LABELS["return"]("fr") == "Démarrer un retour"
    assert LABELS["return"]("en") == "Start a return"
    assert LABELS["warranty"]("fr") == "Faire jouer la garantie"
    assert LABELS["order_status"]("en") == "Track my order"
