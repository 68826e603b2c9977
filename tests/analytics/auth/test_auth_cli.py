"""`python -m analytics accounts ...`: the first admin of a fresh install, and every other action."""

from __future__ import annotations

import io

import pytest

from analytics.audit import read_log
from analytics.auth import accounts, tokens
from analytics.cli import main
from analytics.db import forget_database, open_database
from analytics.viewer import SYSTEM


@pytest.fixture
def path(tmp_path):
    return tmp_path / "cli.duckdb"


@pytest.fixture
def cli(path, monkeypatch, capsys):
    """Run one accounts command against `path`; return (exit code, stdout, stderr)."""

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["accounts", *args, "--db", str(path)])
        forget_database(path)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_first_admin_from_stdin_then_every_action(cli, path):
    assert (
        cli("create", "root", "--role", "admin", "--password-stdin", stdin="first admin password\n")[0] == 0
    )
    code, out, _ = cli("create-token", "root", "--name", "ci", "--days", "7", "--tracking")
    assert code == 0 and "(tracking)" in out
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("pulse_")
    code, out, _ = cli("tokens")
    assert "tracking" in out and secret not in out
    token_id = out.splitlines()[1].split()[0]
    assert cli("revoke-token", token_id)[1] == f"Token {token_id} revoked.\n"
    for args in (
        ("disable", "root"),
        ("enable", "root"),
        ("unlock", "root"),
        ("set-role", "root", "analyst"),
    ):
        assert cli(*args)[0] == 0, args
    assert cli("reset-password", "root", "--password-stdin", stdin="second admin password\n")[0] == 0
    code, out, _ = cli("list")
    assert "root analyst" in " ".join(out.split())

    db = open_database(path)
    actions = read_log(db, SYSTEM, actor="system")["action"].tolist()
    assert actions == [
        "password_reset",
        "account_role_set",
        "account_unlocked",
        "account_enabled",
        "account_disabled",
        "token_revoked",
        "token_created",
        "account_created",
    ]
    assert set(read_log(db, SYSTEM)["source"]) == {"cli"}
    assert accounts.require_account(db, "root").role == "analyst"
    assert not tokens.list_tokens(db, SYSTEM, all_accounts=True)["active"].any()
    forget_database(path)


def test_mistakes_print_one_line_and_exit_2(cli):
    cli("create", "root", "--role", "admin", "--password-stdin", stdin="first admin password\n")
    code, _, err = cli("link", "root", "nobody")
    assert (code, err) == (2, "error: There is no user 'nobody' in the users table to link the account to.\n")
    code, _, err = cli("reset-password", "root", "--password-stdin", stdin="short\n")
    assert code == 2 and "at least 12 characters" in err
    code, _, err = cli("disable", "ghost")
    assert code == 2 and "no account named 'ghost'" in err


def test_prompted_passwords_must_match(cli, monkeypatch):
    typed = iter(["first admin password", "another password!!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    code, _, err = cli("create", "root", "--role", "admin")
    assert code == 2 and "two passwords typed differ" in err
