"""Streaming file writers: Arrow record batches in, one CSV, Parquet, JSON Lines or xlsx file out.

Each writer takes one batch at a time, so memory holds one chunk whatever the export's size. Text
formats write timestamps (naive UTC in the database) as ISO 8601 with a zone, '2024-05-01T10:00:00Z',
with microseconds only when a value has them. CSV and xlsx cells that a spreadsheet would run as a
formula are neutralised by `analytics.privacy.csv_cells`. Parquet keeps types: timestamps are stored
as UTC instants.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from openpyxl import Workbook

from analytics.db import quote_ident
from analytics.errors import AnalyticsError
from analytics.privacy.csv_cells import FORMULA_PREFIXES, neutralise_csv_array

FORMATS = ("csv", "parquet", "jsonl", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_MAX_ROWS = 1_048_575
"""Excel's sheet limit (1,048,576 rows) less the header row."""

Progress = Callable[[int], None]
_FORMULA_FIRST_BYTES = pa.array([prefix.encode() for prefix in FORMULA_PREFIXES], pa.binary())


def check_format(file_format: str | None, path: Path | None = None) -> str:
    """The export format: `file_format`, else the file's extension; AnalyticsError lists the allowed ones."""
    chosen = file_format or (path.suffix.lower().lstrip(".") if path is not None else "")
    if chosen not in FORMATS:
        told = f"--format {file_format!r}" if file_format else f"the extension of {path}"
        raise AnalyticsError(f"Unknown export format from {told}. Formats: {', '.join(FORMATS)}.")
    return chosen


def write_batches(
    reader: pa.RecordBatchReader,
    path: Path,
    file_format: str,
    *,
    json_columns: frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> int:
    """Write every batch of `reader` to `path` in `file_format`; return the rows written.

    `json_columns` names text columns holding JSON documents: JSON Lines embeds them as objects.
    `progress`, if given, is called with the rows written so far after each batch.
    """
    batches = _counted(reader, progress)
    if file_format == "csv":
        return _write_csv(reader.schema, batches, path)
    if file_format == "parquet":
        return _write_parquet(reader.schema, batches, path)
    if file_format == "jsonl":
        return _write_jsonl(reader.schema, batches, path, json_columns)
    return _write_xlsx(reader.schema, batches, path)


def _counted(reader: pa.RecordBatchReader, progress: Progress | None) -> Iterator[pa.RecordBatch]:
    rows = 0
    for batch in reader:
        yield batch
        rows += batch.num_rows
        if progress is not None:
            progress(rows)


def iso_utc(values: pa.Array) -> pa.Array:
    """Timestamps (naive UTC or zoned) as ISO 8601 UTC text: '2024-05-01T10:00:00Z' or '...:00.250000Z'."""
    micros = pc.cast(values, pa.timestamp("us", tz=values.type.tz), safe=False)
    # A zoned Arrow timestamp holds the UTC instant, so dropping the zone gives UTC wall-clock time.
    text = pc.cast(pc.cast(micros, pa.timestamp("us")), pa.string())
    text = pc.binary_replace_slice(text, 10, 11, "T")
    return pc.replace_substring(pc.binary_join_element_wise(text, "Z", ""), ".000000Z", "Z")


def _text_type(kind: pa.DataType, *, nested_as_json: bool) -> pa.DataType:
    if pa.types.is_timestamp(kind) or pa.types.is_string_view(kind):
        return pa.string()
    if pa.types.is_dictionary(kind):
        return _text_type(kind.value_type, nested_as_json=nested_as_json)
    if nested_as_json and pa.types.is_nested(kind):
        return pa.string()
    return kind


def _as_text(column: pa.Array, *, nested_as_json: bool) -> pa.Array:
    """One column ready for a text format: timestamps ISO, nested values JSON (if asked), NaN empty."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _as_text(column.dictionary_decode(), nested_as_json=nested_as_json)
    if pa.types.is_timestamp(kind):
        return iso_utc(column)
    if nested_as_json and pa.types.is_nested(kind):
        return pa.array(
            [None if v is None else json.dumps(v, default=str) for v in column.to_pylist()], pa.string()
        )
    if pa.types.is_floating(kind):
        return pc.if_else(pc.is_nan(column), pa.scalar(None, kind), column)
    return column


def text_schema(schema: pa.Schema, *, nested_as_json: bool = True) -> pa.Schema:
    """The schema `text_batch` turns batches of `schema` into."""
    return pa.schema([f.with_type(_text_type(f.type, nested_as_json=nested_as_json)) for f in schema])


def text_batch(batch: pa.RecordBatch, *, nested_as_json: bool = True) -> pa.RecordBatch:
    """`batch` with timestamps as ISO 8601 text, lists/structs as JSON text (if asked), NaN as null."""
    columns = [_as_text(column, nested_as_json=nested_as_json) for column in batch.columns]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def spreadsheet_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """`batch` as safe spreadsheet cells: formula-like text neutralised, then written as text."""
    # Neutralised before timestamps become text: only the data's own text can carry a formula.
    columns = []
    for column in batch.columns:
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        if pa.types.is_string_view(column.type):
            column = column.cast(pa.string())
        columns.append(neutralise_csv_array(column) if _may_hold_formulas(column) else column)
    return text_batch(pa.RecordBatch.from_arrays(columns, names=batch.schema.names))


def _may_hold_formulas(column: pa.Array) -> bool:
    """Whether a text column has a cell starting like a formula (a first-byte test, 4x cheaper than regex)."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    first_bytes = pc.binary_slice(
        column.cast(pa.binary() if pa.types.is_string(column.type) else pa.large_binary()), 0, 1
    )
    return pc.any(pc.is_in(first_bytes, value_set=_FORMULA_FIRST_BYTES)).as_py() or False


def _write_csv(schema: pa.Schema, batches: Iterator[pa.RecordBatch], path: Path) -> int:
    rows = 0
    options = pa_csv.WriteOptions(include_header=True, quoting_style="needed")
    with pa_csv.CSVWriter(path, text_schema(schema), write_options=options) as writer:
        for batch in batches:
            writer.write_batch(spreadsheet_batch(batch))
            rows += batch.num_rows
    return rows


def _parquet_type(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(kind):
        return pa.timestamp("us", tz="UTC")
    return kind


def _write_parquet(schema: pa.Schema, batches: Iterator[pa.RecordBatch], path: Path) -> int:
    typed = pa.schema([f.with_type(_parquet_type(f.type)) for f in schema])
    rows = 0
    with pq.ParquetWriter(path, typed, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch.cast(typed, safe=False))
            rows += batch.num_rows
    return rows


def _write_jsonl(
    schema: pa.Schema, batches: Iterator[pa.RecordBatch], path: Path, json_columns: frozenset[str]
) -> int:
    """One JSON object per line, written by DuckDB from the stream; JSON text columns become objects."""
    counted = [0]

    def texts() -> Iterator[pa.RecordBatch]:
        for batch in batches:
            counted[0] += batch.num_rows
            yield text_batch(batch, nested_as_json=False)

    stream = pa.RecordBatchReader.from_batches(text_schema(schema, nested_as_json=False), texts())
    embedded = [name for name in schema.names if name in json_columns]
    replaced = ", ".join(f"json({quote_ident(name)}) AS {quote_ident(name)}" for name in embedded)
    select = f"SELECT * REPLACE ({replaced}) FROM stream" if embedded else "SELECT * FROM stream"
    connection = duckdb.connect()
    try:
        connection.register("stream", stream)
        connection.execute(f"COPY ({select}) TO ? (FORMAT json)", [str(path)])
    finally:
        connection.close()
    return counted[0]


def _write_xlsx(schema: pa.Schema, batches: Iterator[pa.RecordBatch], path: Path) -> int:
    """One sheet with a header row."""

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(schema.names)
    rows = 0
    for batch in batches:
        rows += batch.num_rows
        if rows > XLSX_MAX_ROWS:
            raise AnalyticsError(
                f"An xlsx sheet holds at most {XLSX_MAX_ROWS:,} rows; this export has more. "
                "Narrow the period or columns, or export as csv or parquet."
            )
        for row in spreadsheet_batch(batch).to_pylist():
            sheet.append(list(row.values()))
    book.save(path)
    return rows
