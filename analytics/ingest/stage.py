"""Every input becomes rows of one staging table: typed fields, plus the raw text of refused values.

The staging table `_ingest_staged` holds `_file` and `_row` (where each row came from), one column per
field of the import kind (NULL when absent, empty or invalid), `_raw_<field>` with the input text of each
value that could not be read, and for events an `event_id` derived from the content when none was given
(`_given_id` tells which).
Columns that are not fields are merged into the kind's object field (`properties` or `attributes`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics.db import quote_ident
from analytics.ingest import sqltypes
from analytics.ingest.fields import BOOLEAN, OBJECT, SQL_TYPES, TEXT, TIMESTAMP, Field, Kind
from analytics.ingest.problems import Problem
from analytics.ingest.readers import Source
from analytics.ingest.timestamps import timestamp_sql

STAGED = "_ingest_staged"
RAW_PREFIX = "_raw_"
GIVEN_ID = "_given_id"
EVENT_COLUMNS = "event_id, user_id, activity_type, timestamp, session_id, properties, ip_address, user_agent, country, city"
"""The columns of `events` that are written from staged rows (all but ingested_at)."""
_JSON_SPACE = "' ' || chr(9) || chr(10) || chr(13)"
_TRUE = "('true', '1', 'yes')"
_FALSE = "('false', '0', 'no')"
_EXPECTED = {
    TEXT: "text or an integer",
    TIMESTAMP: "ISO 8601 text, epoch seconds/milliseconds or a timestamp",
    OBJECT: "a JSON object (as text, STRUCT or MAP)",
    BOOLEAN: "true/false, 1/0 or yes/no",
}
_SNIFFED_KEPT = sqltypes.INTEGER_TYPES | sqltypes.FLOAT_TYPES | {"BOOLEAN"}


@dataclass(frozen=True)
class Plan:
    """The SELECT that turns one source into staging rows, and which fields may hold refused values."""

    source: Source
    select: str
    raw_fields: tuple[str, ...]
    columns: dict[str, str]

    def column(self, field_name: str) -> str:
        """The source column (as named in the input) that holds `field_name`."""
        return self.columns.get(field_name, field_name)


def plan(
    source: Source, kind: Kind, index: int, column_map: dict[str, str], zone: str
) -> Plan | list[Problem]:
    """How `source` (the `index`-th input) becomes staging rows, or the problems with its columns."""
    fields, extras, problems = _resolve(source, kind, column_map)
    missing = [name for name in kind.required if name not in fields]
    if missing:
        word = source.field_word + ("s" if len(missing) > 1 else "")
        found = ", ".join(source.columns) or "none"
        hint = "; rename columns with --map SOURCE=TARGET" if source.is_file else ""
        problems.append(
            source.problem(
                None,
                None,
                f"missing required {word} {', '.join(missing)}; found {source.field_word}s: {found}{hint}",
            )
        )
    values: dict[str, str] = {}
    raws: dict[str, str] = {}
    for field in kind.fields:
        if field.name not in fields:
            values[field.name] = f"CAST(NULL AS {SQL_TYPES[field.kind]})"
            continue
        column, position = fields[field.name]
        type_name = source.columns[column]
        found_sql = _field_sql(field, f"s{position}", type_name, zone)
        if found_sql is None:
            problems.append(
                source.problem(None, column, f"is of type {type_name}; expected {_EXPECTED[field.kind]}")
            )
            continue
        values[field.name], raw = found_sql
        if raw is not None:
            raws[field.name] = raw
    if problems:
        return problems
    extra_sql = {
        key: _extra_sql(f"s{position}", source.columns[column], source.sniffed.get(column))
        for key, (column, position) in extras.items()
    }
    select = _select(source, kind, index, fields | extras, values, raws, extra_sql)
    return Plan(source, select, tuple(raws), {name: column for name, (column, _) in fields.items()})


def _resolve(
    source: Source, kind: Kind, column_map: dict[str, str]
) -> tuple[dict[str, tuple[str, int]], dict[str, tuple[str, int]], list[Problem]]:
    """Map each field and each extra key to (source column, position); report two columns with one name."""
    fields: dict[str, tuple[str, int]] = {}
    extras: dict[str, tuple[str, int]] = {}
    seen: dict[str, str] = {}  # SQL names ignore case, so 'Score' and 'score' would clash
    problems: list[Problem] = []
    for position, column in enumerate(source.columns):
        target = column_map.get(column, column)
        field = kind.field(target)
        key = field.name if field else target
        if not key or "\x00" in key:  # names SQL cannot hold: "" is no identifier, NUL ends one early
            reason = f"a {source.field_word} name is empty or holds a NUL character ({key!r}); rename it"
            problems.append(source.problem(None, None, reason))
            continue
        if key.lower() in seen:
            taken = seen[key.lower()]
            problems.append(
                source.problem(None, column, f"would become {key!r}, like the {source.field_word} {taken!r}")
            )
            continue
        seen[key.lower()] = column
        (fields if field else extras)[key] = (column, position)
    return fields, extras, problems


def _field_sql(field: Field, column: str, type_name: str, zone: str) -> tuple[str, str | None] | None:
    """(value SQL, raw-text SQL or None) for a source column holding `field`; None if the type cannot."""
    if field.kind == TIMESTAMP:
        return timestamp_sql(column, type_name, zone)
    if field.kind == TEXT:
        return _text_sql(column, type_name)
    if field.kind == OBJECT:
        return _object_sql(column, type_name)
    return _boolean_sql(column, type_name)


def _text_sql(column: str, type_name: str) -> tuple[str, str | None] | None:
    if sqltypes.is_text(type_name):
        return f"nullif(trim({column}), '')", None
    if sqltypes.is_integer(type_name):
        return f"CAST({column} AS VARCHAR)", None
    if sqltypes.is_json(type_name):
        kind = f"json_type({column})"
        value = (
            f"CASE WHEN {kind} = 'VARCHAR' THEN nullif(trim({column} ->> '$'), '') "
            f"WHEN {kind} IN {sqltypes.JSON_ID_TYPES_SQL} THEN {column} ->> '$' END"
        )
        raw = f"CASE WHEN {kind} NOT IN {sqltypes.JSON_ID_TYPES_SQL} AND {kind} <> 'NULL' THEN CAST({column} AS VARCHAR) END"
        return value, raw
    return None


def _object_sql(column: str, type_name: str) -> tuple[str, str | None] | None:
    if sqltypes.is_text(type_name):
        value = (
            f"CASE WHEN starts_with(ltrim({column}, {_JSON_SPACE}), '{{') THEN TRY_CAST({column} AS JSON) END"
        )
        return value, f"nullif(trim({column}), '')"
    if sqltypes.is_json(type_name):
        value = f"CASE WHEN json_type({column}) = 'OBJECT' THEN {column} END"
        return value, f"CASE WHEN json_type({column}) <> 'NULL' THEN CAST({column} AS VARCHAR) END"
    if sqltypes.is_nested_object(type_name):
        return f"to_json({column})", None
    return None


def _boolean_sql(column: str, type_name: str) -> tuple[str, str | None] | None:
    def from_text(text: str) -> str:
        word = f"lower(trim({text}))"
        return f"CASE WHEN {word} IN {_TRUE} THEN true WHEN {word} IN {_FALSE} THEN false END"

    if type_name == "BOOLEAN":
        return column, None
    if sqltypes.is_text(type_name):
        return from_text(column), f"nullif(trim({column}), '')"
    if sqltypes.is_integer(type_name):
        return f"CASE {column} WHEN 1 THEN true WHEN 0 THEN false END", f"CAST({column} AS VARCHAR)"
    if sqltypes.is_json(type_name):
        kind = f"json_type({column})"
        text = f"({column} ->> '$')"
        value = (
            f"CASE WHEN {kind} = 'BOOLEAN' THEN CAST({column} AS BOOLEAN) "
            f"WHEN {kind} IN {sqltypes.JSON_ID_TYPES_SQL} THEN {from_text(text)} END"
        )
        raw = (
            f"CASE WHEN {kind} = 'VARCHAR' THEN nullif(trim({text}), '') "
            f"WHEN {kind} <> 'NULL' THEN CAST({column} AS VARCHAR) END"
        )
        return value, raw
    return None


def _extra_sql(column: str, type_name: str, sniffed: str | None) -> str:
    """A column outside the fields, as the value its key gets in the object field."""
    if sqltypes.is_text(type_name) and sniffed in _SNIFFED_KEPT:
        # CSV text: a number where the sniffer saw numbers, the text itself where a later row has none.
        return f"coalesce(to_json(TRY_CAST({column} AS {sniffed})), to_json({column}))"
    return column


def _select(
    source: Source,
    kind: Kind,
    index: int,
    columns: dict[str, tuple[str, int]],
    values: dict[str, str],
    raws: dict[str, str],
    extras: dict[str, str],
) -> str:
    scanned = ", ".join(f"{quote_ident(column)} AS s{position}" for column, position in columns.values())
    counted = (
        quote_ident(source.row_number_column) if source.row_number_column else "row_number() OVER () - 1"
    )
    renamed = f"SELECT {index} AS _file, {counted} + {source.first_row} AS _row" + (
        f", {scanned}" if scanned else ""
    )
    passed = "".join(f", s{position}" for _, position in columns.values())
    typed = ", ".join(f"{sql} AS {name}" for name, sql in values.items())
    checked = [f"CASE WHEN {name} IS NULL THEN {sql} END AS {RAW_PREFIX}{name}" for name, sql in raws.items()]
    target = kind.object_field
    if extras:
        packed = ", ".join(f"{quote_ident(key)} := {sql}" for key, sql in extras.items())
        merged = f"nullif(json_merge_patch(coalesce({target}, '{{}}'), to_json(struct_pack({packed}))), '{{}}') AS {target}"
        checked.append(merged)
    fields = ", ".join(f.name for f in kind.fields if f.name != target or not extras)
    outer = f"SELECT _file, _row, {fields}" + "".join(f", {sql}" for sql in checked)
    select = f"{outer} FROM (SELECT _file, _row, {typed}{passed} FROM ({renamed} FROM {source.relation}))"
    if kind.derives_event_id:
        given = set(columns) | ({target} if extras else set())
        select = (
            f"SELECT * REPLACE ({_derived_event_id(given)} AS event_id), event_id IS NOT NULL AS {GIVEN_ID} "
            f"FROM ({select})"
        )
    return select


_ID_PARTS = (
    ("user_id", "user_id"),
    ("timestamp", "CAST(epoch_us(timestamp) AS VARCHAR)"),
    ("activity_type", "activity_type"),
    ("session_id", "session_id"),
    ("properties", "CAST(properties AS VARCHAR)"),
    ("ip_address", "ip_address"),
    ("user_agent", "user_agent"),
    ("country", "country"),
    ("city", "city"),
)
"""The fields a derived event_id hashes, in order, with the SQL of each one's text."""


def _derived_event_id(given: set[str]) -> str:
    """The given event_id, else md5 of the event's content (stable across DuckDB versions, unlike hash()).

    The content is each field's text (chr(30) when NULL) joined by chr(31). Fields absent from the input
    (not in `given`) are NULL in every row, so their text joins the separators as one constant: this
    hashes the same text with fewer arguments to concatenate (0.25 s less for 10M rows).
    """
    pieces: list[str] = []
    constant: list[str] = []
    for index, (name, text) in enumerate(_ID_PARTS):
        if index:
            constant.append("chr(31)")
        if name not in given:
            constant.append("chr(30)")
            continue
        if constant:
            pieces.append(" || ".join(constant))
            constant = []
        pieces.append(f"coalesce({text}, chr(30))")
    if constant:
        pieces.append(" || ".join(constant))
    return f"coalesce(event_id, md5(concat({', '.join(pieces)})))"


def create_staging(cursor: duckdb.DuckDBPyConnection, kind: Kind, plans: list[Plan]) -> None:
    """Create the empty staging table with the columns every plan needs."""
    raw_fields = {name for found in plans for name in found.raw_fields}
    columns = ["_file INTEGER", "_row BIGINT"] + [f"{f.name} {SQL_TYPES[f.kind]}" for f in kind.fields]
    columns += [f"{RAW_PREFIX}{f.name} VARCHAR" for f in kind.fields if f.name in raw_fields]
    if kind.derives_event_id:
        columns.append(f"{GIVEN_ID} BOOLEAN")
    cursor.execute(f"CREATE OR REPLACE TEMP TABLE {STAGED} ({', '.join(columns)})")


def stage(cursor: duckdb.DuckDBPyConnection, found: Plan) -> int:
    """Scan the plan's source into the staging table; the number of rows it added."""
    return cursor.execute(
        f"INSERT INTO {STAGED} BY NAME {found.select}", list(found.source.params)
    ).fetchall()[0][0]
