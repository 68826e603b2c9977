"""The row rules: every required field has a value, and every value given could be read as its kind."""

from __future__ import annotations

import json

import duckdb

from analytics.ingest.fields import OBJECT, TEXT, TIMESTAMP, Field, Kind
from analytics.ingest.problems import Problem, shown
from analytics.ingest.stage import RAW_PREFIX, STAGED, Plan
from analytics.ingest.timestamps import timestamp_reason


def row_problems(
    cursor: duckdb.DuckDBPyConnection, kind: Kind, plans: list[Plan], limit: int | None
) -> tuple[list[Problem], int]:
    """The first `limit` problems in the staged rows (all when None), in input order, and their total."""
    raw_fields = {name for found in plans for name in found.raw_fields}
    checks: list[tuple[Field, str, str]] = []
    for field in kind.fields:
        raw = f"{RAW_PREFIX}{field.name}" if field.name in raw_fields else None
        if raw:
            checks.append((field, f"{raw} IS NOT NULL", raw))
        if field.required:
            checks.append((field, f"{field.name} IS NULL" + (f" AND {raw} IS NULL" if raw else ""), "NULL"))
    if not checks:
        return [], 0
    counted = " + ".join(f"count(*) FILTER (WHERE {condition})" for _, condition, _ in checks)
    total = cursor.execute(f"SELECT {counted} FROM {STAGED}").fetchall()[0][0]
    if not total:
        return [], 0
    union = " UNION ALL ".join(
        f"SELECT _file, _row, {number} AS _check, {raw} AS raw FROM {STAGED} WHERE {condition}"
        for number, (_, condition, raw) in enumerate(checks)
    )
    rows = cursor.execute(
        f"SELECT * FROM ({union}) ORDER BY _file, _row, _check LIMIT ?", [total if limit is None else limit]
    ).fetchall()
    problems = []
    for file_index, row, number, raw in rows:
        field = checks[number][0]
        found = plans[file_index]
        problems.append(found.source.problem(row, found.column(field.name), reason(field, raw)))
    return problems, total


def reason(field: Field, raw: str | None) -> str:
    """Why the value `raw` of `field` was refused (None: it was empty)."""
    if raw is None:
        return "is missing or empty; a value is required"
    if field.kind == TIMESTAMP:
        return timestamp_reason(raw)
    if field.kind == OBJECT:
        try:
            json.loads(raw)
        except ValueError:
            return f"{shown(raw)} is not valid JSON"
        return f'{shown(raw)} is JSON but not an object; expected e.g. {{"plan": "pro"}}'
    if field.kind == TEXT:
        return f"{shown(raw)} is not text or an integer"
    return f"{shown(raw)} is not one of true/false, 1/0, yes/no"
