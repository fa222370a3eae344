"""The ``comptoir`` command line, run for real on a throw-away run folder.

Each test calls ``comptoir.cli.main`` as the script does (same parser, same commands,
same SQLite files under ``COMPTOIR_RUN_DIR``) and checks what the operator reads on the
terminal and the exit code a script would test, not the functions underneath.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from comptoir.cli import main
from comptoir.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]

GOOD_ORDER = {
    "number": "CMD-10001",
    "email": "lea.martin@example.fr",
    "postcode": "75011",
    "first_name": "Léa",
    "placed_at": "2026-11-02T10:00:00+01:00",
    "status": "shipped",
    "promised_delivery": "2026-11-06",
    "lines": [{"sku": "LAMP-ORSAY", "name": "Lampe Orsay", "qty": 1, "unit_price": 89.0}],
}


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings pointing every database and the index into ``tmp_path``."""
    for name in list(os.environ):
        if name.startswith("COMPTOIR_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env of the work tree is read
    monkeypatch.setenv("COMPTOIR_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("COMPTOIR_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    get_settings.cache_clear()
    yield tmp_path / "run"
    get_settings.cache_clear()


def test_orders_import_reports_the_bad_record_and_imports_the_good_one(run_dir, tmp_path, capsys):
    bad = {**GOOD_ORDER, "number": "CMD-10002", "email": "not-an-email"}
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"orders": [GOOD_ORDER, bad]}), encoding="utf-8")

    assert main(["orders", "import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "1 orders created, 0 updated, 1 rejected" in out
    assert "error: record 2 (CMD-10002): email:" in err

    # Importing again updates in place: the import is idempotent.
    assert main(["orders", "import", str(path)]) == 1
    assert "0 orders created, 1 updated, 1 rejected" in capsys.readouterr().out


def test_orders_import_of_a_file_of_the_wrong_shape_says_what_is_expected(
    run_dir, tmp_path, capsys
):
    path = tmp_path / "orders.json"
    path.write_text(json.dumps([GOOD_ORDER]), encoding="utf-8")
    assert main(["orders", "import", str(path)]) == 2
    assert 'the file must be a JSON object {"orders": [...]}' in capsys.readouterr().err


def test_returns_set_status_refuses_an_unknown_status_and_lists_the_valid_ones(run_dir, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["returns", "set-status", "R-2026-000001", "lost"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'lost'" in err
    for status in ("label_sent", "received", "refunded", "rejected"):
        assert status in err
    assert "'requested'" not in err  # where a return starts, not a step to move it to


def test_returns_set_status_and_show_of_an_unknown_return(run_dir, capsys):
    assert main(["db", "upgrade"]) == 0
    assert "shop database up to date" in capsys.readouterr().out
    assert main(["returns", "set-status", "R-2026-999999", "received"]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert main(["returns", "show", "R-2026-999999"]) == 1
    assert "no return R-2026-999999" in capsys.readouterr().err
    assert main(["returns", "list"]) == 0
    assert capsys.readouterr().out == "no returns\n"


def test_users_add_reads_the_password_from_stdin_and_creates_the_account(
    run_dir, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    assert main(["users", "add", "Camille", "--name", "Camille", "--password-stdin"]) == 0
    assert capsys.readouterr().out == "created agent 'camille' (Camille)\n"

    from comptoir.desk.accounts import AccountStore
    from comptoir.desk.store import ConversationStore

    async def sign_in() -> object:
        store = ConversationStore(get_settings().desk_db_url)
        try:
            return await AccountStore(store.sessions).sign_in("camille", "a long enough secret")
        finally:
            await store.close()

    signed_in = asyncio.run(sign_in())
    assert signed_in is not None and signed_in[0].role == "agent"

    monkeypatch.setattr("sys.stdin", io.StringIO("another long secret\n"))
    assert main(["users", "add", "camille", "--role", "admin", "--password-stdin"]) == 2
    assert "error: the user name 'camille' is taken" in capsys.readouterr().err


def test_users_add_refuses_a_short_password(run_dir, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "sam", "--password-stdin"]) == 2
    assert "error: the password needs at least 10 characters" in capsys.readouterr().err


def test_privacy_purge_with_retention_off_deletes_nothing(run_dir, monkeypatch, capsys):
    monkeypatch.setenv("COMPTOIR_RETENTION_DAYS", "0")
    get_settings.cache_clear()
    assert main(["privacy", "purge"]) == 0
    assert "retention is off" in capsys.readouterr().out
    assert main(["privacy", "purge", "--days", "0"]) == 2
    assert "error: --days must be at least 1" in capsys.readouterr().err


def test_privacy_purge_dry_run_prints_a_json_report(run_dir, capsys):
    assert main(["privacy", "purge", "--days", "30", "--dry-run"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert isinstance(report, dict)


def _article(folder: Path, name: str, lang: str, title: str, body: str) -> None:
    (folder / f"{name}.md").write_text(
        f"---\nid: {name}\ntitle: {title}\nlang: {lang}\n---\n\n{body}\n", encoding="utf-8"
    )


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    _article(
        folder,
        "remboursement",
        "fr",
        "Délai de remboursement",
        "Nous remboursons sous 10 jours après réception du retour.",
    )
    _article(
        folder, "livraison", "fr", "Délais de livraison", "Comptez 2 à 3 jours ouvrés en Colissimo."
    )
    return folder


def test_kb_search_json_keeps_its_shape(run_dir, small_kb, capsys):
    question = "quand serai-je remboursé ?"
    assert main(["kb", "search", "--knowledge", str(small_kb), "--json", question]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"question", "decision", "answer_id", "candidates"}
    assert result["question"] == question
    assert result["decision"] in {"answer", "clarify", "none"}
    assert result["candidates"][0]["id"] == "remboursement"
    assert all(set(c) == {"id", "score"} for c in result["candidates"])
    assert all(isinstance(c["score"], float) for c in result["candidates"])


def test_kb_search_without_a_question_says_how_to_ask(run_dir, capsys):
    assert main(["kb", "search"]) == 2
    assert "give a question, or --batch FILE" in capsys.readouterr().err


def test_kb_lint_and_build_report_a_broken_article(run_dir, small_kb, capsys):
    (small_kb / "broken.md").write_text("no front matter\n", encoding="utf-8")
    assert main(["kb", "lint", "--knowledge", str(small_kb)]) == 1
    out = capsys.readouterr().out
    assert "error: " in out and "2 articles, 1 errors" in out
    assert main(["kb", "build", "--knowledge", str(small_kb)]) == 1
    out, err = capsys.readouterr()
    assert "2 articles indexed" in out and "1 skipped" in out
    assert "error: " in err


def test_the_installed_script_and_python_m_run_the_same_command_line(run_dir):
    """The ``comptoir`` entry point and ``python -m comptoir.cli`` both still resolve."""
    for command in (
        [str(ROOT / ".venv" / "bin" / "comptoir")],
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "comptoir.cli"],
    ):
        done = subprocess.run(
            [*command, "identity", "sign", "Lea@Example.fr"],
            capture_output=True,
            text=True,
            env={**os.environ, "COMPTOIR_IDENTITY_SECRET": "s" * 32},
        )
        assert done.returncode == 0, done.stderr
        signature, expires = done.stdout.split()[1::2]
        assert len(signature) == 64  # an HMAC-SHA256 in hex
        assert 0 < int(expires) - time.time() <= 3600  # the default and longest life
