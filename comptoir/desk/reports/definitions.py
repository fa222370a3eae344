"""What each figure of the owner's reports means, as pure functions on plain records.

An owner decides whether the bot is worth keeping, and which articles to write, from
these numbers; a definition that drifts silently (a greeting counted as a question, a
ticket opened a week later un-automating a chat) would mislead them. So each one is
written once here, on records with no database behind them, and tested on hand-built
conversations; ``rollup`` feeds these functions the stored rows and keeps their
results. The anchors (Gorgias's automation rate, Intercom Fin's confirmed and assumed
resolutions, Chatwoot's first response time and CSAT) are in docs/reports.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from comptoir.calendar import BusinessHours
from comptoir.message_kinds import KNOWLEDGE_ANSWER, ORDER_STATUS, RETURN_CREATED, RETURN_REFUSED
from comptoir.shop.describe import STILL_TO_SHIP

REPORT_ZONE = ZoneInfo("Europe/Paris")
"""A report's days are the shop's days: a chat at 00:30 in Paris belongs to that day."""
CONTAINMENT_WINDOW = timedelta(hours=72)
"""Gorgias: automated only if no agent is involved within 72 h of the bot's answer."""
ASSUMED_WINDOW = timedelta(hours=24)
"""Intercom: an answer with no reply for 24 h is an assumed resolution."""
SUBSTANTIVE_KINDS = frozenset({KNOWLEDGE_ANSWER, ORDER_STATUS, RETURN_CREATED, RETURN_REFUSED})
"""Bot answers that settle something: an article, an order's status, a return decided."""
SMALL_TALK_PAYLOADS = frozenset({"/greet", "/goodbye", "/thank", "/deny"})
"""Button payloads that ask nothing (``/deny``: "no thanks" to an offer)."""
_SMALL_TALK = """
bonjour bonsoir salut slt bjr bsr coucou cc hello hi hey hiya howdy yo hola allo re wesh
salutations greetings good morning evening afternoon bon matin madame monsieur mme mr
vous tous tout le la les l monde equipe team there all everyone everybody comptoir bot
svp stp please ca va etes y a quelqu quelquun un anyone here is present
merci beaucoup mille thanks thank you ty thx cheers much appreciated great super parfait
top genial ok okay d accord daccord bien tres very nice kind
au revoir aurevoir bye goodbye ciao tchao plus tte bientot bonne journee soiree nuit fin
de week end weekend demain see later soon have day night prochaine fois adieu
"""
FIRST_RESPONSE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("under_5m", 5 * 60),
    ("5m_15m", 15 * 60),
    ("15m_1h", 3600),
    ("1h_4h", 4 * 3600),
    ("4h_24h", 24 * 3600),
    ("over_24h", float("inf")),
)
PARTIAL_PREFIXES = tuple(
    text.split("{")[0].strip() for text in (STILL_TO_SHIP.fr, STILL_TO_SHIP.en)
)
"""How the order-status answer starts the sentence about items still to ship."""


@dataclass(frozen=True)
class MessageRecord:
    """One stored message: who wrote it, what, when, and its ``custom`` (kind…)."""

    sender: str  # shopper | bot | agent
    text: str
    at: datetime
    custom: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketRecord:
    """One handoff: why, when, closed when, and whether it went offline (e-mail)."""

    id: int
    reason: str
    created_at: datetime
    closed_at: datetime | None = None
    offline: bool = False
    # The first answer by e-mail the mail server accepted (a refused one reached nobody).
    answered_at: datetime | None = None


@dataclass(frozen=True)
class ConversationRecord:
    """Everything the reports read of one conversation."""

    id: str
    started_at: datetime
    messages: Sequence[MessageRecord] = ()
    tickets: Sequence[TicketRecord] = ()
    votes: Sequence[str] = ()  # "up" / "down" on its knowledge answers
    score: int | None = None  # the 1-5 end-of-chat score


@dataclass(frozen=True)
class ConversationFacts:
    """What a conversation counts for; ``recheck_at``: when time alone may change it."""

    conversation_id: str
    day: date
    hour: int
    eligible: bool
    answered: bool
    contained: bool
    confirmed: bool
    assumed: bool
    handed_off: bool
    scored: bool
    satisfied: bool
    order_status: bool
    late: bool
    partial: bool
    lost: bool
    recheck_at: datetime | None = None


@dataclass(frozen=True)
class TicketFacts:
    """A ticket's times (seconds, ``None`` until they exist) and its promise kept."""

    ticket_id: int
    conversation_id: str
    day: date
    reason: str
    offline: bool
    first_response_s: float | None
    first_response_business_s: float | None
    first_response_bucket: str | None
    resolution_s: float | None
    within_promise: bool | None
    recheck_at: datetime | None = None


def normalised_words(text: str) -> list[str]:
    """Lower case, no accents, no repeated letters ("Bonjouuur !" -> ["bonjour"])."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", re.sub(r"(.)\1+", r"\1", plain))


SMALL_TALK_WORDS = frozenset(w for word in _SMALL_TALK.split() for w in normalised_words(word))


def is_small_talk(text: str) -> bool:
    """A greeting, thanks or goodbye that asks nothing ("Bonjour !", "merci, au revoir").

    Made only of the words of greetings, politeness and goodbyes (French and English,
    as shoppers type them); any other word ("bonjour, ma commande ?") asks something.
    """
    stripped = text.strip()
    if stripped.startswith("/"):
        return stripped.split("{")[0] in SMALL_TALK_PAYLOADS
    words = normalised_words(stripped)
    return len(words) <= 12 and all(word in SMALL_TALK_WORDS for word in words)


def _asks(message: MessageRecord) -> bool:
    return message.sender == "shopper" and not is_small_talk(message.text)


def substantive_answers(messages: Sequence[MessageRecord]) -> list[datetime]:
    """When the bot gave an answer that settles something (see ``SUBSTANTIVE_KINDS``)."""
    return [
        m.at for m in messages if m.sender == "bot" and m.custom.get("kind") in SUBSTANTIVE_KINDS
    ]


def _assumed(
    messages: Sequence[MessageRecord], last_answer: datetime, now: datetime
) -> tuple[bool, datetime | None]:
    """(assumed resolved, when to look again): no new question within 24 h of the last
    answer, once those 24 h have passed."""
    until = last_answer + ASSUMED_WINDOW
    if any(_asks(m) and last_answer < m.at <= until for m in messages):
        return False, None
    return (True, None) if now >= until else (False, until)


def conversation_facts(conversation: ConversationRecord, now: datetime) -> ConversationFacts:
    """Apply the definitions to one conversation, as known at ``now``.

    Eligible: one shopper message at least beyond small talk. Contained (automated): the
    bot gave a substantive answer and no ticket was opened before 72 h after the last
    one. Confirmed: contained with a 👍 or a score of 4-5. Assumed: contained, not
    confirmed, and no new question within 24 h of the last answer.
    """
    messages = conversation.messages
    eligible = any(_asks(m) for m in messages)
    answers = substantive_answers(messages)
    contained = confirmed = assumed = False
    recheck: datetime | None = None
    if eligible and answers:
        last = max(answers)
        contained = not any(t.created_at <= last + CONTAINMENT_WINDOW for t in conversation.tickets)
        confirmed = contained and ("up" in conversation.votes or (conversation.score or 0) >= 4)
        if contained and not confirmed:
            assumed, recheck = _assumed(messages, last, now)
    statuses = [
        m.custom for m in messages if m.sender == "bot" and m.custom.get("kind") == ORDER_STATUS
    ]
    local = conversation.started_at.astimezone(REPORT_ZONE)
    return ConversationFacts(
        conversation_id=conversation.id,
        day=local.date(),
        hour=local.hour,
        eligible=eligible,
        answered=bool(answers),
        contained=contained,
        confirmed=confirmed,
        assumed=assumed,
        handed_off=bool(conversation.tickets),
        scored=conversation.score is not None,
        satisfied=(conversation.score or 0) >= 4,
        order_status=bool(statuses),
        late=any(bool(c.get("late")) for c in statuses),
        partial=bool(statuses)
        and (
            any(bool(c.get("partial")) for c in statuses)
            or any(m.sender == "bot" and m.text.startswith(PARTIAL_PREFIXES) for m in messages)
        ),
        lost=any(bool(c.get("inquiry_offered")) for c in statuses),
        recheck_at=recheck,
    )


def first_answer(ticket: TicketRecord, messages: Sequence[MessageRecord]) -> datetime | None:
    """When the shopper got a person's answer: the agent's first own message in the
    chat while the ticket was open (not "Camille has joined"); an offline ticket is
    answered by e-mail: when the first answer's e-mail was sent (one refused or never
    sent does not count), else, for one resolved without an e-mail (a phone call), when
    an agent resolved it."""
    if ticket.offline:
        return ticket.answered_at or ticket.closed_at
    replies = [
        m.at
        for m in messages
        if m.sender == "agent"
        and not m.custom.get("system")
        and m.at >= ticket.created_at
        and (ticket.closed_at is None or m.at <= ticket.closed_at)
    ]
    return min(replies) if replies else None


def ticket_facts(
    ticket: TicketRecord,
    conversation: ConversationRecord,
    hours: BusinessHours,
    promise_hours: float,
    now: datetime,
) -> TicketFacts:
    """First response (wall and opening-hours time), resolution time, and for an
    offline ticket whether it was answered within the promised working hours (``None``
    while the promise still runs: neither kept nor broken yet)."""
    created = ticket.created_at
    answered = first_answer(ticket, conversation.messages)
    wall = (answered - created).total_seconds() if answered else None
    business = hours.open_seconds_between(created, answered) if answered else None
    within: bool | None = None
    recheck: datetime | None = None
    if ticket.offline:
        promise = promise_hours * 3600
        if business is not None:
            within = business <= promise
        else:
            deadline = hours.after_open_seconds(created, promise)
            within, recheck = (False, None) if now >= deadline else (None, deadline)
    return TicketFacts(
        ticket_id=ticket.id,
        conversation_id=conversation.id,
        day=conversation.started_at.astimezone(REPORT_ZONE).date(),
        reason=ticket.reason,
        offline=ticket.offline,
        first_response_s=wall,
        first_response_business_s=business,
        first_response_bucket=first_response_bucket(wall) if wall is not None else None,
        resolution_s=(ticket.closed_at - created).total_seconds() if ticket.closed_at else None,
        within_promise=within,
        recheck_at=recheck,
    )


def first_response_bucket(seconds: float) -> str:
    """The distribution's bucket of a first response time (wall time)."""
    return next(name for name, limit in FIRST_RESPONSE_BUCKETS if seconds < limit)


def rate(numerator: int, denominator: int) -> float | None:
    """A share in [0, 1], ``None`` when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def return_kind(rule: str) -> str:
    """``warranty`` for a claim under the legal guarantee (a defect), else ``return``."""
    return "warranty" if rule == "legal_guarantee" else "return"


def most_disliked(votes: Mapping[str, Mapping[str, int]], limit: int = 10) -> list[str]:
    """Articles with at least one 👎, most 👎 first, then the worst share of 👎."""
    down = [(article, v.get("up", 0), v.get("down", 0)) for article, v in votes.items()]
    ranked = sorted(
        (d for d in down if d[2] > 0), key=lambda d: (-d[2], -d[2] / (d[1] + d[2]), d[0])
    )
    return [article for article, _, _ in ranked[:limit]]


@dataclass(frozen=True)
class Question:
    """A distinct unanswered question, how often it was asked, in which language."""

    text: str
    language: str
    count: int


@dataclass
class QuestionCluster:
    """Questions that mean the same thing: the leader is the most asked one."""

    count: int
    examples: list[str]
    language: str
    centroid: np.ndarray


def cluster_threshold(vectors: np.ndarray, default: float = 0.9) -> float:
    """The cosine above which two questions mean the same, measured on the questions.

    Models differ (e5's unrelated sentences sit near 0.85, MiniLM's near 0.1), so a
    fixed number would fit one model only. Most pairs of missed questions are
    unrelated: their median similarity is the model's background, and a pair 2.5
    robust deviations above it is a paraphrase. Under 8 questions there is no
    background to measure, and ``default`` (e5's) applies.
    """
    if len(vectors) < 8:
        return default
    pairs = (vectors @ vectors.T)[np.triu_indices(len(vectors), 1)]
    centre = float(np.median(pairs))
    spread = 1.4826 * float(np.median(np.abs(pairs - centre)))
    return min(0.99, max(0.5, centre + 2.5 * spread))


def cluster_questions(
    questions: Sequence[Question], vectors: np.ndarray, threshold: float, examples: int = 3
) -> list[QuestionCluster]:
    """Group questions by meaning: greedy leader clustering on cosine similarity.

    The most asked question leads a cluster; each next one joins the cluster whose
    leader it is most similar to (cosine ≥ ``threshold``, vectors normalised), else
    leads its own. Stable (same input, same clusters) and linear in clusters, which
    an owner's page needs more than an optimal partition. Most asked clusters first.
    """
    order = sorted(range(len(questions)), key=lambda i: (-questions[i].count, questions[i].text))
    leaders: list[int] = []
    members: list[list[int]] = []
    for i in order:
        if leaders:
            similarity = vectors[leaders] @ vectors[i]
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                members[best].append(i)
                continue
        leaders.append(i)
        members.append([i])
    clusters = []
    for group in members:
        weights = np.array([questions[i].count for i in group], dtype=np.float32)
        centroid = (vectors[group] * weights[:, None]).sum(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        clusters.append(
            QuestionCluster(
                count=int(weights.sum()),
                examples=[questions[i].text for i in group[:examples]],
                language=questions[group[0]].language,
                centroid=centroid.astype(np.float32),
            )
        )
    return sorted(clusters, key=lambda c: (-c.count, c.examples[0]))
