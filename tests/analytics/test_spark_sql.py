"""DuckDB-dialect SQL turned into Spark SQL: parameters bound as literals, DuckDB-only constructs respelled."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from analytics.errors import AnalyticsError
from analytics.spark_sql import tables_read, to_spark_sql


def test_tables_read_leaves_out_cte_names():
    sql = "WITH recent AS (SELECT * FROM events) SELECT * FROM recent JOIN users USING (user_id)"
    assert tables_read(sql) == {"events", "users"}


def test_parameters_become_typed_literals_not_text():
    sql = "SELECT * FROM events WHERE user_id = ? AND timestamp >= ? AND CAST(timestamp AS DATE) = ?"
    spark = to_spark_sql(sql, ["o'brien'; DROP TABLE x", datetime(2025, 1, 2, 3), date(2025, 1, 2)])
    assert "user_id = 'o\\'brien\\'; DROP TABLE x'" in spark  # one string literal, quote escaped
    assert "CAST('2025-01-02 03:00:00' AS TIMESTAMP_NTZ)" in spark
    assert "= CAST('2025-01-02' AS DATE)" in spark


def test_missing_parameters_are_named():
    with pytest.raises(AnalyticsError, match=r"\$step"):
        to_spark_sql("SELECT $step", {})


def test_duckdb_only_constructs_get_spark_spellings():
    sql = (
        "WITH s AS MATERIALIZED (SELECT $steps[rn] AS a, $steps[1] AS b, min(ts, 2) AS m, "
        "epoch_us(ts) AS us, ts + to_seconds($w) AS later, row_number() OVER () AS id FROM t) "
        "SELECT * FROM s WHERE hash(a, b) % 10::UBIGINT < 5::UBIGINT"
    )
    spark = to_spark_sql(sql, {"steps": ["x", "y"], "w": 60})
    assert "MATERIALIZED" not in spark
    assert "TRY_ELEMENT_AT(ARRAY('x', 'y'), rn)" in spark  # 1-based like DuckDB
    assert "TRY_ELEMENT_AT(ARRAY('x', 'y'), 1)" in spark
    assert "SLICE(ARRAY_SORT(COLLECT_LIST(ts)), 1, 2)" in spark
    assert "UNIX_MICROS(CAST(ts AS TIMESTAMP))" in spark
    assert "MAKE_DT_INTERVAL(0, 0, 0, 60)" in spark
    assert "MONOTONICALLY_INCREASING_ID()" in spark
    assert "PMOD(XXHASH64(a, b), CAST(10 AS BIGINT))" in spark
    assert "UBIGINT" not in spark
