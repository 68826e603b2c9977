"""Staging of plain tracked events without the import's SQL reading: the common case, read in Python.

Typing and checking a batch with the import's SQL (analytics.ingest.stage and validate) costs about
8 ms of planning however few rows it holds, a third of a single-event tracking call. Most tracked events
are plain: only known fields, spelled in lower case; an event_id, user_id and activity_type given as
printable text without surrounding spaces (or an integer); an ISO 8601 timestamp with a zone (or
without one when the import zone is UTC) or whole epoch seconds or milliseconds of years 1973-2096;
properties a JSON object. For such records the Python reading below gives exactly the values the SQL
would, so they are staged directly; any other record sends its whole batch through the import's SQL,
whose rules and messages therefore stay the only ones.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)
from types import NoneType
from typing import Any

import duckdb
import pyarrow as pa

from analytics.ingest.fields import EVENTS, TEXT
from analytics.ingest.stage import GIVEN_ID, STAGED, create_staging

PLAIN = "_ingest_plain"
_ISO = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,6})?(Z|[+-]\d\d:\d\d)?")
_EPOCH = datetime(1970, 1, 1)
_SECONDS = range(100_000_000, 4_000_000_000)
"""Whole epoch seconds read exactly by the SQL (its double arithmetic is exact below 2**53 µs)."""
_MILLISECONDS = range(100_000_000_000, 4_000_000_000_000)
_BIGINT = range(-(2**63), 2**63)
_SEPARATOR = "\x1f"
_TEXT_FIELDS = tuple(field.name for field in EVENTS.fields if field.kind == TEXT)
_KNOWN = frozenset(field.name for field in EVENTS.fields)
_NEEDED = frozenset(EVENTS.required) | {"event_id"}
"""Fields a plain record gives; without an event_id, the SQL derives one from the content."""
_SCHEMA = pa.schema(
    [(name, pa.string()) for name in _TEXT_FIELDS]
    + [("timestamp", pa.timestamp("us")), ("properties", pa.string()), ("_row", pa.int64())]
)


def plain_columns(
    records: list[Any], encode: json.JSONEncoder, *, naive_is_utc: bool
) -> dict[str, list[Any]] | None:
    """The records as staging values (text, naive UTC datetimes, JSON text), or None if one is not plain.

    `naive_is_utc` says the import zone is UTC, so timestamps without an offset are UTC as well. Read a
    field at a time, so that the common column (all text, all absent) is checked by a few string
    operations over the whole column: 1,000 events of the load test took 5.2 ms read record by record,
    2.5 ms so.
    """
    if not all(type(record) is dict for record in records) or not all(map(_KNOWN.issuperset, records)):
        return None
    columns: dict[str, list[Any]] = {}
    for name in _TEXT_FIELDS:
        values = _texts([record.get(name) for record in records], needed=name in _NEEDED)
        if values is None:
            return None
        columns[name] = values
    timestamps = [_timestamp(record.get("timestamp"), naive_is_utc) for record in records]
    properties = _properties([record.get("properties") for record in records], encode)
    if None in timestamps or properties is None:
        return None
    columns["timestamp"] = timestamps
    columns["properties"] = properties
    columns["_row"] = list(range(len(records)))
    return columns


def stage_plain(cursor: duckdb.DuckDBPyConnection, columns: dict[str, list[Any]]) -> int:
    """Fill the staging table with the plain records of `columns`, as the import's SQL would; rows staged."""
    create_staging(cursor, EVENTS, [])
    cursor.register(PLAIN, pa.table(columns, schema=_SCHEMA))
    try:
        cursor.execute(
            f"INSERT INTO {STAGED} BY NAME SELECT 0 AS _file, * REPLACE (CAST(properties AS JSON) AS properties), "
            f"true AS {GIVEN_ID} FROM {PLAIN}"
        )
    finally:
        cursor.unregister(PLAIN)
    return len(columns["_row"])


def _texts(values: list[object], *, needed: bool) -> list[str | None] | None:
    """The texts of one field's values (None where absent), or None when the SQL rules must decide one."""
    kinds = set(map(type, values))
    if kinds == {NoneType}:
        return None if needed else values  # type: ignore[return-value]
    if kinds == {str}:
        joined = _SEPARATOR.join(values)  # unambiguous: a plain text holds no control character
        plain = (
            all(values)
            and "".join(values).isprintable()
            and not joined.startswith(" ")
            and not joined.endswith(" ")
            and f" {_SEPARATOR}" not in joined
            and f"{_SEPARATOR} " not in joined
        )
        return values if plain else None  # type: ignore[return-value]
    texts = [_text(value) for value in values]
    if False in texts or (needed and None in texts):
        return None
    return texts  # type: ignore[return-value]


def _text(value: object) -> str | None | bool:
    """The text a field gets (None when absent), or False when the SQL rules must decide."""
    if value is None:
        return None
    if type(value) is str:
        plain = value.isprintable() and value.strip(" ") == value and value != ""
        return value if plain else False
    if type(value) is int and value in _BIGINT:
        return str(value)
    return False


def _properties(values: list[object], encode: json.JSONEncoder) -> list[str | None] | None:
    """The JSON texts of the properties objects (None where absent), or None when one is not plain.

    Encoded as `encode.encode` would, by one C encoder made for the column instead of one per value
    (that setup was half the cost of encoding a small object).
    """
    if not set(map(type, values)) <= {dict, NoneType}:
        return None
    encoder = c_make_encoder(
        {} if encode.check_circular else None,
        encode.default,
        encode_basestring_ascii if encode.ensure_ascii else encode_basestring,
        None,  # no indent: encode.encode uses this C encoder only then
        encode.key_separator,
        encode.item_separator,
        encode.sort_keys,
        encode.skipkeys,
        encode.allow_nan,
    )
    try:
        return [None if value is None else "".join(encoder(value, 0)) for value in values]
    except (TypeError, ValueError):
        return None


def _timestamp(value: object, naive_is_utc: bool) -> datetime | None:
    """The naive UTC time of a plain timestamp, or None when the SQL rules must decide."""
    if type(value) is int:
        if value in _SECONDS:
            return _EPOCH + timedelta(seconds=value)
        if value in _MILLISECONDS:
            return _EPOCH + timedelta(milliseconds=value)
        return None
    if type(value) is not str:
        return None
    match = _ISO.fullmatch(value)
    if match is None or not 1000 <= int(value[:4]) <= 9998:
        return None
    zone = match[1]
    if zone is None and not naive_is_utc:
        return None
    try:  # "Z" read as a naive time: the same instant, without converting from a zone to UTC
        parsed = datetime.fromisoformat(value[:-1] if zone == "Z" else value)
    except ValueError:  # such as a 13th month or a 30th of February: the SQL names the problem
        return None
    return parsed if parsed.tzinfo is None else parsed.astimezone(UTC).replace(tzinfo=None)
