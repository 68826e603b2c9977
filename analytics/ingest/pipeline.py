"""One path from inputs to checked staging rows, shared by file imports and tracking calls.

Files are planned (columns mapped, types checked), scanned into `_ingest_staged`, then checked row by row.
Any problem raises ValidationError before anything is written, inside the caller's transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import duckdb

from analytics.ingest import stage as staging
from analytics.ingest.fields import Kind
from analytics.ingest.problems import Problem, refuse
from analytics.ingest.readers import Source, rejected_rows, scan_problem
from analytics.ingest.timestamps import use_zone
from analytics.ingest.validate import row_problems


def prepare(cursor: duckdb.DuckDBPyConnection, zone: str) -> None:
    """Set up a cursor for ingesting: naive times read in `zone`, no progress bar on the terminal."""
    use_zone(cursor, zone)
    cursor.execute("SET enable_progress_bar = false")


def stage_checked(
    cursor: duckdb.DuckDBPyConnection,
    kind: Kind,
    sources: list[Source],
    *,
    column_map: dict[str, str],
    zone: str,
    nothing: str,
    problem_limit: int | None,
    progress: Callable[[str], None],
) -> int:
    """Stage every source and check every row; the number of rows, or ValidationError naming each problem."""
    plans = []
    problems: list[Problem] = []
    for index, source in enumerate(sources):
        found = staging.plan(source, kind, index, column_map, zone)
        if isinstance(found, list):
            problems.extend(found)
        else:
            plans.append(found)
    problems.extend(_unused_map_entries(sources, column_map))
    if problems:
        refuse(problems, len(problems), nothing=nothing)
    staging.create_staging(cursor, kind, plans)
    rows = 0
    total = 0
    for found in plans:
        started = time.perf_counter()
        try:
            added = staging.stage(cursor, found)
        except (duckdb.InvalidInputException, duckdb.IOException) as exc:
            refuse([scan_problem(found.source, exc)], 1, nothing=nothing)
        rejected, rejected_total = rejected_rows(cursor, found.source)
        problems.extend(rejected)
        total += rejected_total
        if not added and not rejected_total and found.source.is_file:
            problems.append(found.source.problem(None, None, "has no data rows"))
            total += 1
        rows += added
        progress(
            f"{found.source.name or 'batch'}: {added:,} rows read in {time.perf_counter() - started:.1f} s"
        )
    if not total:
        problems, total = row_problems(cursor, kind, plans, problem_limit)
    if total:
        refuse(problems, total, nothing=nothing)
    return rows


def _unused_map_entries(sources: list[Source], column_map: dict[str, str]) -> list[Problem]:
    """--map entries whose source column is in none of the files (most likely a typo)."""
    found = {column for source in sources for column in source.columns}
    return [
        Problem(
            "--map",
            None,
            None,
            f"{column}={target}: no input has a column {column!r}; columns found: {', '.join(sorted(found))}",
        )
        for column, target in column_map.items()
        if column not in found
    ]
