"""One way, for the whole project, to say a thing in French and in English.

Comptoir is French first: every sentence a shopper, an agent, an editor or an owner
reads exists in both languages, written side by side so that neither is forgotten.
Catalogues hold ``Bilingual`` pairs; a one-off sentence uses ``pick``. Any language
other than English gets French, the shop's own language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")


def normalise_language(value: object) -> Language:
    """``"en"`` for English, ``"fr"`` for anything else (unknown or missing included)."""
    return "en" if value == "en" else "fr"


@dataclass(frozen=True)
class Bilingual:
    """A sentence in French and English, with optional ``{placeholders}``."""

    fr: str
    en: str

    def __call__(self, language: str, **values: object) -> str:
        """The sentence in ``language``, placeholders filled from ``values``."""
        text = self.en if language == "en" else self.fr
        return text.format(**values) if values else text


def pick(language: str, french: str, english: str) -> str:
    """The French or the English of a one-off sentence (already formatted)."""
    return english if language == "en" else french
