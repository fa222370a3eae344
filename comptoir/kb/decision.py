"""The bot's decision on ranked candidates: answer, ask which one, or admit it does not know.

Thresholds are absolute scores. On a knowledge base they come from its own calibration
(``calibration.py``: the background of scores between its articles, in units of that
background's spread), so a shop's plain FAQ is judged against its own scale, not ours.
``kb_thresholds.yml`` holds, per embedding model, the relative constants (fitted once on
our development set) and, as an optional override, fixed absolute ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

import yaml
from pydantic import BaseModel

Decision = Literal["answer", "clarify", "none"]
THRESHOLDS_FILE = Path(__file__).resolve().parents[2] / "kb_thresholds.yml"
MAX_CHOICES = 3  # buttons in a "did you mean"


class RelativeThresholds(BaseModel):
    """Thresholds in units of a knowledge base's background spread, from its mean.

    ``answer``/``clarify`` place the best score against the background; ``margin`` is the
    lead the best must have over the second to be answered alone; ``clarify_window`` is
    how close another candidate must be to be offered beside it.
    """

    answer: float = 0.0
    clarify: float = -0.5
    margin: float = 0.5
    clarify_window: float = 0.7


class Thresholds(BaseModel):
    """Absolute decision thresholds for one embedding model (see kb_thresholds.yml)."""

    lexical_weight: float = 0.3
    answer: float = 0.9
    margin: float = 0.02
    clarify: float = 0.85
    clarify_window: float = 0.04
    relative: RelativeThresholds = RelativeThresholds()

    def scaled(self, mean: float, spread: float) -> Thresholds:
        """The absolute thresholds of a knowledge base with this background."""
        r = self.relative
        return self.model_copy(
            update={
                "answer": mean + r.answer * spread,
                "clarify": mean + r.clarify * spread,
                "margin": r.margin * spread,
                "clarify_window": r.clarify_window * spread,
            }
        )


def load_thresholds(model_name: str, path: Path = THRESHOLDS_FILE) -> Thresholds:
    """The thresholds of ``model_name`` (defaults if it was never calibrated)."""
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entry = (data.get("models") or {}).get(model_name)
        if entry:
            return Thresholds.model_validate(entry)
    return Thresholds()


class Scored(Protocol):
    """What the decision needs of a candidate: its fused score."""

    @property
    def score(self) -> float: ...


C = TypeVar("C", bound=Scored)


@dataclass(frozen=True)
class ClosePair:
    """Two articles a shopper's question could not tell apart (``gap`` below the margin)."""

    first: str
    second: str
    gap: float


@dataclass(frozen=True)
class Calibration:
    """What a build measured on one language's articles, and the thresholds it gives."""

    language: str
    pseudo_questions: int
    background_mean: float
    background_spread: float
    thresholds: Thresholds
    close_pairs: tuple[ClosePair, ...] = ()

    def as_json(self) -> dict[str, object]:
        """For the editors' preview and ``comptoir kb eval``."""
        t = self.thresholds
        return {
            "language": self.language,
            "pseudo_questions": self.pseudo_questions,
            "background_mean": round(self.background_mean, 4),
            "background_spread": round(self.background_spread, 4),
            "answer": round(t.answer, 4),
            "clarify": round(t.clarify, 4),
            "margin": round(t.margin, 4),
            "clarify_window": round(t.clarify_window, 4),
            "close_pairs": [
                {"first": p.first, "second": p.second, "gap": round(p.gap, 4)}
                for p in self.close_pairs
            ],
        }


def decide(candidates: Sequence[C], thresholds: Thresholds) -> tuple[Decision, list[C]]:
    """Answer when the best is high and clearly ahead; ask between close plausible ones;
    otherwise nothing is plausible."""
    t = thresholds
    if not candidates or candidates[0].score < t.clarify:
        return "none", []
    best = candidates[0].score
    second = candidates[1].score if len(candidates) > 1 else -1.0
    if best >= t.answer and best - second >= t.margin:
        return "answer", [candidates[0]]
    close: list[C]
    close = [c for c in candidates[:MAX_CHOICES] if best - c.score <= t.clarify_window]
    if len(close) == 1:
        return ("answer", close) if best >= t.answer else ("clarify", close)
    return "clarify", close
