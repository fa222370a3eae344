"""The reports' definitions on hand-built conversations (issue 14's "must show" list)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from comptoir.calendar import BusinessHours
from comptoir.desk.reports.definitions import (
    ConversationRecord,
    MessageRecord,
    Question,
    TicketRecord,
    cluster_questions,
    cluster_threshold,
    conversation_facts,
    first_response_bucket,
    is_small_talk,
    most_disliked,
    rate,
    return_kind,
    ticket_facts,
)
from comptoir.message_kinds import KNOWLEDGE_ANSWER, KNOWLEDGE_MISS, ORDER_STATUS, RETURN_CREATED

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # Monday 2 November 2026, 11:00 in Paris
LATER = T0 + timedelta(days=30)
HOURS = BusinessHours()  # Monday to Friday, 9:00-18:00 Paris, public holidays closed


def shopper(text: str, minutes: float = 0) -> MessageRecord:
    return MessageRecord("shopper", text, T0 + timedelta(minutes=minutes))


def bot(kind: str | None = None, minutes: float = 0.1, text: str = "…", **custom) -> MessageRecord:
    return MessageRecord("bot", text, T0 + timedelta(minutes=minutes), {"kind": kind, **custom})


def agent(minutes: float, *, system: bool = False) -> MessageRecord:
    return MessageRecord("agent", "…", T0 + timedelta(minutes=minutes), {"system": system})


def chat(*messages: MessageRecord, tickets=(), votes=(), score=None) -> ConversationRecord:
    return ConversationRecord("c-1", T0, messages, tuple(tickets), tuple(votes), score)


def answered(**extra) -> ConversationRecord:
    """A question answered from an article."""
    return chat(shopper("Quels sont les délais de livraison ?"), bot(KNOWLEDGE_ANSWER), **extra)


@pytest.mark.parametrize(
    "text", ["Bonjour !", "bonjouuur", "salut ça va", "Merci, au revoir", "hello there", "/greet"]
)
def test_small_talk_asks_nothing(text):
    assert is_small_talk(text)


@pytest.mark.parametrize(
    "text", ["Bonjour, où est ma commande ?", "remboursement", "/request_human", "hi, refund?"]
)
def test_a_question_is_not_small_talk(text):
    assert not is_small_talk(text)


def test_a_greeting_only_chat_is_not_counted():
    facts = conversation_facts(chat(shopper("Bonjour !"), bot(None), shopper("merci")), LATER)
    assert not facts.eligible and not facts.contained


def test_a_substantive_answer_with_no_ticket_is_contained():
    facts = conversation_facts(answered(), LATER)
    assert facts.eligible and facts.answered and facts.contained and not facts.handed_off


def test_a_miss_is_not_a_substantive_answer():
    facts = conversation_facts(chat(shopper("vous vendez des vélos ?"), bot(KNOWLEDGE_MISS)), LATER)
    assert facts.eligible and not facts.answered and not facts.contained


@pytest.mark.parametrize(("hours", "contained"), [(71, False), (73, True)])
def test_a_ticket_within_72_hours_of_the_answer_un_contains_it(hours, contained):
    answer_at = T0 + timedelta(minutes=0.1)
    ticket = TicketRecord(1, "shopper_request", answer_at + timedelta(hours=hours))
    facts = conversation_facts(answered(tickets=[ticket]), LATER)
    assert facts.contained is contained and facts.handed_off


def test_a_ticket_before_the_answer_un_contains_it():
    ticket = TicketRecord(1, "shopper_request", T0 - timedelta(hours=1))
    assert not conversation_facts(answered(tickets=[ticket]), LATER).contained


def test_confirmed_by_a_thumbs_up_or_a_good_score_and_never_also_assumed():
    for extra in ({"votes": ["up"]}, {"score": 4}, {"score": 5}):
        facts = conversation_facts(answered(**extra), LATER)
        assert (facts.confirmed, facts.assumed) == (True, False), extra
    facts = conversation_facts(answered(score=3, votes=["down"]), LATER)
    assert (facts.confirmed, facts.assumed) == (False, True)


def test_assumed_only_once_24_hours_passed_without_a_new_question():
    quiet = conversation_facts(answered(), T0 + timedelta(hours=23))
    assert not quiet.assumed and quiet.recheck_at == T0 + timedelta(minutes=0.1, hours=24)
    assert conversation_facts(answered(), T0 + timedelta(hours=25)).assumed
    thanked = chat(shopper("délais de livraison ?"), bot(KNOWLEDGE_ANSWER), shopper("merci !", 2))
    assert conversation_facts(thanked, LATER).assumed, "thanks is no new question"
    asked_again = chat(
        shopper("délais de livraison ?"), bot(KNOWLEDGE_ANSWER), shopper("et pour la Suisse ?", 5)
    )
    facts = conversation_facts(asked_again, LATER)
    assert facts.contained and not facts.assumed and not facts.confirmed


def test_order_and_return_answers_are_substantive_and_parcel_troubles_are_flagged():
    order = chat(
        shopper("où est ma commande CMD-1 ?"),
        bot(None, text="Encore à expédier : Lampe Orsay."),
        bot(ORDER_STATUS, late=True, inquiry_offered=True),
    )
    facts = conversation_facts(order, LATER)
    assert facts.contained and facts.order_status
    assert (facts.late, facts.partial, facts.lost) == (True, True, True)
    returned = conversation_facts(chat(shopper("je veux retourner"), bot(RETURN_CREATED)), LATER)
    assert returned.contained and not returned.order_status


def test_a_conversation_belongs_to_its_day_and_hour_in_paris():
    late_night = ConversationRecord("c-2", datetime(2026, 11, 2, 23, 30, tzinfo=UTC))
    facts = conversation_facts(late_night, LATER)
    assert (facts.day, facts.hour) == (date(2026, 11, 3), 0)


def test_first_response_in_wall_and_business_time_across_a_weekend_and_a_holiday():
    # Friday 6 November 2026, 17:00 in Paris; answered Thursday 12 November, 10:00.
    # Open hours between: Fri 1 h, Mon 9 h, Tue 9 h, Wed 11 November (Armistice) 0, Thu 1 h.
    created = datetime(2026, 11, 6, 16, 0, tzinfo=UTC)
    reply = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    ticket = TicketRecord(7, "shopper_request", created, reply + timedelta(hours=1))
    conversation = ConversationRecord(
        "c-3",
        created,
        [
            MessageRecord("agent", "Camille a rejoint", created, {"system": True}),
            MessageRecord("agent", "Bonjour, je regarde", reply, {"system": False}),
        ],
        [ticket],
    )
    facts = ticket_facts(ticket, conversation, HOURS, 12, LATER)
    assert facts.first_response_s == (reply - created).total_seconds()
    assert facts.first_response_business_s == 20 * 3600
    assert facts.resolution_s == (reply - created).total_seconds() + 3600
    assert facts.within_promise is None, "a live ticket makes no offline promise"


def test_an_offline_ticket_is_answered_when_closed_within_the_promised_working_hours():
    created = datetime(2026, 11, 6, 20, 0, tzinfo=UTC)  # Friday 21:00 Paris, after hours
    conversation = ConversationRecord("c-4", created)

    def offline(closed: datetime | None, now: datetime = LATER):
        ticket = TicketRecord(8, "knowledge_miss", created, closed, offline=True)
        return ticket_facts(ticket, conversation, HOURS, 12, now)

    kept = offline(datetime(2026, 11, 10, 11, 0, tzinfo=UTC))  # Mon 9 h + Tue 3 h = 12 h
    assert kept.within_promise is True and kept.first_response_business_s == 12 * 3600
    assert offline(datetime(2026, 11, 10, 11, 1, tzinfo=UTC)).within_promise is False
    pending = offline(None, now=datetime(2026, 11, 9, 12, 0, tzinfo=UTC))
    assert pending.within_promise is None
    assert pending.recheck_at == datetime(2026, 11, 10, 11, 0, tzinfo=UTC)
    assert offline(None).within_promise is False, "past the deadline and still unanswered"


def test_an_offline_ticket_answered_by_e_mail_counts_its_first_answer_not_its_closing():
    created = datetime(2026, 11, 6, 20, 0, tzinfo=UTC)  # Friday 21:00 Paris, after hours
    answered_at = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)  # Monday 10:00 Paris: 1 h open
    # The shopper replied, the ticket came back, and an agent resolved it a week later.
    closed = answered_at + timedelta(days=7)
    ticket = TicketRecord(9, "shopper_request", created, closed, True, answered_at)
    facts = ticket_facts(ticket, ConversationRecord("c-5", created), HOURS, 12, LATER)
    assert facts.first_response_s == (answered_at - created).total_seconds()
    assert facts.first_response_business_s == 3600 and facts.within_promise is True


def test_csat_and_response_rate_count_scores_over_scores_and_over_conversations():
    scores = [5, 4, 2, None, None]
    facts = [conversation_facts(answered(score=s), LATER) for s in scores]
    scored = sum(f.scored for f in facts)
    satisfied = sum(f.satisfied for f in facts)
    assert rate(satisfied, scored) == pytest.approx(2 / 3)
    assert rate(scored, len(facts)) == pytest.approx(3 / 5)
    assert rate(0, 0) is None


def test_first_response_buckets_and_return_kinds():
    assert [first_response_bucket(s) for s in (0, 299, 300, 3599, 86399, 86400)] == [
        "under_5m",
        "under_5m",
        "5m_15m",
        "15m_1h",
        "4h_24h",
        "over_24h",
    ]
    assert (return_kind("legal_guarantee"), return_kind("withdrawal")) == ("warranty", "return")


def test_most_disliked_articles_rank_by_thumbs_down():
    votes = {"a": {"up": 9, "down": 3}, "b": {"up": 0, "down": 3}, "c": {"up": 5, "down": 0}}
    assert most_disliked(votes) == ["b", "a"]


def test_questions_that_mean_the_same_are_grouped_with_the_most_asked_leading():
    def unit(*values: float) -> np.ndarray:
        vector = np.array(values, dtype=np.float32)
        return vector / np.linalg.norm(vector)

    questions = [
        Question("où est mon colis ?", "fr", 3),
        Question("vous livrez en Suisse ?", "fr", 5),
        Question("mon colis n'arrive pas", "fr", 2),
        Question("livraison en Suisse ?", "fr", 1),
        Question("do you ship to Switzerland?", "en", 1),
        Question("paiement en 3 fois ?", "fr", 1),
    ]
    vectors = np.vstack(
        [
            unit(1, 0.1, 0),
            unit(0, 1, 0),
            unit(1, 0, 0.1),
            unit(0.1, 1, 0),
            unit(0, 1, 0.1),
            unit(0, 0, 1),
        ]
    )
    clusters = cluster_questions(questions, vectors, threshold=0.9)
    assert [(c.count, c.examples) for c in clusters] == [
        (7, ["vous livrez en Suisse ?", "do you ship to Switzerland?", "livraison en Suisse ?"]),
        (5, ["où est mon colis ?", "mon colis n'arrive pas"]),
        (1, ["paiement en 3 fois ?"]),
    ]
    assert clusters[0].language == "fr" and abs(np.linalg.norm(clusters[0].centroid) - 1) < 1e-5
    assert cluster_threshold(vectors) == 0.9, "too few questions to measure a background"
