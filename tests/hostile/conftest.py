"""Fixtures of the hostile-input tests: a small generated data set, the API over it, database fingerprints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.backup import table_checksums
from analytics.db import Database, forget_database, open_database
from tests.api.conftest import ApiEnv
from tests.api.seeded import seeded_api_env
from tests.conftest import SEED, SEEDED_END

INJECTIONS = (
    "' OR 1=1 --",
    '"; DROP TABLE events; --',
    "') UNION SELECT password_hash, username FROM accounts --",
    "u000001' OR '1'='1",
    "1; DELETE FROM users",
    "x\"; ATTACH '/tmp/pulse-evil.duckdb' AS evil; --",
    "%' OR user_id LIKE '%",
    "\\'; COPY events TO '/tmp/pulse-stolen.csv'; --",
    "$1",
    "?",
)
"""SQL injection attempts: each must be read as a value (or refused), never run."""


@pytest.fixture(scope="session")
def hostile_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated data set (200 users, 150 days): big enough for every model, quick to query."""
    from analytics.seed import generate

    path = tmp_path_factory.mktemp("hostile") / "master.duckdb"
    database = open_database(path)
    generate(database, users=200, days=150, seed=SEED, end_date=SEEDED_END)
    forget_database(path)
    return path


@pytest.fixture(scope="module")
def hostile_api(hostile_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    """create_api() over a copy of the small data set, with stored predictions and a token per role."""
    yield from seeded_api_env(hostile_master, tmp_path_factory)


def fingerprint(db: Database) -> dict[str, object]:
    """Every table's rows and checksum, leaving out what reading requests write by design.

    Each authenticated request stamps its token's last_used_at, and reading another user's data or
    exporting appends an audit record; so api_tokens is compared without that column, and audit_log
    only by the records that existed before (none may change or go).
    """
    figures: dict[str, object] = dict(table_checksums(db.cursor()))
    figures["api_tokens"] = db.rows(
        "SELECT count(*), sum(hash(token_id, secret_sha256, username, kind, expires_at, revoked_at)) FROM api_tokens"
    )
    last_audit = db.scalar("SELECT coalesce(max(audit_id), 0) FROM audit_log")
    figures.pop("audit_log")
    figures["audit_log_before"] = (
        last_audit,
        db.rows("SELECT count(*), sum(hash(a)) FROM audit_log AS a WHERE audit_id <= ?", [last_audit]),
    )
    return figures


def unchanged(db: Database, before: dict[str, object]) -> bool:
    """Whether `db` still matches the fingerprint `before` (audit records appended since are allowed)."""
    after = fingerprint(db)
    last_audit, rows = before["audit_log_before"]
    after["audit_log_before"] = (
        last_audit,
        db.rows("SELECT count(*), sum(hash(a)) FROM audit_log AS a WHERE audit_id <= ?", [last_audit]),
    )
    return after == before
