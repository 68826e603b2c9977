"""`export_dataset`: permission, the dataset's rows streamed in chunks, anonymised if asked, written, audited.

The file appears under its final name only when complete (it is written beside it as a hidden .part
file first), and every export is recorded in the audit log with who, what, filters, format and rows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from analytics import audit
from analytics.db import Database
from analytics.export import writers
from analytics.export.datasets import ExportRequest, build_dataset
from analytics.privacy.anonymise import anonymisation_key, anonymise_reader
from analytics.viewer import Viewer
from config.permissions import Permission

DEFAULT_CHUNK_ROWS = 500_000
AUDIT_ACTION = "export"


@dataclass(frozen=True)
class ExportResult:
    """What one export wrote."""

    path: Path
    dataset: str
    file_format: str
    rows: int
    size_bytes: int
    anonymised: bool
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.rows:,} rows of {self.dataset} written to {self.path} ({self.file_format}, "
            f"{self.size_bytes / 1e6:,.1f} MB{', anonymised' if self.anonymised else ''}) "
            f"in {self.seconds:.1f} s"
        )


def open_reader(
    db: Database, viewer: Viewer, request: ExportRequest, *, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> tuple[pa.RecordBatchReader, frozenset[str]]:
    """The request's rows as a stream of Arrow batches of at most `chunk_rows`, and its JSON columns.

    Row datasets are read from DuckDB chunk by chunk (the whole result never sits in Python);
    computed datasets are small frames, sliced the same way.
    """
    built, columns = build_dataset(db, viewer, request)
    if not isinstance(built, ir.Table):
        table = pa.Table.from_pandas(built, preserve_index=False)
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(chunk_rows)), frozenset()
    json_columns = frozenset(name for name, kind in built.schema().items() if kind.is_json())
    cursor = db.cursor()
    streamed = cursor.sql(str(ibis.to_sql(built, dialect="duckdb"))).to_arrow_reader(chunk_rows)

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from streamed
        finally:
            cursor.close()

    return pa.RecordBatchReader.from_batches(streamed.schema, batches()), json_columns


def export_dataset(
    db: Database,
    viewer: Viewer,
    request: ExportRequest,
    path: str | Path,
    *,
    file_format: str | None = None,
    anonymise: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: writers.Progress | None = None,
    source: str | None = None,
) -> ExportResult:
    """Write the rows `request` names to `path` and audit it; needs EXPORT_ANALYTICS.

    `file_format` is csv, parquet, jsonl or xlsx (default: from the extension). `anonymise` applies
    `analytics.privacy.anonymise` (pseudonymous user ids, no emails or names, IPs cut to networks).
    `progress` is called with the rows written so far after each chunk; `source` is recorded in the
    audit log (e.g. "cli", the client's address, "schedule:ID").
    """
    viewer.require(Permission.EXPORT_ANALYTICS)
    path = Path(path)
    started = time.perf_counter()
    file_format = writers.check_format(file_format, path)
    reader, json_columns = open_reader(db, viewer, request, chunk_rows=chunk_rows)
    if anonymise:
        reader = anonymise_reader(reader, key=anonymisation_key())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    try:
        rows = writers.write_batches(
            reader, partial, file_format, json_columns=json_columns, progress=progress
        )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    result = ExportResult(
        path=path,
        dataset=request.dataset,
        file_format=file_format,
        rows=rows,
        size_bytes=path.stat().st_size,
        anonymised=anonymise,
        seconds=time.perf_counter() - started,
    )
    detail = {
        **request.to_json(),
        "format": file_format,
        "rows": rows,
        "anonymised": anonymise,
        "file": path.name,
    }
    audit.log(db, viewer.account, AUDIT_ACTION, target=request.dataset, detail=detail, source=source)
    return result
