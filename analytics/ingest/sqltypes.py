"""Classify the DuckDB type names that DESCRIBE reports for input columns."""

from __future__ import annotations

INTEGER_TYPES = frozenset(
    {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    }
)
FLOAT_TYPES = frozenset({"FLOAT", "DOUBLE"})
NAIVE_TIMESTAMP_TYPES = frozenset({"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATE"})
ZONED_TIMESTAMP_TYPES = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"})

# JSON value types, as json_type() names them, written as SQL lists.
JSON_ID_TYPES_SQL = "('VARCHAR', 'BIGINT', 'UBIGINT')"
JSON_NUMBER_TYPES_SQL = "('BIGINT', 'UBIGINT', 'DOUBLE')"


def is_text(type_name: str) -> bool:
    return type_name == "VARCHAR"


def is_json(type_name: str) -> bool:
    return type_name == "JSON"


def is_integer(type_name: str) -> bool:
    return type_name in INTEGER_TYPES


def is_number(type_name: str) -> bool:
    return type_name in INTEGER_TYPES or type_name in FLOAT_TYPES or type_name.startswith("DECIMAL")


def is_nested_object(type_name: str) -> bool:
    """STRUCT and MAP columns, which DuckDB turns into JSON objects."""
    return type_name.startswith(("STRUCT(", "MAP("))
