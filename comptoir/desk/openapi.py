"""The shopper-facing API described as OpenAPI 3.1, served at ``/api/openapi.json``.

A shop's developer reads it to embed or replace the widget, and ``make fuzz`` feeds it
to schemathesis, which sends thousands of generated requests and counts server errors
(there must be none). The request bodies come from the same pydantic models that
validate them, so the document cannot drift from what the desk accepts.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic import json as json_response

from comptoir.desk.api_models import (
    CONVERSATION_ID,
    IncomingFeedback,
    IncomingHello,
    IncomingMessage,
    IncomingSatisfaction,
)

openapi = Blueprint("openapi")

ERROR = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
}
CONVERSATION = {
    "name": "conversation_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": CONVERSATION_ID.pattern},
}
TOKEN = {
    "name": "X-Conversation-Token",
    "in": "header",
    "required": False,
    "description": "Given with the conversation's first answer; needed for every later call.",
    "schema": {"type": "string", "maxLength": 200},
}


def _answers(*codes: int) -> dict[str, Any]:
    """Every listed status answers JSON; errors have the ``{error, detail}`` shape."""
    described = {
        200: "done",
        400: "the request is malformed (the detail says what to fix)",
        403: "not this conversation's token",
        404: "unknown conversation or answer",
        409: "already recorded",
        413: "body over 64 KB",
        429: "too many requests; retry after Retry-After seconds",
        503: "the assistant is unavailable; the message was saved",
    }
    return {
        str(code): {
            "description": described[code],
            "content": {
                "application/json": {"schema": {"type": "object"} if code < 300 else ERROR}
            },
        }
        for code in codes
    }


def _body(model: type) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _conversation_call(summary: str, model: type | None, *codes: int) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [CONVERSATION, TOKEN],
        "responses": _answers(*codes),
    }
    if model is not None:
        operation["requestBody"] = _body(model)
    return operation


def document() -> dict[str, Any]:
    """The OpenAPI document of the widget's API."""
    message_schema = IncomingMessage.model_json_schema(ref_template="#/components/schemas/{model}")
    history = _conversation_call("The conversation's messages", None, 200, 400, 403, 404, 429)
    history["parameters"] = [
        *history["parameters"],
        {"name": "after", "in": "query", "required": False, "schema": {"type": "integer"}},
    ]
    base = "/api/conversations/{conversation_id}"
    return {
        "openapi": "3.1.0",
        "info": {"title": "Comptoir desk: the chat widget's API", "version": "1"},
        "paths": {
            f"{base}/messages": {
                "post": _conversation_call(
                    "Send a shopper's message; answers the bot's replies",
                    IncomingMessage,
                    200,
                    400,
                    403,
                    413,
                    429,
                    503,
                ),
                "get": history,
            },
            f"{base}/feedback": {
                "post": _conversation_call(
                    "Vote on a knowledge answer", IncomingFeedback, 200, 400, 403, 404, 429
                )
            },
            f"{base}/satisfaction": {
                "post": _conversation_call(
                    "The end-of-chat score", IncomingSatisfaction, 200, 400, 403, 404, 409, 429
                )
            },
            f"{base}/typing": {
                "post": _conversation_call("The shopper is typing", None, 200, 400, 403, 429)
            },
            f"{base}/transcript": {
                "post": _conversation_call(
                    "E-mail the chat to the shopper's known address (a verified order's, or "
                    "the one left for an offline request once an agent answered there; 409 "
                    "without one; 429 past the caps per chat, recipient and client); the "
                    "answer's 'message' is the sentence to show",
                    None,
                    200,
                    400,
                    403,
                    404,
                    409,
                    429,
                )
            },
            f"{base}/hello": {
                "post": _conversation_call(
                    "A signed-in shopper opened a new chat: the bot's first words, if any "
                    "(a late order); no token needed",
                    IncomingHello,
                    200,
                    400,
                    409,
                    429,
                )
            },
            "/api/notices": {
                "get": {
                    "summary": "The shop's active notices, in one language (no token; cached 60 s)",
                    "parameters": [
                        {
                            "name": "language",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": ["fr", "en"]},
                        }
                    ],
                    "responses": _answers(200, 400),
                }
            },
            "/health": {
                "get": {
                    "summary": "Whether the desk, Rasa, the action server and the database answer",
                    "responses": {
                        "200": {"description": "all up"},
                        "503": {"description": "a part is down"},
                    },
                }
            },
        },
        "components": {"schemas": message_schema.get("$defs", {})},
    }


@openapi.get("/api/openapi.json")
async def openapi_document(_request: Request):
    """The document, for developers and for the fuzzer."""
    return json_response(document())
