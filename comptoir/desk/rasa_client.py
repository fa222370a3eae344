"""Relay a shopper's message to Rasa's REST channel and normalise its answer.

Rasa answers with a list of bot messages (text, buttons, image, custom). The desk and
the widget only need one stable shape, so the mapping lives here, in one place.
"""

from __future__ import annotations

from typing import Any

import httpx

from comptoir.message_kinds import BUSINESS_STEPS


class BotUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer usably."""


def normalise_bot_message(raw: dict[str, Any]) -> dict[str, Any]:
    """Map one Rasa REST message to the desk's ``{"text", "buttons", "custom"}`` shape."""
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", b.get("title", "")))}
        for b in raw.get("buttons") or []
    ]
    custom = raw.get("custom") if isinstance(raw.get("custom"), dict) else {}
    if raw.get("image"):
        custom = {**custom, "image": raw["image"]}
    return {"text": str(raw.get("text") or ""), "buttons": buttons, "custom": custom}


def merge_custom_payloads(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attach a custom-only message to the text message before it.

    An action's ``utter_message(text=..., json_message=...)`` reaches the REST channel
    as two messages; the widget wants one message with its metadata (article id, 👍/👎).
    """
    merged: list[dict[str, Any]] = []
    for message in messages:
        if merged and not message["text"] and not message["buttons"] and message["custom"]:
            merged[-1]["custom"] = {**merged[-1]["custom"], **message["custom"]}
        else:
            merged.append(message)
    return merged


def path_from_events(events: list[Any]) -> dict[str, list[str]]:
    """Intents (each once, first seen first) and business steps from tracker events."""
    intents: list[str] = []
    steps: list[str] = []
    for event in events:
        if not isinstance(event, dict):
            continue
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if isinstance(name, str) and name and name not in intents:
                intents.append(name)
        elif (
            event.get("event") == "action"
            and event.get("name") in BUSINESS_STEPS
            and (not steps or steps[-1] != event["name"])
        ):
            steps.append(event["name"])
    return {"intents": intents, "steps": steps}


class RasaClient:
    """A small async client for the two Rasa endpoints the desk uses."""

    def __init__(
        self, rasa_url: str, actions_url: str, timeout_s: float, api_token: str = ""
    ) -> None:
        self._rasa_url = rasa_url.rstrip("/")
        self._actions_url = actions_url.rstrip("/")
        self._api_token = api_token
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=3.0))

    async def _tracker_event(self, conversation_id: str, event: str) -> bool:
        """Append a ``pause``/``resume`` event to the conversation's Rasa tracker.

        Needs Rasa's HTTP API (``--enable-api --auth-token``), which ``comptoir run``
        enables on 127.0.0.1; without a token the desk's own routing still keeps the
        bot silent, only Rasa's tracker does not show the pause.
        """
        if not self._api_token:
            return False
        try:
            response = await self._http.post(
                f"{self._rasa_url}/conversations/{conversation_id}/tracker/events",
                params={"token": self._api_token},
                json={"event": event},
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def pause(self, conversation_id: str) -> bool:
        """Record in Rasa's tracker that a person took the conversation over."""
        return await self._tracker_event(conversation_id, "pause")

    async def resume(self, conversation_id: str) -> bool:
        """Record that the bot has the conversation back."""
        return await self._tracker_event(conversation_id, "resume")

    async def conversation_path(self, conversation_id: str) -> dict[str, list[str]]:
        """The intents Rasa recognised and the business steps it took, in order.

        Read from Rasa's tracker so that the agent sees what the bot understood,
        not only what it said. Empty when Rasa's HTTP API is not enabled.
        """
        if not self._api_token:
            return {"intents": [], "steps": []}
        try:
            response = await self._http.get(
                f"{self._rasa_url}/conversations/{conversation_id}/tracker",
                params={"token": self._api_token, "include_events": "ALL"},
            )
            events = response.json().get("events", []) if response.status_code == 200 else []
        except (httpx.HTTPError, ValueError, AttributeError):
            events = []
        return path_from_events(events)

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.aclose()

    async def send(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Send one shopper message; return the bot's messages in the desk's shape."""
        try:
            response = await self._http.post(
                f"{self._rasa_url}/webhooks/rest/webhook",
                json={"sender": conversation_id, "message": text, "metadata": metadata},
            )
        except httpx.HTTPError as error:
            raise BotUnavailable(f"Rasa unreachable: {error!r}") from error
        if response.status_code != 200:
            raise BotUnavailable(f"Rasa answered HTTP {response.status_code}")
        try:
            messages = response.json()
        except ValueError as error:
            raise BotUnavailable("Rasa answered with invalid JSON") from error
        return merge_custom_payloads(
            [normalise_bot_message(m) for m in messages if isinstance(m, dict)]
        )

    async def rasa_status(self) -> dict[str, Any]:
        """Whether the Rasa server answers (it only starts once its model is loaded)."""
        return await self._status(f"{self._rasa_url}/")

    async def actions_status(self) -> dict[str, Any]:
        """Whether the action server answers its health check."""
        return await self._status(f"{self._actions_url}/health")

    async def _status(self, url: str) -> dict[str, Any]:
        """``{"ok": True}`` for an HTTP 200 within 3 s, else why not (for ``/health``)."""
        try:
            response = await self._http.get(url, timeout=3.0)
            return {"ok": response.status_code == 200}
        except httpx.HTTPError as error:
            return {"ok": False, "error": type(error).__name__}
