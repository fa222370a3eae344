"""The console's words: every code an agent may meet has a French and an English label.

Agents read « Demande du client », never ``shopper_request``. The labels live in the
console's front end (``comptoir/desk/static/console/labels.js``); this test reads that
file as text and checks it against where the codes come from: the handoff action's
reasons, the domain's intents, the desk's business steps and ticket statuses, the
shop's order and return statuses. It also checks that every sentence the console's
modules and page ask for exists in both languages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from comptoir import message_kinds
from comptoir.desk.accounts import ROLES
from comptoir.desk.rasa_client import BUSINESS_STEPS
from comptoir.desk.reports.definitions import FIRST_RESPONSE_BUCKETS
from comptoir.desk.tickets import OPEN_STATUSES, QUEUE_STATUSES
from comptoir.shop.models import ORDER_STATUSES, RETURN_STATUSES
from comptoir.shop.policy import REASONS as RETURN_REASONS

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "comptoir" / "desk" / "static" / "console"
LABELS = (CONSOLE / "labels.js").read_text(encoding="utf-8")

SECTION = re.compile(r"^  (\w+): \{$")
SECTION_END = "  },"
# One label: ``code: ["français", "English"],`` (French first, both non-empty); a code
# that is not a JavaScript name is quoted (``"5m_15m": [...]``).
CODE_PAIR = r'"?(\w+)"?: \["([^"]+)", "([^"]+)"\],$'
ENTRY = re.compile(r"^    " + CODE_PAIR)
GENERIC = re.compile(r"^  " + CODE_PAIR)
# One sentence: ``key: ["français", "English"],``.
SENTENCE = re.compile(r'^  (\w+): \["([^"]*)", "([^"]*)"\],$')
# Which language each place of a pair holds.
LANGUAGE_INDEX = re.compile(r"^const LANGUAGE_INDEX = \{ (\w+): 0, (\w+): 1 \};$", re.MULTILINE)


def block(name: str) -> list[str]:
    """The lines of ``const NAME = { … };`` in labels.js, but for blank and comment
    lines: every other line must be read by the parsers below, none skipped."""
    start = LABELS.index(f"\nconst {name} = {{")
    end = LABELS.index("\n};", start)
    lines = LABELS[start:end].splitlines()[2:]
    return [line for line in lines if line.strip() and not line.strip().startswith("//")]


def codes() -> dict[str, dict[str, tuple[str, str]]]:
    """``{kind: {code: (fr, en)}}`` from CODE_WORDS (the source of CODES)."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    kind = None
    for line in block("CODE_WORDS"):
        if section := SECTION.match(line):
            kind = section.group(1)
            found[kind] = {}
        elif entry := ENTRY.match(line):
            assert kind is not None, line
            found[kind][entry.group(1)] = (entry.group(2), entry.group(3))
        else:
            assert line == SECTION_END, f"labels.js: not a French/English pair: {line!r}"
    return found


def generic_labels() -> dict[str, tuple[str, str]]:
    """``{kind: (fr, en)}`` from UNKNOWN_WORDS (the source of UNKNOWN)."""
    found: dict[str, tuple[str, str]] = {}
    for line in block("UNKNOWN_WORDS"):
        entry = GENERIC.match(line)
        assert entry, f"labels.js: not a French/English pair: {line!r}"
        found[entry.group(1)] = (entry.group(2), entry.group(3))
    return found


def languages() -> tuple[str, str]:
    """The languages of a pair's first and second place (``LANGUAGE_INDEX``)."""
    index = LANGUAGE_INDEX.search(LABELS)
    assert index, "labels.js: no LANGUAGE_INDEX = { xx: 0, yy: 1 };"
    return index.group(1), index.group(2)


def ui() -> dict[str, set[str]]:
    """``{language: keys}`` from SENTENCES (the source of UI, one table per language
    of ``LANGUAGE_INDEX``)."""
    first, second = languages()
    found: dict[str, set[str]] = {first: set(), second: set()}
    for line in block("SENTENCES"):
        sentence = SENTENCE.match(line)
        assert sentence, f"labels.js: not a French/English pair: {line!r}"
        found[first].add(sentence.group(1))
        found[second].add(sentence.group(1))
    return found


def handoff_reasons() -> set[str]:
    """Every reason a ticket can have: the shared names (``REASON_*``), plus any literal
    ``("code", "normal"|"high")`` pair the handoff action might spell out itself."""
    source = (ROOT / "actions" / "handoff.py").read_text(encoding="utf-8")
    named = {
        getattr(message_kinds, name) for name in dir(message_kinds) if name.startswith("REASON_")
    }
    used = {getattr(message_kinds, name) for name in re.findall(r"kinds\.(REASON_\w+)", source)}
    return named | used | set(re.findall(r'"([a-z_]+)", "(?:normal|high)"', source))


def domain_intents() -> list[str]:
    return yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))["intents"]


def test_pairs_are_french_then_english():
    # codes() and generic_labels() read the first place as French, the second as English.
    assert languages() == ("fr", "en")


def test_the_codes_come_from_where_expected():
    # The sources this test reads still say what it expects of them.
    assert {"shopper_request", "refund_overdue", "parcel_inquiry"} <= handoff_reasons()
    assert {"request_human", "faq", "nlu_fallback"} <= set(domain_intents())
    assert "action_human_handoff" in BUSINESS_STEPS


# The names the reports' API sends (fixed by the API's contract, docs/reports.md).
REPORT_HEADLINE = (
    "conversations",
    "automation_rate",
    "resolution_confirmed_rate",
    "resolution_assumed_rate",
    "handoff_rate",
    "first_response_median_s",
    "first_response_business_median_s",
    "resolution_median_s",
    "offline_within_promise_rate",
    "csat",
    "csat_response_rate",
    "late_parcel_share",
)
REPORT_BUCKETS = tuple(name for name, _ in FIRST_RESPONSE_BUCKETS)


def expected() -> dict[str, set[str]]:
    return {
        "reason": handoff_reasons(),
        "intent": set(domain_intents()),
        "step": set(BUSINESS_STEPS),
        "priority": {"normal", "high"},
        "status": {*OPEN_STATUSES, *QUEUE_STATUSES, "handed_back", "resolved", "answered"},
        "order_status": set(ORDER_STATUSES),
        "return_status": set(RETURN_STATUSES),
        "role": set(ROLES),
        "language": {"fr", "en"},
        "decision": {"answer", "clarify", "none"},
        # The reports' API (GET /console/api/reports): its headline figures, the first
        # response time buckets, the returns' reasons and kinds.
        "metric": set(REPORT_HEADLINE),
        "metric_hint": set(REPORT_HEADLINE),
        "frt_bucket": set(REPORT_BUCKETS),
        "return_reason": set(RETURN_REASONS),
        "return_kind": {"return", "warranty"},
    }


@pytest.mark.parametrize("kind", sorted(expected()))
def test_every_code_has_words_in_both_languages(kind: str):
    labels = codes().get(kind, {})
    missing = sorted(expected()[kind] - set(labels))
    assert missing == [], f"labels.js CODES.{kind} lacks {missing}"
    for code, (french, english) in labels.items():
        assert french.strip() and english.strip(), code
        assert "_" not in french + english, f"{code}: {french} / {english} reads like a code"


def test_every_kind_has_a_generic_label_for_unknown_codes():
    generic = generic_labels()
    assert set(codes()) <= set(generic)
    for kind, (french, english) in generic.items():
        assert french.strip() and english.strip(), kind


def test_every_sentence_exists_in_both_languages():
    keys = ui()
    assert set(keys) == {"fr", "en"}
    assert keys["fr"] == keys["en"], keys["fr"] ^ keys["en"]
    # Every t("key") of the modules and data-i18n="key" of the page is defined.
    used = set()
    for module in CONSOLE.glob("*.js"):
        text = module.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("(\w+)"', text))
        # Keys handed to t() later: ``key: "last7"``, ``dataset.i18n = "…"``, ``problem = "…"``.
        used |= set(re.findall(r'\b(?:key|i18n|problem)\s*[:=]\s*"(\w+)"', text))
    page = (CONSOLE.parent / "console.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n(?:-placeholder|-aria-label)?="(\w+)"', page))
    assert sorted(used - keys["fr"]) == []
    kinds = set()
    for module in CONSOLE.glob("*.js"):
        text = module.read_text(encoding="utf-8")
        kinds |= set(re.findall(r'\b(?:label|code|isKnown)\("(\w+)"', text))
    kinds |= {code.split(":")[0] for code in re.findall(r'data-i18n-code="([\w:]+)"', page)}
    assert sorted(kinds - set(codes())) == []
