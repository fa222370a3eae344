"""Canned replies for agents, with placeholders filled from the ticket's context.

Kept in a YAML file the shop edits (``canned_replies.yml``); a placeholder with no value
(an unverified order has no number to show) is dropped rather than left as ``{...}``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, TypeAdapter


class CannedReply(BaseModel):
    """One reply in both languages."""

    id: str
    title: str
    fr: str
    en: str


_PLACEHOLDER = re.compile(r"\{(first_name|order_number|agent_name)\}")


def load_canned(path: Path) -> list[CannedReply]:
    """The replies file, validated; an absent file means no canned replies."""
    if not path.exists():
        return []
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return TypeAdapter(list[CannedReply]).validate_python(raw)


def render(text: str, values: dict[str, str]) -> str:
    """Fill the placeholders; missing values vanish along with a space before them."""
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or "\0", text)
    return re.sub(r" ?\0", "", filled)
