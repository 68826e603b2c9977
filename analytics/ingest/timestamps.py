"""Timestamps in every accepted form, turned into naive UTC by one SQL expression per source type.

Accepted: ISO 8601 text with an offset ('2024-03-01T09:30:00+01:00', '...Z') or without one (then it is
wall-clock time in the import zone); epoch seconds or milliseconds, as numbers or digit strings; typed
Parquet timestamps and dates. Numbers are told apart by magnitude: |n| < 1e11 is seconds (1e11 s falls
in the year 5138), 1e11 <= |n| < 1e14 is milliseconds (1e11 ms is 1973-03-03), anything larger
(microseconds, nanoseconds) is refused. So a millisecond value before March 1973 would be read as
seconds, and a digit string such as '20240105' is epoch seconds, not a date.

Naive text is read in the session's TimeZone, which `use_zone` sets to the import zone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from functools import cache

import duckdb
import pyarrow as pa

from analytics.errors import ValidationError
from analytics.ingest import sqltypes
from analytics.ingest.problems import shown
from analytics.rollups import checked_zone

EPOCH_SECONDS_BELOW = 100_000_000_000
EPOCH_MILLISECONDS_BELOW = 100_000_000_000_000
EARLIEST = "TIMESTAMP '0001-01-01 00:00:00'"
LATEST = "TIMESTAMP '9999-12-31 23:59:59.999999'"


def use_zone(cursor: duckdb.DuckDBPyConnection, zone: str) -> None:
    """Read naive timestamps on this cursor as wall-clock time in `zone`."""
    cursor.execute(f"SET TimeZone = '{checked_zone(zone)}'")


def _epoch(number: str) -> str:
    return (
        f"CASE WHEN abs({number}) < {EPOCH_SECONDS_BELOW} "
        f"THEN make_timestamp(CAST({number} * 1000000 AS BIGINT)) "
        f"WHEN abs({number}) < {EPOCH_MILLISECONDS_BELOW} "
        f"THEN make_timestamp(CAST({number} * 1000 AS BIGINT)) END"
    )


def _from_text(text: str) -> str:
    zoned = f"timezone('UTC', TRY_CAST({text} AS TIMESTAMPTZ))"
    return f"coalesce({zoned}, {_epoch(f'TRY_CAST({text} AS DOUBLE)')})"


def _bounded(value: str) -> str:
    """NULL outside years 1-9999, which rules out 'infinity', BC dates and values Python cannot hold."""
    return f"CASE WHEN {value} BETWEEN {EARLIEST} AND {LATEST} THEN {value} END"


def timestamp_sql(column: str, type_name: str, zone: str) -> tuple[str, str] | None:
    """SQL turning `column` (of DuckDB type `type_name`) into naive UTC, and SQL for its raw text.

    The value is NULL when the input is empty, invalid or outside the years 1-9999; the raw SQL gives the
    input as text for messages. Returns None when the type cannot hold timestamps.
    """
    found = _timestamp_sql(column, type_name, checked_zone(zone))
    if found is None:
        return None
    value, raw = found
    return _bounded(value), raw


def _timestamp_sql(column: str, type_name: str, zone: str) -> tuple[str, str] | None:
    if sqltypes.is_text(type_name):
        return _from_text(column), f"nullif(trim({column}), '')"
    if sqltypes.is_json(type_name):
        kind = f"json_type({column})"
        text = f"({column} ->> '$')"
        value = (
            f"CASE WHEN {kind} = 'VARCHAR' THEN {_from_text(text)} "
            f"WHEN {kind} IN {sqltypes.JSON_NUMBER_TYPES_SQL} THEN {_epoch(f'CAST({column} AS DOUBLE)')} END"
        )
        raw = (
            f"CASE WHEN {kind} = 'VARCHAR' THEN nullif(trim({text}), '') "
            f"WHEN {kind} <> 'NULL' THEN CAST({column} AS VARCHAR) END"
        )
        return value, raw
    if sqltypes.is_number(type_name):
        return _epoch(f"CAST({column} AS DOUBLE)"), f"CAST({column} AS VARCHAR)"
    raw = f"CAST({column} AS VARCHAR)"
    if type_name in sqltypes.NAIVE_TIMESTAMP_TYPES:
        if zone == "UTC":
            return f"CAST({column} AS TIMESTAMP)", raw
        return f"timezone('UTC', timezone('{zone}', CAST({column} AS TIMESTAMP)))", raw
    if type_name in sqltypes.ZONED_TIMESTAMP_TYPES:
        return f"timezone('UTC', {column})", raw
    return None


def timestamp_reason(raw: str) -> str:
    """Why `raw` is not a timestamp, in words a person can act on."""
    try:
        number = float(raw)
    except ValueError:
        number = None
    if number is not None and math.isfinite(number) and abs(number) >= EPOCH_MILLISECONDS_BELOW:
        return (
            f"{raw} is too large for epoch seconds/milliseconds (limit 1e14); microseconds are not accepted"
        )
    return f"{shown(raw)} is not ISO 8601 or epoch seconds/milliseconds"


@cache
def _scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory database for parsing values outside any import, opened on first use."""
    return duckdb.connect()


def parse_timestamps(values: Sequence[object], zone: str = "UTC") -> list[datetime]:
    """Parse values (text, numbers) with the import rules; naive UTC datetimes, or ValidationError."""
    connection = _scratch().cursor()
    try:
        use_zone(connection, zone)
        texts = []
        for value in values:
            try:
                texts.append(json.dumps(value, allow_nan=False))
            except (TypeError, ValueError):
                texts.append(json.dumps(str(value)))
        connection.register("_timestamps", pa.table({"value": pa.array(texts, pa.string())}))
        value_sql, raw_sql = timestamp_sql("CAST(value AS JSON)", "JSON", zone)
        rows = connection.execute(f"SELECT {value_sql}, {raw_sql} FROM _timestamps").fetchall()
    finally:
        connection.close()
    problems = [
        {"row": index, "field": "timestamp", "reason": timestamp_reason(raw) if raw else "is empty"}
        for index, (parsed, raw) in enumerate(rows)
        if parsed is None
    ]
    if problems:
        first = problems[0]
        raise ValidationError(
            f"{len(problems)} of {len(rows)} timestamps cannot be read; value {first['row']}: {first['reason']}.",
            problems,
        )
    return [parsed for parsed, _ in rows]


def parse_timestamp(value: object, zone: str = "UTC") -> datetime:
    """Parse one timestamp with the import rules into a naive UTC datetime."""
    return parse_timestamps([value], zone)[0]
