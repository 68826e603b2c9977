"""The API over a copy of the generated data set with stored predictions and recommendations.

Built once per test module (a prediction run takes a few seconds): a module declares its fixture as

    @pytest.fixture(scope="module")
    def seeded_api(seeded_master, tmp_path_factory):
        yield from seeded_api_env(seeded_master, tmp_path_factory)

Tests that write to it must leave what the module's other tests read unchanged.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from analytics.auth import accounts, passwords, tokens
from analytics.db import forget_database, open_database
from analytics.predict import run_batch
from analytics.recommend import generate_recommendations
from analytics.viewer import SYSTEM
from api.cache import RESPONSES
from api.jobs import JOBS
from tests.api.conftest import ROLE_ACCOUNTS, ApiEnv

MEMBER_USER = "u000001"
OTHER_USER = "u000002"


def seeded_api_env(seeded_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    """create_api() over the generated data set: member linked to MEMBER_USER, a token per role."""
    from api import create_api

    path = tmp_path_factory.mktemp("seeded-api") / "pulse.duckdb"
    shutil.copy(seeded_master, path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PULSE_BACKEND_URL", f"duckdb://{path}")
        patch.setattr(passwords, "BCRYPT_ROUNDS", 4)
        db = open_database(path)
        run_batch(db, SYSTEM)
        generate_recommendations(db, SYSTEM)
        issued = {}
        for role, username in ROLE_ACCOUNTS.items():
            user_id = MEMBER_USER if role == "member" else None
            accounts.create_account(
                db, SYSTEM, username, password="api test password", role=role, user_id=user_id
            )
            issued[role] = tokens.create_token(db, SYSTEM, name="tests", days=1, owner=username).token
        issued["tracker"] = tokens.create_token(
            db, SYSTEM, name="backend", days=1, owner="analyst", kind="tracking"
        ).token
        with TestClient(create_api()) as client:
            yield ApiEnv(client, db, issued)
    RESPONSES.clear()
    JOBS.wait(timeout_s=300)  # a prediction run a test started must end before its database is closed
    forget_database(path)
