"""Values inside JSON columns (event properties, user attributes), spelled so DuckDB and Spark agree.

Both engines have `json_extract_string(json, path)` (DuckDB natively, Spark as the SQL function the Spark
engine defines over `get_json_object`): the text of the value at `path` — strings unquoted, numbers and
booleans as written, objects as JSON — or NULL when absent. Ibis's own JSON accessors would run as
Python UDFs on Spark.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

SPARK_DEFINITION = (
    "CREATE OR REPLACE TEMPORARY FUNCTION json_extract_string(document STRING, path STRING) "
    "RETURNS STRING RETURN get_json_object(document, path)"
)
"""The Spark SQL function the Spark engine defines so that `json_text` runs there too."""


@ibis.udf.scalar.builtin(name="json_extract_string")
def _json_extract_string(document: dt.JSON, path: str) -> str:
    """The engine's json_extract_string(document, path)."""


def json_text(document: ir.JSONValue, key: str) -> ir.StringValue:
    """The value at `key` of a JSON column as text; a dot in `key` reaches into a nested object."""
    return _json_extract_string(document, "$." + key)


def json_number(document: ir.JSONValue, key: str) -> ir.FloatingValue:
    """The value at `key` as a number (JSON numbers and numeric strings; anything else is NULL)."""
    return json_text(document, key).try_cast("float64")
