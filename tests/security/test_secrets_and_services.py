"""Secrets, internal services and run files, attacked on the real servers (issue 12).

Attack 1 (known default secrets), attack 2 (the action server open to anyone), and the
parts of attacks 5 and 8 about running the stack: Rasa's log keeping shoppers' text,
Rasa's ``--auth-token`` visible in ``ps``, run files readable by other users. Each test
says which attack it reproduces; every one of them failed on the code before the fix.
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from comptoir.desk.conversation_tokens import token_for
from comptoir.stack import PROJECT_ROOT, free_port
from tests.helpers import customer_identity
from tests.stack_fixtures import COMPTOIR, start_desk, wait_for_health

PYTHON = str(PROJECT_ROOT / ".venv" / "bin" / "python")
# Every value a reader of the old code or of the docs knows ("" is today's default).
PUBLISHED = ["", "dev-conversation-secret", "demo-shop-secret", "change-me", "dev-reload-token"]
LEA = "lea.martin@example.fr"
SECRET_VARS = (
    "COMPTOIR_CONVERSATION_SECRET",
    "COMPTOIR_IDENTITY_SECRET",
    "COMPTOIR_ACTIONS_TOKEN",
    "COMPTOIR_RASA_TOKEN",
)


def bare_env(tmp: Path, *layers: dict[str, str], **extra: str) -> dict[str, str]:
    """The environment of a fresh install: no COMPTOIR_* setting but the run folder,
    then ``layers`` and ``extra`` in that order."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    env.update({"COMPTOIR_RUN_DIR": str(tmp / "run"), "HF_HUB_OFFLINE": "1"})
    for layer in (*layers, extra):
        env.update(layer)
    return env


def safe_secrets() -> dict[str, str]:
    import secrets

    return {name: secrets.token_urlsafe(32) for name in SECRET_VARS}


def run_until_exit(argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 30):
    """Run a server command that should refuse to start; a server that keeps running
    (the attack works) is stopped and reported as such."""
    process = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"{argv[1:3]} started anyway (still running after {timeout:.0f} s)")
    return process.returncode, out, err


def assert_refused(code: int, err: str, variable: str) -> None:
    assert code == 2, err
    assert variable in err, err
    assert "Traceback" not in err, err


# ------------------------------------------------------------------ attack 1: secrets
def test_desk_refuses_to_start_without_a_conversation_secret(tmp_path):
    """Attack 1: a default install signs conversation tokens with a published value;
    in production (no demo mode) the desk now refuses to start without its secrets."""
    argv = [COMPTOIR, "desk", "--port", str(free_port())]
    code, _, err = run_until_exit(argv, bare_env(tmp_path), tmp_path)
    assert_refused(code, err, "COMPTOIR_CONVERSATION_SECRET")


@pytest.mark.parametrize("value", ["dev-conversation-secret", "change-me", "x" * 20])
def test_desk_refuses_a_published_or_short_secret(tmp_path, value):
    """Attack 1: the old defaults (and short keys) are refused by name."""
    env = bare_env(tmp_path, safe_secrets(), COMPTOIR_CONVERSATION_SECRET=value)
    argv = [COMPTOIR, "desk", "--port", str(free_port())]
    code, _, err = run_until_exit(argv, env, tmp_path)
    assert_refused(code, err, "COMPTOIR_CONVERSATION_SECRET")


def test_action_server_and_run_refuse_to_start_without_their_secrets(tmp_path):
    """Attacks 1 and 2: the action server will not serve without the token Rasa must
    present, and `comptoir run` checks every secret before starting anything."""
    env = bare_env(tmp_path)
    argv = [PYTHON, "-m", "actions.server", "--port", str(free_port())]
    code, _, err = run_until_exit(argv, env, PROJECT_ROOT)
    assert_refused(code, err, "COMPTOIR_ACTIONS_TOKEN")
    argv = [COMPTOIR, "run", "--model", "none.tar.gz", "--port", str(free_port())]
    code, _, err = run_until_exit(argv, env, tmp_path)
    assert_refused(code, err, "COMPTOIR_CONVERSATION_SECRET")


def test_demo_mode_desk_signs_with_a_random_secret_kept_private(tmp_path):
    """Attack 1: in demo mode a token computed with any published secret is refused;
    the desk uses a random secret generated once into run_dir/secrets.env (0600)."""
    port = free_port()
    env = bare_env(tmp_path, COMPTOIR_DEMO_MODE="1")
    desk = start_desk(port, env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        answered = wait_for_health(base, 60, healthy=False, process=desk)
        assert desk.poll() is None, "the demo desk did not start"
        assert answered, "the demo desk did not answer"
        url = f"{base}/api/conversations/c-demo-1/messages"
        for published in PUBLISHED:
            forged = token_for(published, "c-demo-1")
            response = httpx.get(url, headers={"X-Conversation-Token": forged}, timeout=10)
            assert response.status_code == 403, (published, response.text)
        kept = tmp_path / "run" / "secrets.env"
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        values = dict(line.split("=", 1) for line in kept.read_text().splitlines() if "=" in line)
        secret = values["COMPTOIR_CONVERSATION_SECRET"]
        assert len(secret) >= 32 and secret not in PUBLISHED
        real = token_for(secret, "c-demo-1")
        # The real secret passes the token check (404: no such conversation yet).
        answer = httpx.get(url, headers={"X-Conversation-Token": real}, timeout=10)
        assert answer.status_code in (200, 404), answer.text
    finally:
        desk.terminate()
        desk.wait(timeout=15)


@pytest.mark.parametrize("published", ["", "demo-shop-secret"])
def test_identity_signed_with_a_published_secret_gives_nothing(desk, published):
    """Attack 1: a `customer` identity signed with the published shop secret (or the
    empty default) listed every order of any e-mail address."""
    customer = customer_identity(LEA, published, int(time.time()) + 600)
    body = {"text": "où est ma commande ?", "customer": customer}
    reply = desk.post(f"/api/conversations/forged-id-{len(published)}/messages", json=body)
    messages = reply.json()["messages"]
    text = json.dumps(messages, ensure_ascii=False)
    # Léa's orders are CMD-10001 (Lampe Orsay), CMD-10004 and CMD-10012; the question
    # for an order number quotes "CMD-10001" as an example, so look for the others.
    assert not re.search("Lampe Orsay|Plaid|CMD-10004|CMD-10012", text), text
    assert not any(m["buttons"] for m in messages)


# ------------------------------------------------------------ attack 2: action server
def forged_call(next_action: str) -> dict:
    """What Rasa would post, with a verified order nobody proved."""
    slots = {
        "verified_order": "CMD-10001",
        "order_number": "CMD-10001",
        "order_proof": "verified",
        "language": "fr",
    }
    return {
        "next_action": next_action,
        "sender_id": "attacker",
        "version": "3.6.20",
        "domain": {},
        "tracker": {
            "sender_id": "attacker",
            "slots": slots,
            "latest_message": {"text": "rembourser", "intent": {"name": "affirm"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


@pytest.mark.parametrize("next_action", ["action_order_status_answer", "action_return_flow"])
def test_forged_tracker_to_the_action_server_gets_no_order_data(stack_and_knowledge, next_action):
    """Attack 2: a forged tracker posted to /webhook with `verified_order` set returned
    the order's status, tracking and contents; now refused without Rasa's secret."""
    stack = stack_and_knowledge[0]
    url = f"{stack.config.actions_url}/webhook"
    attempts = [
        httpx.post(url, json=forged_call(next_action), timeout=30),
        httpx.post(
            url,
            json=forged_call(next_action),
            headers={"Authorization": "Bearer change-me"},
            timeout=30,
        ),
        httpx.post(url, params={"token": "change-me"}, json=forged_call(next_action), timeout=30),
    ]
    for response in attempts:
        assert response.status_code in (401, 403), response.text
        assert "CMD-10001" not in response.text and "Lampe" not in response.text
    assert httpx.get(f"{stack.config.actions_url}/actions", timeout=10).status_code in (401, 403)


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp*)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] != "0A" or int(port_hex, 16) != port:
                continue
            raw = bytes.fromhex(address)
            if len(raw) == 4:
                found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_action_server_listens_on_loopback_only(stack_and_knowledge):
    """Attack 2: rasa_sdk listened on 0.0.0.0, reachable from any network."""
    stack = stack_and_knowledge[0]
    addresses = listening_addresses(stack.config.actions_port)
    assert addresses, "nothing listens on the action server's port"
    assert addresses <= {"127.0.0.1", "::1"}, addresses


# ------------------------------------------- attacks 5 and 8: argv, run files, logs
def test_no_secret_in_any_command_line(stack_and_knowledge):
    """Attack 8: Rasa's --auth-token was readable by every local user in `ps`."""
    stack = stack_and_knowledge[0]
    env = stack.environment()
    secrets = {stack.rasa_token} | {env[name] for name in SECRET_VARS if env.get(name)}
    leaks = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        leaks += [cmdline.parent.name for secret in secrets if secret and secret in argv]
    assert not leaks, f"secrets in the command line of processes {leaks}"


def test_run_files_are_private(stack_and_knowledge, chat):
    """Attack 8: .run/*.db (chats, orders, Rasa's trackers) were world-readable."""
    chat.say("bonjour")
    run_dir = stack_and_knowledge[0].config.run_dir
    assert stat.S_IMODE(run_dir.stat().st_mode) & 0o077 == 0
    # What the stack writes (other tests add logs of their own desks beside them).
    written = [
        path
        for path in run_dir.rglob("*")
        if ".db" in path.name
        or path.name
        in {"endpoints.yml", "secrets.env", "logs", "desk.log", "rasa.log", "actions.log"}
    ]
    exposed = [
        f"{path.relative_to(run_dir)} {stat.S_IMODE(path.stat().st_mode):o}"
        for path in written
        if stat.S_IMODE(path.stat().st_mode) & 0o077
    ]
    assert not exposed, exposed
    assert list(run_dir.glob("*.db")), "no database in the run folder"


def test_rasa_log_keeps_no_message_text(stack_and_knowledge, chat):
    """Attack 5: Rasa's log kept the text of `/`-messages (an e-mail seen there)."""
    stack = stack_and_knowledge[0]
    chat.say("bonjour, je cherche la lampe zorglubine")
    rest = f"{stack.config.rasa_url}/webhooks/rest/webhook"
    for text in (
        '/order_status{"email": "xylophage@example.fr", "order_number": "CMD-10001"}',
        "/xylophage-intent mon e-mail est xylophage@example.fr",
        '/faq{"broken json xylophage@example.fr',
        "/ xylophage@example.fr",
    ):
        httpx.post(rest, json={"sender": "log-probe", "message": text}, timeout=60)
    time.sleep(1.0)
    for name in ("rasa.log", "actions.log"):
        log = (stack.logs / name).read_text(errors="replace")
        assert not re.search("zorglubine|xylophage", log), f"shopper text in {name}"


# ------------------------------------------------------------ the production checklist
def run_doctor(tmp_path: Path, *args: str, **changes: str) -> subprocess.CompletedProcess:
    """`comptoir doctor` on a safe production configuration, with ``changes``."""
    env = bare_env(
        tmp_path,
        safe_secrets(),
        COMPTOIR_ALLOWED_ORIGINS='["https://shop.example"]',
        COMPTOIR_TRUSTED_PROXIES='["127.0.0.1", "::1"]',
        **changes,
    )
    return subprocess.run(
        [COMPTOIR, "doctor", *args], env=env, cwd=tmp_path, capture_output=True, text=True
    )


def test_doctor_flags_a_published_secret(tmp_path):
    """Attack 1 (the checklist): `comptoir doctor` names a known secret and fails."""
    done = run_doctor(tmp_path, COMPTOIR_IDENTITY_SECRET="demo-shop-secret")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "COMPTOIR_IDENTITY_SECRET" in done.stdout
    data = json.loads(
        run_doctor(tmp_path, "--json", COMPTOIR_IDENTITY_SECRET="demo-shop-secret").stdout
    )
    assert data["ok"] is False
    assert any(
        c["status"] == "unsafe" and "COMPTOIR_IDENTITY_SECRET" in c["message"]
        for c in data["checks"]
    )


def test_doctor_passes_a_safe_configuration(tmp_path):
    """Attack 1 (the checklist): a safe production configuration passes, exit 0."""
    done = run_doctor(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout
