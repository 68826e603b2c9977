"""The API on a temporary database, with a token for every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from analytics.auth import accounts, passwords, tokens
from analytics.db import Database, forget_database, open_database
from analytics.viewer import SYSTEM
from api.jobs import JOBS

ROLE_ACCOUNTS = {"admin": "admin", "analyst": "analyst", "product_manager": "pm", "member": "member"}


@dataclass
class ApiEnv:
    """A client of create_api() over `db`, and a bearer token per role ('tracker': a tracking token)."""

    client: TestClient
    db: Database
    tokens: dict[str, str]

    def headers(self, role: str | None) -> dict[str, str]:
        return {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def api_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiEnv]:
    from api import create_api

    path = tmp_path / "api.duckdb"
    monkeypatch.setenv("PULSE_BACKEND_URL", f"duckdb://{path}")
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 4)
    db = open_database(path)
    with db.transaction() as cursor:
        cursor.execute("INSERT INTO users (user_id) VALUES ('u1')")
    issued = {}
    for role, username in ROLE_ACCOUNTS.items():
        accounts.create_account(
            db,
            SYSTEM,
            username,
            password="api test password",
            role=role,
            user_id="u1" if role == "member" else None,
        )
        issued[role] = tokens.create_token(db, SYSTEM, name="tests", days=1, owner=username).token
    issued["tracker"] = tokens.create_token(
        db, SYSTEM, name="backend", days=1, owner="analyst", kind="tracking"
    ).token
    with TestClient(create_api()) as client:
        yield ApiEnv(client, db, issued)
    JOBS.wait(timeout_s=300)  # jobs a test started must end before their database is closed
    forget_database(path)
