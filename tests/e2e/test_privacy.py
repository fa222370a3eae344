"""A shopper's erasure request: the conversation disappears from every store at once."""

from __future__ import annotations

import json
import subprocess

import httpx

from comptoir.stack import PROJECT_ROOT


def rasa_user_events(stack, conversation_id: str) -> list[dict]:
    """The shopper's messages as Rasa's tracker store holds them."""
    tracker = httpx.get(
        f"{stack.config.rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": stack.rasa_token, "include_events": "ALL"},
        timeout=30,
    ).json()
    return [e for e in tracker.get("events") or [] if e.get("event") == "user"]


def test_forget_erases_the_chat_from_the_desk_rasa_and_the_misses(chat, stack_and_knowledge):
    stack = stack_and_knowledge[0]
    odd = "vendez-vous des lampes pour aquarium d'eau de mer ?"
    chat.say("où est ma commande CMD-10001 ?")
    chat.say("lea.martin@example.fr")
    assert "pas de réponse sûre" in chat.text(odd)
    assert len(rasa_user_events(stack, chat.id)) == 3
    misses = [str(PROJECT_ROOT / ".venv" / "bin" / "comptoir"), "kb", "misses"]
    listed = subprocess.run(misses, env=stack.environment(), capture_output=True, text=True)
    assert odd in listed.stdout

    forget = [str(PROJECT_ROOT / ".venv" / "bin" / "comptoir"), "privacy", "forget", chat.id]
    done = subprocess.run(forget, env=stack.environment(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["conversations"] == 1 and report["messages"] >= 6
    assert report["tracker_events"] > 0 and report["misses"] == 1

    history = chat.client.get(f"/api/conversations/{chat.id}/messages")
    assert history.status_code == 404
    assert rasa_user_events(stack, chat.id) == []
    listed = subprocess.run(misses, env=stack.environment(), capture_output=True, text=True)
    assert odd not in listed.stdout


def test_purge_refuses_a_period_of_no_days(stack_and_knowledge):
    purge = [str(PROJECT_ROOT / ".venv" / "bin" / "comptoir"), "privacy", "purge", "--days", "0"]
    done = subprocess.run(
        purge, env=stack_and_knowledge[0].environment(), capture_output=True, text=True
    )
    assert done.returncode == 2 and "at least 1" in done.stderr
