"""Ibis expressions run on a DuckDB cursor, each expression compiled to SQL once.

A dashboard recomputes the same expressions whenever new data arrives (same filters, same tables), and
compiling them (ibis to sqlglot to SQL) took a fifth of a cold page run's CPU (py-spy, the load test's
six dashboards): under the load test that is the GIL's time, taken from tracking. Expressions are
compared by structure, so a rebuilt expression finds the SQL of an equal one. Expressions reading
in-memory tables are compiled every time: each such table has a new name, so they would never match.
"""

from __future__ import annotations

import functools
from typing import Any

import duckdb
import ibis
import ibis.expr.operations as ops
from ibis.backends.duckdb import Backend

COMPILED_KEPT = 1_024
"""Distinct compiled expressions remembered (the oldest go first); a few hundred cover every page."""


class _RememberingBackend(Backend):
    """Ibis's DuckDB backend, its `compile` answered from `_compiled` for plain calls."""

    def _post_connect(self, extensions: Any = None) -> None:
        """Ibis's session settings (UTC, no replacement scans) without its lookup of DuckDB's version in
        the installed packages' metadata, which reads the file system on every connection."""
        if extensions is not None:
            super()._post_connect(extensions)
            return
        self.con.execute("SET TimeZone = 'UTC'; SET python_enable_replacements = false")
        self._record_batch_readers_consumed = {}

    def compile(
        self, expr: ibis.Expr, /, *, limit: Any = None, params: Any = None, pretty: bool = False
    ) -> str:
        """The SQL of `expr`: remembered unless it takes parameters or reads an in-memory table."""
        node = expr.op()
        if params or pretty or node.find(ops.InMemoryTable):
            return super().compile(expr, limit=limit, params=params, pretty=pretty)
        return _compiled(node, limit)


_COMPILER = Backend()
"""An unconnected backend: compiling needs only its dialect."""


@functools.lru_cache(maxsize=COMPILED_KEPT)
def _compiled(node: ops.Node, limit: Any) -> str:
    return _COMPILER.compile(node.to_expr(), limit=limit)


def execute(cursor: duckdb.DuckDBPyConnection, expr: ibis.Expr) -> Any:
    """The result of `expr` on `cursor`, as ibis's DuckDB backend gives it (a DataFrame, Series or scalar)."""
    return _RememberingBackend.from_connection(cursor).execute(expr)


def compiled_count() -> int:
    """How many compiled expressions are remembered (tests, benchmarks)."""
    return _compiled.cache_info().currsize
