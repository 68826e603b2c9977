"""Input files as relations that DuckDB scans itself (never loaded into Python): format, columns, errors.

CSV files must have a header row. Their values are read as text, so that every row can be checked and
reported; the types DuckDB's sniffer sees in the first rows are kept to turn extra columns into numbers.
Rows with the wrong number of fields are set aside by DuckDB (`store_rejects`) and reported by line.
JSON Lines files are read with every key as JSON, so each value keeps the type it has in the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from analytics.ingest.problems import PROBLEMS_SHOWN, Problem

FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CSV_REJECTS = "_ingest_rejects"
CSV_SCANS = "_ingest_scans"
_CSV_READ = (
    "read_csv(?, header = true, all_varchar = true, store_rejects = true, buffer_size = 8388608, "
    f"rejects_table = '{CSV_REJECTS}', rejects_scan = '{CSV_SCANS}')"
)
_FIELD_COUNT = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


@dataclass(frozen=True)
class Source:
    """One input as a relation DuckDB can scan: FROM-clause SQL, its parameters, its columns and types."""

    name: str
    relation: str
    params: tuple[Any, ...]
    columns: dict[str, str]
    sniffed: dict[str, str] = field(default_factory=dict)
    first_row: int = 1
    row_word: str = "row"
    field_word: str = "column"
    is_csv: bool = False
    is_file: bool = True
    row_number_column: str | None = None

    def problem(self, row: int | None, column: str | None, reason: str) -> Problem:
        return Problem(self.name, row, column, reason, self.row_word, self.field_word)


def detect_format(path: Path, requested: str | None) -> str | None:
    """The format named by `requested`, else by the file's extension; None when neither says."""
    if requested:
        return requested
    return FORMATS.get(path.suffix.lower())


def open_file(cursor: duckdb.DuckDBPyConnection, path: Path, requested: str | None) -> Source | Problem:
    """The file as a Source, or the Problem that stops it being read (missing, unreadable, empty, ...)."""
    name = path.name
    unreadable = _unreadable(path)
    if unreadable:
        return Problem(name, None, None, unreadable)
    file_format = detect_format(path, requested)
    if file_format not in {"csv", "parquet", "jsonl"}:
        return Problem(
            name,
            None,
            None,
            f"the format cannot be told from the extension {path.suffix or '(none)'!r}; "
            "name the file .csv, .parquet, .jsonl or .ndjson, or pass --format csv|parquet|jsonl",
        )
    try:
        if file_format == "csv":
            return _csv(cursor, path)
        if file_format == "parquet":
            columns = _describe(cursor, "read_parquet(?)", [str(path)])
            # The reader's own row numbers keep the scan parallel, unlike row_number() OVER ().
            relation = "read_parquet(?, file_row_number = true)"
            return Source(name, relation, (str(path),), columns, row_number_column="file_row_number")
        return _jsonl(cursor, path)
    except duckdb.Error as exc:
        if file_format == "jsonl":
            bad_line = _first_bad_json_line(path)
            if bad_line:
                return Problem(name, bad_line[0], None, bad_line[1])
        return Problem(name, None, None, f"cannot be read as {file_format.upper()}: {_first_line(exc)}")


def _unreadable(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            first = handle.read(1)
    except FileNotFoundError:
        return f"no such file ({path})"
    except IsADirectoryError:
        return f"is a folder, not a file ({path})"
    except PermissionError:
        return f"cannot be read: permission denied ({path})"
    except OSError as exc:
        return f"cannot be read: {exc.strerror} ({path})"
    return None if first else "the file is empty (0 bytes)"


def _describe(cursor: duckdb.DuckDBPyConnection, relation: str, params: list[Any]) -> dict[str, str]:
    rows = cursor.execute(f"DESCRIBE SELECT * FROM {relation}", params).fetchall()
    return {row[0]: row[1] for row in rows}


def _csv(cursor: duckdb.DuckDBPyConnection, path: Path) -> Source:
    sniffed = _describe(
        cursor, "read_csv(?, header = true, ignore_errors = true, buffer_size = 8388608)", [str(path)]
    )
    columns = dict.fromkeys(sniffed, "VARCHAR")
    return Source(path.name, _CSV_READ, (str(path),), columns, sniffed=sniffed, is_csv=True)


def _jsonl(cursor: duckdb.DuckDBPyConnection, path: Path) -> Source:
    # Every line is sampled so that a key first seen late in the file is not dropped.
    found = _describe(cursor, "read_json(?, format = 'newline_delimited', sample_size = -1)", [str(path)])
    columns = dict.fromkeys(found, "JSON")
    relation = "read_json(?, format = 'newline_delimited', columns = ?)"
    return Source(path.name, relation, (str(path), columns), columns)


def _first_bad_json_line(path: Path) -> tuple[int, str] | None:
    """(line number, reason) of the first line that is not a JSON object, reading line by line.

    DuckDB's message names a line, but one past the broken one (DuckDB 2.0), so the file is searched.
    """
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                return number, f"is not valid JSON: {exc.msg}"
            if not isinstance(value, dict):
                return number, "is JSON but not an object; each line must be one event or user as an object"
    return None


def rejected_rows(cursor: duckdb.DuckDBPyConnection, source: Source) -> tuple[list[Problem], int]:
    """Problems for the CSV rows DuckDB set aside while scanning `source` (then forgets them)."""
    if not source.is_csv:
        return [], 0
    total = cursor.execute(f"SELECT count(*) FROM {CSV_REJECTS}").fetchall()[0][0]
    rows = cursor.execute(
        f"SELECT line, error_type, error_message FROM {CSV_REJECTS} ORDER BY line LIMIT ?", [PROBLEMS_SHOWN]
    ).fetchall()
    cursor.execute(f"DELETE FROM {CSV_REJECTS}")
    cursor.execute(f"DELETE FROM {CSV_SCANS}")
    # Line 1 is the header, so data row n is on line n + 1.
    return [
        source.problem(line - 1, None, _reject_reason(kind, message)) for line, kind, message in rows
    ], total


def _reject_reason(kind: str, message: str) -> str:
    counts = _FIELD_COUNT.search(message)
    if counts and kind in {"TOO MANY COLUMNS", "MISSING COLUMNS"}:
        return f"has {counts.group(2)} fields, but the header has {counts.group(1)}"
    if kind == "UNQUOTED VALUE":
        return "has a quote character inside an unquoted value"
    if kind in {"INVALID ENCODING", "INVALID UNICODE"}:
        return "is not valid UTF-8 text"
    if kind == "LINE SIZE OVER MAXIMUM":
        return "is longer than the longest line DuckDB reads"
    return message


def scan_problem(source: Source, exc: Exception) -> Problem:
    """The Problem for an error DuckDB raised while scanning `source` (e.g. a damaged Parquet page)."""
    return source.problem(None, None, f"cannot be read: {_first_line(exc)}")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
