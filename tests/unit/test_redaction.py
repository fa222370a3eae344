"""Payment details are masked; everything else a shopper types goes through untouched."""

from __future__ import annotations

import pytest

from comptoir.kb.misses import MissLog
from comptoir.redaction import iban_valid, luhn_valid, redact, redact_personal

VISA = "4111 1111 1111 1111"  # a well-known test number, Luhn-valid
MASTERCARD = "5555555555554444"
FR_IBAN = "FR76 3000 6000 0112 3456 7890 189"
DE_IBAN = "DE89370400440532013000"


@pytest.mark.parametrize(
    "message",
    [
        f"ma carte {VISA} cvv 123",
        f"voici le numéro {MASTERCARD}, expire 12/28",
        "card 4111-1111-1111-1111 security code 987",
    ],
)
def test_card_numbers_are_masked(message):
    result = redact(message)
    assert "card" in result.found
    assert "1111 1111" not in result.text and "5555555555554444" not in result.text
    assert "4111-1111" not in result.text
    assert "[numéro de carte masqué]" in result.text


def test_the_code_after_a_card_is_masked_and_the_expiry_words_kept():
    result = redact(f"carte {VISA} code 123 merci")
    assert "123" not in result.text and result.found == {"card", "code"}
    assert result.text.endswith("merci")


@pytest.mark.parametrize(
    ("message", "code"),
    [("mon cryptogramme est 456", "456"), ("CVV: 7890", "7890"), ("security code is 321", "321")],
)
def test_a_named_code_is_masked_even_without_a_card(message, code):
    result = redact(message, "en")
    assert code not in result.text and "code" in result.found
    assert "[code removed]" in result.text


@pytest.mark.parametrize("iban", [FR_IBAN, DE_IBAN, FR_IBAN.replace(" ", "").lower()])
def test_ibans_are_masked(iban):
    result = redact(f"remboursez sur {iban} svp")
    assert result.found == {"iban"}
    assert result.text == "remboursez sur [IBAN masqué] svp"


@pytest.mark.parametrize(
    "message",
    [
        "où est ma commande CMD-10001 ?",
        "code postal 75011, téléphone 06 12 34 56 78",
        "suivi 6A12345678901 chez Colissimo",
        "numéro de suivi 4111111111111112",  # 16 digits but not Luhn-valid: not a card
        "FR76 3000 6000 0112 3456 7890 188",  # an IBAN shape with a wrong check
        "j'ai payé 1234 euros le 12/10/2026",
    ],
)
def test_ordinary_numbers_are_left_alone(message):
    result = redact(message)
    assert result.text == message and not result.changed


def test_the_checksums():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid(DE_IBAN) and not iban_valid("DE89370400440532013001")


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("écrivez-moi à jean.dupont@example.org svp", "email"),
        ("rappelez-moi au 06 12 34 56 78", "phone"),
        ("mon numéro : +33 6 12 34 56 78", "phone"),
        ("call me on +44 20 7946 0958", "phone"),
        ("0612345678", "phone"),
    ],
)
def test_personal_details_are_masked_for_the_editors(message, kind):
    result = redact_personal(message, "fr")
    assert result.found == {kind}
    assert "jean.dupont" not in result.text and "12 34" not in result.text
    assert "7946" not in result.text and "0612345678" not in result.text


@pytest.mark.parametrize(
    "message",
    ["où est ma commande CMD-10001 ?", "code postal 75011", "suivi 6A12345678901", "1234 euros"],
)
def test_order_numbers_and_postcodes_are_not_personal_details(message):
    assert redact_personal(message).text == message


def test_the_misses_log_keeps_questions_without_the_shopper(tmp_path):
    log = MissLog(f"sqlite:///{tmp_path / 'misses.db'}")
    log.record(f"lampes d'aquarium ? jean@example.org, 06 12 34 56 78, {VISA}", "fr", "none", "c")
    [(question, _, _)] = log.top()
    assert "aquarium" in question
    assert "jean@example.org" not in question and "06 12" not in question
    assert "4111" not in question


@pytest.mark.parametrize(
    "message",
    [
        "ma carte 4111\u00a01111\u00a01111\u00a01111",  # no-break spaces, pasted from a bank app
        "ma carte 4111\u202f1111\u202f1111\u202f1111",  # narrow no-break spaces
        "4111.1111.1111.1111",
        "4111 - 1111 - 1111 - 1111",
        "carte4111111111111111",
    ],
)
def test_card_numbers_in_the_other_ways_shoppers_write_them(message):
    result = redact(message)
    assert "card" in result.found
    assert not any(run in result.text for run in ("1111", "4111"))


def test_the_code_after_the_expiry_date_and_the_short_crypto_are_masked():
    after_expiry = redact(f"{VISA} exp 12/27 123")
    assert "123" not in after_expiry.text and after_expiry.found == {"card", "code"}
    assert "12/27" in after_expiry.text  # the expiry date alone is not a secret
    crypto = redact("crypto: 456")
    assert "456" not in crypto.text and crypto.found == {"code"}


def test_an_iban_written_with_hyphens_is_masked():
    result = redact("FR76-3000-6000-0112-3456-7890-189 merci")
    assert result.found == {"iban"} and result.text == "[IBAN masqué] merci"
