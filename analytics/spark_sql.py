"""Pulse's DuckDB-dialect SQL made runnable on Spark: parameters bound as literals in the parsed tree
(never pasted into text), then the tree written out in Spark's dialect by sqlglot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from analytics.errors import AnalyticsError


@lru_cache(maxsize=1024)
def tables_read(sql: str) -> frozenset[str]:
    """Names of the stored tables `sql` (DuckDB dialect) reads; its own CTE names left out.

    Remembered per text: the same few statements (sign-in, token checks) are routed on every request.
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return frozenset(table.name for table in tree.find_all(exp.Table) if table.name not in ctes)


def to_spark_sql(sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> str:
    """`sql` with `?` / `$name` parameters bound, in Spark SQL."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    positional = iter(params) if isinstance(params, Sequence) and not isinstance(params, str) else None
    named = params if isinstance(params, dict) else {}

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            if node.name and node.name != "?":
                if node.name not in named:
                    raise AnalyticsError(f"The query needs parameter ${node.name}, which was not given.")
                return _literal(named[node.name])
            if positional is None:
                raise AnalyticsError("The query has a ? parameter but no values were given.")
            return _literal(next(positional))
        return node

    spark = tree.transform(bind).transform(_spark_equivalent)
    return spark.transform(_spark_equivalent).sql(dialect="spark")  # again: a replaced node's parts


def _spark_equivalent(node: exp.Expression) -> exp.Expression:
    """Spark's spelling of the DuckDB constructs sqlglot leaves as they are."""
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)  # a planner hint for DuckDB; Spark plans CTEs its own way
        return node
    if isinstance(node, exp.Bracket):  # lists are 1-based in DuckDB; sqlglot shifts literal indexes only
        (index,) = node.expressions
        position = exp.Literal.number(int(index.name) + 1) if isinstance(index, exp.Literal) else index
        return exp.func("try_element_at", node.this, position)
    if isinstance(node, exp.Min) and node.args.get("count") is not None:  # min(x, n): the n smallest
        smallest = exp.func("array_sort", exp.func("collect_list", node.this))
        return exp.func("slice", smallest, exp.Literal.number(1), node.args["count"])
    if isinstance(node, exp.Mod) and _is_call(node.this, "hash"):  # the paths sample, non-negative
        return exp.func("pmod", exp.func("xxhash64", *node.this.expressions), node.expression)
    if isinstance(node, exp.DataType) and node.is_type(exp.DataType.Type.UBIGINT):
        return exp.DataType.build("BIGINT")
    if _is_call(node, "to_seconds"):
        zero = exp.Literal.number(0)
        return exp.func("make_dt_interval", zero, zero, zero, *node.expressions)
    if _is_call(node, "epoch_us"):
        return exp.func("unix_micros", exp.cast(node.expressions[0], exp.DataType.build("TIMESTAMP")))
    if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) and _unspecified(node):
        return exp.func("monotonically_increasing_id")  # an unordered row number is only an id
    return node


def _unspecified(window: exp.Window) -> bool:
    """OVER (): no partition, no order and no named window."""
    return not any(window.args.get(part) for part in ("partition_by", "order", "alias"))


def _is_call(node: exp.Expression, name: str) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == name


def _literal(value: Any) -> exp.Expression:
    """A typed SQL literal for a parameter value (dates and timestamps keep their type)."""
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP_NTZ"))
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_literal(item) for item in value])
    return exp.convert(value)
