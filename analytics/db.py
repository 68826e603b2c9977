"""The one module that talks to the database.

One DuckDB connection per process and file, opened on first use; every call takes its own cursor
(DuckDB 2.0 refuses a connection shared by threads). Writes go through `transaction()`, which holds
process-wide locks so that de-duplication by event_id stays exact under concurrent tracking: one for
writers of events, one for writers of the rollups. Most writes hold both; a tracking write that only
appends events and queues their rollups, and the drain of that queue, each hold one, so they overlap.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Protocol

import duckdb
import ibis
import ibis.expr.operations as ops
import pandas as pd

from analytics import ibis_duckdb
from analytics.errors import SchemaError
from config.settings import Settings, load_settings

QUERY_TIMES_KEPT = 10_000
CLOSE_WAIT_S = 10.0


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (table or column name); the only place identifiers are quoted."""
    return '"' + name.replace('"', '""') + '"'


class AnalyticEngine(Protocol):
    """Another engine for analytic reads (Spark over the Parquet lake); DuckDB keeps everything else."""

    tables: frozenset[str]
    generation: int

    def run(self, expr: ibis.Expr) -> Any: ...

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None) -> pd.DataFrame: ...

    def describe(self) -> str: ...


class Database:
    """A DuckDB file and the process's connection to it, plus the engine of analytic reads if not DuckDB.

    With an `engine`, every read of analytic tables only (`engine.tables`) runs there; reads that touch
    any other table (accounts, alerts, model outputs), and all writes, stay on the DuckDB file.
    """

    def __init__(
        self,
        path: Path,
        *,
        memory_limit: str = "",
        live_refresh_s: float = 0.0,
        engine: AnalyticEngine | None = None,
    ) -> None:
        self.path = Path(path)
        self.engine = engine
        self.memory_limit = memory_limit
        self.live_refresh_s = live_refresh_s
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._open_lock = threading.Lock()
        self._events_lock = threading.RLock()
        self._rollups_lock = threading.RLock()
        self._query_seconds: deque[float] = deque(maxlen=QUERY_TIMES_KEPT)
        self.data_version = 0
        self.events_generation = 0
        """Commits of data-changing transactions holding the events lock (the only ones that may write
        events, users or the rollups' zone): what analytics.ingest.stored_facts checks."""
        self._shown_version = 0
        self._shown_at = time.monotonic()
        self.opened_at: float | None = None

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The process's connection, opened (and migrated) on first use."""
        if self._connection is None:
            with self._open_lock:
                if self._connection is None:
                    self._connection = self._open()
        return self._connection

    def _open(self) -> duckdb.DuckDBPyConnection:
        from analytics.migrations import migrate

        self.path.parent.mkdir(parents=True, exist_ok=True)
        config = {"memory_limit": self.memory_limit} if self.memory_limit else {}
        try:
            connection = duckdb.connect(str(self.path), config=config)
        except duckdb.IOException as exc:
            raise SchemaError(_explain_open_failure(self.path, exc)) from exc
        except duckdb.Error as exc:
            raise SchemaError(
                f"The database file {self.path} cannot be opened: {exc}. "
                "Restore it from a backup or move it away to start with an empty one."
            ) from exc
        try:
            migrate(connection, self.path)
        except duckdb.Error as exc:  # e.g. a truncated file: DuckDB opens it, reading its tables fails
            connection.close()
            raise SchemaError(
                f"The database file {self.path} cannot be read: {exc}. "
                "Restore it from a backup or move it away to start with an empty one."
            ) from exc
        except BaseException:
            connection.close()
            raise
        self.opened_at = time.time()
        return connection

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for one call (cheap; safe to use from any thread)."""
        return self.connection.cursor()

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a parameterised SELECT and return its rows as a DataFrame."""
        with self._timed():
            if self._on_engine_sql(sql):
                return self.engine.query(sql, params)
            return self.cursor().execute(sql, params or []).df()

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
        """Run a parameterised SELECT and return its rows as tuples."""
        with self._timed():
            if self._on_engine_sql(sql):
                frame = self.engine.query(sql, params).astype(object)
                return list(frame.where(frame.notna(), None).itertuples(index=False, name=None))
            return self.cursor().execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run a parameterised SELECT that yields one value."""
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def run(self, expr: ibis.Expr) -> pd.DataFrame:
        """Execute an Ibis expression built on `analytics.schema` tables."""
        with self._timed():
            if self.engine is not None and _tables_of(expr) <= self.engine.tables:
                result = self.engine.run(expr)
            else:
                result = ibis_duckdb.execute(self.cursor(), expr)
        return result if isinstance(result, pd.DataFrame) else pd.DataFrame({"value": [result]})

    def _on_engine_sql(self, sql: str) -> bool:
        from analytics.spark_sql import tables_read

        return self.engine is not None and tables_read(sql) <= self.engine.tables

    @property
    def view_version(self) -> int:
        """The data version cached results are keyed by: `data_version`, except that live changes
        (tracked events) move it on at most every `live_refresh_s` seconds, so a steady tracking stream
        does not make every dashboard view recompute. With another engine, each rewrite of the lake it
        reads (its generation) moves it on too: both counters only grow, so their sum changes with either."""
        now = time.monotonic()
        if self._shown_version != self.data_version and now - self._shown_at >= self.live_refresh_s:
            self._shown_version, self._shown_at = self.data_version, now
        return self._shown_version + (self.engine.generation if self.engine is not None else 0)

    @contextmanager
    def transaction(
        self,
        *,
        data_changed: bool = True,
        live: bool = False,
        writes_events: bool = True,
        writes_rollups: bool = True,
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction: all of it commits, or none of it does.

        A write the disk refuses (full, read-only) raises SchemaError, the transaction rolled back.
        `data_changed=False` marks bookkeeping writes (audit records, login state) that leave analytic
        results as they were, so cached results stay valid. `live=True` marks tracked events: they reach
        `view_version` within `live_refresh_s`; any other change reaches it at once.
        `writes_rollups=False` promises to write only events, users and the rollup queue (appends);
        `writes_events=False` only the rollup tables and the removal of drained queue rows. Two such
        transactions, one of each, run at once (DuckDB appends and deletes of other rows do not
        conflict); any other transaction runs alone. Both False promises appends to tables neither kind
        reads or writes (page views): such a write takes no lock and runs beside any other.
        """
        with ExitStack() as locks:
            # The rollups lock first: a write waiting for the queue's drain then holds up no tracking call.
            if writes_rollups:
                locks.enter_context(self._rollups_lock)
            if writes_events:
                locks.enter_context(self._events_lock)
            cursor = self.cursor()
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
            except BaseException as exc:
                cursor.execute("ROLLBACK")
                if isinstance(exc, duckdb.IOException):
                    raise SchemaError(_explain_write_failure(self.path, exc)) from exc
                raise
            try:
                cursor.execute("COMMIT")
            except (duckdb.IOException, duckdb.TransactionException) as exc:  # disk full, folder read-only
                raise SchemaError(_explain_write_failure(self.path, exc)) from exc
            if writes_events and data_changed:
                self.events_generation += 1
            if data_changed:
                self.data_version += 1
                if not live:
                    self._shown_version, self._shown_at = self.data_version, time.monotonic()

    @contextmanager
    def _timed(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._query_seconds.append(time.perf_counter() - started)

    def query_time_percentiles(self) -> dict[str, float | int | None]:
        """p50 and p95 of this process's query times (milliseconds) since start."""
        seconds = sorted(self._query_seconds)
        if not seconds:
            return {"queries": 0, "p50_ms": None, "p95_ms": None}

        def at(share: float) -> float:
            return round(seconds[min(len(seconds) - 1, int(share * len(seconds)))] * 1000, 2)

        return {"queries": len(seconds), "p50_ms": at(0.50), "p95_ms": at(0.95)}

    def close(self, *, wait_s: float = CLOSE_WAIT_S) -> None:
        """Close the connection (shutdown, tests, the CLI); queries still running are interrupted.

        DuckDB refuses to close a connection while a cursor of another thread is busy, so running
        queries (a background job, a request still in flight) are interrupted and the close retried.
        """
        with self._open_lock:
            if self._connection is None:
                return
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    self._connection.close()
                    break
                except duckdb.ConnectionException:  # a refused attempt may still have closed it
                    break
                except duckdb.Error:
                    if time.monotonic() > deadline:
                        raise
                    self._connection.interrupt()
                    time.sleep(0.05)
            self._connection = None


def _tables_of(expr: ibis.Expr) -> set[str]:
    """Names of the tables an Ibis expression reads."""
    return {table.name for table in expr.op().find((ops.UnboundTable, ops.DatabaseTable))}


def _explain_open_failure(path: Path, exc: Exception) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return (
            f"The database file {path} is in use by another Pulse process (DuckDB allows one writer). "
            "Stop the running app, or point --db at another file."
        )
    if "read-only" in text.lower() or "permission" in text.lower():
        return f"The database file {path} cannot be written: {text}. Check the folder's permissions."
    return (
        f"The database file {path} cannot be opened: {text}. "
        "Restore it from a backup or move it away to start with an empty one."
    )


def _explain_write_failure(path: Path, exc: Exception) -> str:
    return (
        f"A write failed: {exc}. Nothing of this change was stored in {path}; it still holds what it held. "
        "Free disk space or make the folder writable, then try again."
    )


_open_databases: dict[Path, Database] = {}
_registry_lock = threading.Lock()


def open_database(path: str | Path | None = None, settings: Settings | None = None) -> Database:
    """The process's Database for `path` (default: the configured one); created on first call."""
    settings = settings or load_settings()
    resolved = _resolved(Path(path) if path else settings.database_path)
    with _registry_lock:
        database = _open_databases.get(resolved)
        if database is None:
            database = Database(
                resolved,
                memory_limit=settings.memory_limit,
                live_refresh_s=settings.live_refresh_s,
                engine=_engine(settings),
            )
            _open_databases[resolved] = database
    return database


def _resolved(path: Path) -> Path:
    """`path` made absolute with its links followed, worked out once per path and working directory:
    Path.resolve takes about 0.2 ms of the GIL, and the API opens the database on every request.

    An absolute path skips asking for the working directory: os.getcwd gives up the GIL, and getting it
    back took a tenth of the event loop's time under the load test (py-spy)."""
    return _resolved_in(path, "" if path.is_absolute() else os.getcwd())


@functools.lru_cache(maxsize=64)
def _resolved_in(path: Path, working_directory: str) -> Path:
    return (Path(working_directory) / path).resolve()


def _engine(settings: Settings) -> AnalyticEngine | None:
    """The configured engine of analytic reads; None means DuckDB itself."""
    if settings.spark_backend is None:
        return None
    from analytics.spark_engine import spark_engine

    return spark_engine(settings.spark_backend)


def forget_database(path: str | Path) -> None:
    """Close and drop the process's Database for `path` (tests that reopen files)."""
    with _registry_lock:
        database = _open_databases.pop(_resolved(Path(path)), None)
    if database is not None:
        database.close()
