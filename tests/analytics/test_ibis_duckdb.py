"""analytics.ibis_duckdb: ibis's own answers, with each expression compiled once."""

from __future__ import annotations

import duckdb
import ibis
import pandas as pd
import pytest

from analytics import ibis_duckdb

EVENTS = ibis.table({"user_id": "string", "score": "float64", "day": "date"}, name="events")


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE events (user_id VARCHAR, score DOUBLE, day DATE)")
    con.execute(
        "INSERT INTO events VALUES ('a', 1.5, '2024-01-01'), ('a', 2.5, '2024-01-02'), "
        "('b', NULL, '2024-01-02'), ('c', 4.0, '2024-01-03')"
    )
    return con


def _scores_by_day(at_least: float) -> ibis.Table:
    kept = EVENTS.filter(EVENTS.score >= at_least)
    return (
        kept.group_by("day").aggregate(users=kept.user_id.nunique(), total=kept.score.sum()).order_by("day")
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda: _scores_by_day(2.0),
        lambda: _scores_by_day(2.0).total,
        lambda: EVENTS.score.mean(),
        lambda: EVENTS.join(ibis.memtable({"user_id": ["a", "c"]}), "user_id").count(),
    ],
    ids=["table", "column", "scalar", "in-memory table"],
)
def test_results_are_ibis_own(con: duckdb.DuckDBPyConnection, build) -> None:
    ours = ibis_duckdb.execute(con.cursor(), build())
    theirs = ibis.duckdb.from_connection(con.cursor()).execute(build())
    if isinstance(ours, pd.DataFrame):
        pd.testing.assert_frame_equal(ours, theirs)
    elif isinstance(ours, pd.Series):
        pd.testing.assert_series_equal(ours, theirs)
    else:
        assert ours == theirs


def test_an_expression_built_again_is_compiled_once(con: duckdb.DuckDBPyConnection, monkeypatch) -> None:
    compiled = []
    compile_sql = ibis_duckdb._COMPILER.compile
    monkeypatch.setattr(
        ibis_duckdb._COMPILER, "compile", lambda *a, **k: compiled.append(1) or compile_sql(*a, **k)
    )
    ibis_duckdb._compiled.cache_clear()
    first = ibis_duckdb.execute(con.cursor(), _scores_by_day(2.0))
    again = ibis_duckdb.execute(con.cursor(), _scores_by_day(2.0))
    other = ibis_duckdb.execute(con.cursor(), _scores_by_day(1.0))
    assert len(compiled) == 2 and ibis_duckdb.compiled_count() == 2
    pd.testing.assert_frame_equal(first, again)
    assert first["users"].tolist() == [1, 1] and other["users"].tolist() == [1, 1, 1]


def test_expressions_reading_in_memory_tables_are_not_remembered(con: duckdb.DuckDBPyConnection) -> None:
    ibis_duckdb._compiled.cache_clear()
    for users in (["a"], ["a", "b"]):
        wanted = ibis.memtable({"user_id": users})
        assert ibis_duckdb.execute(con.cursor(), EVENTS.join(wanted, "user_id").count()) == len(users) + 1
    assert ibis_duckdb.compiled_count() == 0


def test_the_cursor_gets_ibis_session_settings(con: duckdb.DuckDBPyConnection) -> None:
    cursor = con.cursor()
    cursor.execute("SET TimeZone = 'Europe/Berlin'")
    ibis_duckdb.execute(cursor, EVENTS.count())
    settings = "SELECT current_setting('TimeZone'), current_setting('python_enable_replacements')"
    assert cursor.execute(settings).fetchall() == [("UTC", False)]
