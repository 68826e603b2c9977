"""`python -m analytics demo`: creates the demo database once, with no event later than now."""

from __future__ import annotations

import datetime as dt

from analytics.cli import main
from analytics.db import forget_database, open_database


def test_demo_creates_a_database_ending_yesterday_and_keeps_an_existing_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULSE_DEMO_USERS", "40")
    monkeypatch.setenv("PULSE_DEMO_DAYS", "60")
    path = tmp_path / "demo.duckdb"
    assert main(["demo", "--db", str(path)]) == 0
    assert "Demo database ready" in capsys.readouterr().out
    db = open_database(path)
    newest = db.scalar("SELECT max(timestamp) FROM events")
    today = dt.datetime.now(dt.UTC).replace(tzinfo=None).replace(hour=0, minute=0, second=0, microsecond=0)
    assert today - dt.timedelta(days=1) <= newest < today
    forget_database(path)
    assert main(["demo", "--db", str(path)]) == 0
    assert "Using the existing database" in capsys.readouterr().out
