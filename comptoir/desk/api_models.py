"""Validation of what the widget sends, with errors a developer can act on."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class SignedCustomer(BaseModel):
    """A shopper signed in on the shop: the shop signs the e-mail (HMAC-SHA256)."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    signature: str = Field(max_length=128)
    expires: int | None = Field(
        None,
        ge=0,
        lt=2**40,
        description="When the shop's signature stops being valid (Unix time), if it signs one.",
    )


class IncomingMessage(BaseModel):
    """Body of ``POST /api/conversations/{id}/messages``."""

    model_config = ConfigDict(extra="forbid")

    text: str
    lang: Literal["fr", "en"] | None = None
    customer: SignedCustomer | None = None
    client_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="The widget's id for this message: a retried send is not relayed twice.",
    )
    label: str | None = Field(
        None,
        max_length=200,
        description="What the shopper clicked (a button's title) when text is its payload.",
    )
    lang_chosen: bool = Field(
        False, description="The shopper picked `lang` in the widget: it beats the chat's language."
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("text must not be empty")
        return stripped


class IncomingHello(BaseModel):
    """Body of ``POST /api/conversations/{id}/hello``: a signed-in shopper opened the
    widget on a new conversation (the bot may have something to tell them first)."""

    model_config = ConfigDict(extra="forbid")

    lang: Literal["fr", "en"] | None = None
    customer: SignedCustomer


class IncomingFeedback(BaseModel):
    """Body of ``POST /api/conversations/{id}/feedback`` (the 👍/👎 under an answer)."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    vote: Literal["up", "down"]
    question: str = ""


class IncomingSatisfaction(BaseModel):
    """Body of ``POST /api/conversations/{id}/satisfaction`` (end-of-chat score)."""

    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=1000)


def read_json_object(raw: bytes | None) -> dict[str, Any] | None:
    """The request body as a JSON object, or ``None`` when it is not one.

    JSON may carry a lone surrogate (``"\\ud800"``), which no database can store: such
    a body is refused here like any malformed one, rather than failing later as a 500.
    """
    try:
        body = json.loads(raw or b"")
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def describe_validation_error(error: ValidationError, max_chars: int) -> str:
    """One readable sentence per problem, e.g. ``unknown field 'foo'``."""
    problems: list[str] = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "body"
        kind = item["type"]
        if kind == "extra_forbidden":
            problems.append(f"unknown field '{where}'")
        elif kind == "missing":
            problems.append(f"field '{where}' is required")
        elif kind == "literal_error" and where == "lang":
            problems.append("field 'lang' must be 'fr' or 'en'")
        elif kind == "string_type":
            problems.append(f"field '{where}' must be a string")
        else:
            problems.append(f"field '{where}': {item['msg']}")
    return "; ".join(problems) or f"text must be 1 to {max_chars} characters"
