"""Handoff to a person through the desk: tickets, the bot's silence, claiming, hand back."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from websockets.asyncio.client import connect

from comptoir.stack import PROJECT_ROOT, free_port
from tests.stack_fixtures import start_desk, token_client, wait_for_health

PASSWORD = "correct horse battery"


def add_agent(env: dict[str, str], name: str, role: str = "agent") -> str:
    """Create a console account with the real CLI, in the desk database ``env`` names."""
    username = f"{name.lower()}-{uuid.uuid4().hex[:6]}"
    command = [str(PROJECT_ROOT / ".venv" / "bin" / "comptoir"), "users", "add", username]
    subprocess.run(
        [*command, "--name", name, "--role", role, "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        env=env,
    )
    return username


class Console:
    """One agent's browser session on the console API."""

    def __init__(self, base_url: str, username: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        signed = self.http.post(
            "/console/api/login", json={"username": username, "password": PASSWORD}
        )
        assert signed.status_code == 200, signed.text
        self.agent = signed.json()["agent"]
        self.csrf = signed.json()["csrf"]

    def post(self, path: str, body: dict | None = None) -> httpx.Response:
        return self.http.post(
            f"/console/api{path}", json=body or {}, headers={"X-CSRF-Token": self.csrf}
        )

    def ticket_of(self, conversation_id: str) -> dict:
        tickets = self.http.get("/console/api/tickets").json()["tickets"]
        return next(t for t in tickets if t["conversation_id"] == conversation_id)


@pytest.fixture(scope="module")
def agents(stack_and_knowledge):
    stack = stack_and_knowledge[0]
    env = stack.environment()
    return [Console(stack.config.desk_url, add_agent(env, name)) for name in ("Camille", "Noé")]


def test_asking_for_a_person_queues_the_chat_and_the_bot_goes_quiet(chat, agents):
    assert "conseiller" in chat.text("je veux parler à un conseiller")
    ticket = agents[0].ticket_of(chat.id)
    assert (ticket["status"], ticket["reason"]) == ("waiting", "shopper_request")
    reply = chat.client.post(f"/api/conversations/{chat.id}/messages", json={"text": "Bonjour ?"})
    assert reply.json()["messages"] == [] and reply.json()["handoff"]["status"] == "waiting"
    history = chat.client.get(f"/api/conversations/{chat.id}/messages").json()["messages"]
    assert history[-1]["sender"] == "shopper" and history[-1]["text"] == "Bonjour ?"


def test_the_ticket_summary_carries_the_verified_order(chat, agents):
    chat.say("où est ma commande CMD-10016 ?")
    chat.say("chloe.petit@example.fr")
    chat.say("où en est mon remboursement ?")
    chat.say("/request_human")
    ticket = agents[0].ticket_of(chat.id)
    assert (ticket["reason"], ticket["priority"]) == ("refund_overdue", "high")
    summary = ticket["summary"]
    assert summary["order_number"] == "CMD-10016" and summary["order_verified"] is True
    assert summary["last_shopper_message"] == "où en est mon remboursement ?"
    assert {"order_status", "return_status"} <= set(summary["intents"])
    assert "action_return_status" in summary["steps"]
    detail = agents[0].http.get(f"/console/api/tickets/{ticket['id']}").json()
    assert detail["order"]["number"] == "CMD-10016"
    assert detail["order"]["returns"][0]["status"] == "received"
    assert [m["sender"] for m in detail["transcript"]][:2] == ["shopper", "bot"]


def test_an_editor_signs_in_but_does_not_take_chats(chat, agents, stack_and_knowledge):
    stack = stack_and_knowledge[0]
    chat.say("/request_human")
    editor = Console(stack.config.desk_url, add_agent(stack.environment(), "Éloïse", "editor"))
    assert editor.agent["role"] == "editor"
    queue = editor.http.get("/console/api/tickets")
    assert (queue.status_code, queue.json()["error"]) == (403, "role")
    ticket = agents[0].ticket_of(chat.id)
    assert editor.post(f"/tickets/{ticket['id']}/claim").status_code == 403
    detail = editor.http.get(f"/console/api/tickets/{ticket['id']}")
    assert detail.status_code == 403 and chat.id not in detail.text
    assert editor.post("/logout").status_code == 200


def open_return_on(stack, number: str) -> str:
    """A return opened on ``number`` in the stack's shop database (as the chat would)."""
    from comptoir.shop.eligibility import Eligibility
    from comptoir.shop.returns import create_return
    from comptoir.shop.service import load_order, open_session

    with open_session(f"sqlite:///{stack.config.run_dir / 'shop.db'}") as session:
        order = load_order(session, number)
        record, _ = create_return(
            session,
            order,
            sku=order.lines[0].sku,
            reason="defective",
            resolution="repair",
            eligibility=Eligibility(True, "legal_guarantee", "shop", None, None),
        )
        return record.number


def test_the_agent_works_the_case_with_notes_canned_replies_and_returns(
    chat, agents, stack_and_knowledge
):
    camille = agents[0]
    number = open_return_on(stack_and_knowledge[0], "CMD-10003")
    chat.say("où est ma commande CMD-10003 ?")
    chat.say("tom.bernard@example.fr")
    waiting = chat.text("/request_human")
    assert "attente estimée" in waiting
    ticket = camille.ticket_of(chat.id)
    assert camille.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    replies = camille.http.get(f"/console/api/tickets/{ticket['id']}/canned").json()["replies"]
    hello = next(r["text"] for r in replies if r["id"] == "hello")
    assert hello.startswith("Bonjour Tom, je suis Camille")
    checking = next(r["text"] for r in replies if r["id"] == "checking-order")
    assert "commande CMD-10003" in checking
    # A private note stays in the console.
    camille.post(f"/tickets/{ticket['id']}/notes", {"text": "colis bloqué au dépôt de Lyon"})
    detail = camille.http.get(f"/console/api/tickets/{ticket['id']}").json()
    assert detail["notes"][0]["text"] == "colis bloqué au dépôt de Lyon"
    history = chat.client.get(f"/api/conversations/{chat.id}/messages").json()["messages"]
    assert all("dépôt" not in m["text"] for m in history)
    # The return moves on from the console, with the same rules as the CLI.
    assert number in {r["number"] for r in detail["order"]["returns"]}
    path = f"/tickets/{ticket['id']}/returns/{number}/status"
    assert camille.post(path, {"status": "in_transit"}).json()["status"] == "in_transit"
    assert camille.post(path, {"status": "refunded"}).status_code == 409
    # Resolving closes the ticket; the bot answers again.
    assert camille.post(f"/tickets/{ticket['id']}/resolve").status_code == 200
    queue = camille.http.get("/console/api/tickets").json()["tickets"]
    assert chat.id not in {t["conversation_id"] for t in queue}
    assert "Comptoir" in chat.text("tu es un robot ?")


def test_the_shopper_sees_the_agent_typing(chat, agents, stack_and_knowledge):
    stack = stack_and_knowledge[0]
    camille = agents[0]
    chat.say("je veux parler à un conseiller")
    ticket = camille.ticket_of(chat.id)
    camille.post(f"/tickets/{ticket['id']}/claim")
    ws_url = stack.config.desk_url.replace("http", "ws") + f"/api/conversations/{chat.id}/ws"

    async def scenario() -> dict:
        last = chat.client.get(f"/api/conversations/{chat.id}/messages").json()["messages"]
        token = chat.client.tokens[chat.id]
        async with connect(f"{ws_url}?after={last[-1]['seq']}&token={token}") as socket:
            await asyncio.to_thread(camille.post, f"/tickets/{ticket['id']}/typing")
            async with asyncio.timeout(20):
                while True:
                    frame = json.loads(await socket.recv())
                    if frame["type"] == "typing":
                        return frame

    assert asyncio.run(scenario()) == {"type": "typing", "who": "agent"}


def test_two_agents_claiming_at_once_one_wins(chat, agents):
    chat.say("je veux parler à un conseiller")
    ticket = agents[0].ticket_of(chat.id)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda a: a.post(f"/tickets/{ticket['id']}/claim"), agents))
    assert sorted(r.status_code for r in results) == [200, 409]


def test_agent_and_shopper_chat_then_the_bot_answers_again(chat, agents, stack_and_knowledge):
    stack = stack_and_knowledge[0]
    camille = agents[0]
    chat.say("je veux parler à un conseiller")
    ticket = camille.ticket_of(chat.id)
    assert camille.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    sent = camille.post(f"/tickets/{ticket['id']}/messages", {"text": "Bonjour, je regarde."})
    assert sent.status_code == 200
    history = chat.client.get(f"/api/conversations/{chat.id}/messages").json()["messages"]
    assert history[-1]["sender"] == "agent" and history[-1]["text"] == "Bonjour, je regarde."
    assert history[-1]["custom"]["agent_name"] == "Camille"
    # The shopper's answer goes to Camille, never to the bot.
    assert chat.say("Merci !") == []
    transcript = camille.http.get(f"/console/api/tickets/{ticket['id']}").json()["transcript"]
    assert transcript[-1]["text"] == "Merci !"
    # Only the owner may answer or hand back.
    other = agents[1].post(f"/tickets/{ticket['id']}/messages", {"text": "moi aussi"})
    assert other.status_code == 403
    assert camille.post(f"/tickets/{ticket['id']}/hand-back").status_code == 200
    assert "Comptoir" in chat.text("tu es un robot ?")
    # Rasa's tracker recorded the pause and the resume.
    events = httpx.get(
        f"{stack.config.rasa_url}/conversations/{chat.id}/tracker",
        params={"token": stack.rasa_token},
        timeout=30,
    ).json()["events"]
    kinds = [e["event"] for e in events]
    assert "pause" in kinds and "resume" in kinds and kinds.index("pause") < kinds.index("resume")


def test_the_console_is_closed_to_shoppers(desk, chat, agents):
    chat.say("Bonjour")
    assert desk.get("/console/api/tickets").status_code == 401
    assert desk.get("/console/api/tickets/1").status_code == 401
    wrong = desk.post("/console/api/login", json={"username": "camille", "password": "x"})
    assert wrong.status_code == 401
    no_csrf = agents[0].http.post("/console/api/tickets/1/claim")
    assert no_csrf.status_code == 403
    assert desk.get("/console/").status_code == 200  # the sign-in page itself


@pytest.fixture(scope="module")
def closed_desk(stack_and_knowledge, tmp_path_factory):
    """A second desk, shut outside business hours, on the same Rasa and action server."""
    stack = stack_and_knowledge[0]
    port = free_port()
    env = {
        **stack.environment(),
        "COMPTOIR_DESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('closed')}/desk.db",
        "COMPTOIR_BUSINESS_HOURS": '{"days": [0], "opens": "00:00", "closes": "00:00"}',
    }
    process = start_desk(port, env, log=stack.logs / "closed-desk.log")
    url = f"http://127.0.0.1:{port}"
    wait_for_health(url, 60)
    with token_client(url) as client:
        yield client, env
    process.terminate()
    process.wait(10)


def test_out_of_hours_the_bot_takes_an_email_and_the_request(closed_desk):
    client, env = closed_desk
    conversation = f"t-{uuid.uuid4().hex[:12]}"

    def say(text: str) -> str:
        reply = client.post(f"/api/conversations/{conversation}/messages", json={"text": text})
        assert reply.status_code == 200, reply.text
        return "\n".join(m["text"] for m in reply.json()["messages"])

    assert "pas disponibles pour le moment" in say("je veux parler à un conseiller")
    assert "Quelle est votre demande" in say("mon adresse : lea.martin@example.fr")
    done = say("Ma facture n'a pas la bonne adresse, pouvez-vous la corriger ?")
    assert "lea.martin@example.fr" in done and "12 heures ouvrées" in done
    # The bot is back: the next question gets a bot answer.
    assert "Comptoir" in say("tu es un robot ?")
    # The offline ticket waits in the console's queue with what the shopper left.
    username = add_agent(env, "Inès")
    agent = Console(str(client.base_url), username)
    ticket = agent.ticket_of(conversation)
    assert ticket["status"] == "offline"
    assert ticket["contact_email"] == "lea.martin@example.fr"
    assert "facture" in ticket["request"]
