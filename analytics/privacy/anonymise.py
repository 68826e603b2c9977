"""Anonymisation: the one transform every export and every "anonymise" option applies.

Rules, by column name: user ids (`user_id`, `*_user_id`) become keyed hashes; `email` and
`display_name` are dropped; IP addresses (`ip`, `ip_address`, `*_ip`, `*_ip_address`) are cut to
their network (IPv4 /24, IPv6 /48; unparseable ones become null); every other text column has email
addresses replaced by "[email]", including those inside JSON text at any depth. The work is done on
Arrow arrays, so a 10-million-row export can be anonymised one RecordBatch at a time: the hash depends
only on the key, so the same user gets the same pseudonym in every chunk of one export.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import tomllib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.errors import AnalyticsError
from config.settings import PROJECT_ROOT

SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
KEY_NAME = "anonymisation_key"
PSEUDONYM_PREFIX = "anon_"
PSEUDONYM_HEX_CHARS = 16
"""64 bits of HMAC-SHA256: collisions stay below one in a million for ten million users."""
REMEMBERED_PSEUDONYMS = 1_000_000
DROPPED_COLUMNS = frozenset({"email", "display_name"})
EMAIL_PLACEHOLDER = "[email]"
EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
IPV6_PREFIX_BITS = 48
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}$"
_LAST_OCTET = r"\.[0-9]{1,3}$"


def anonymisation_key(path: Path = SECRETS_FILE) -> bytes:
    """The key for one export run: `anonymisation_key` from `.streamlit/secrets.toml`, else random.

    With the secret set, pseudonyms are the same in every export (so exports can be joined with each
    other); without it, each call returns 32 fresh random bytes and pseudonyms are stable only within
    the export that called it. Call it once per export and pass the key to every chunk.
    """
    if path.exists():
        with path.open("rb") as handle:
            value = tomllib.load(handle).get(KEY_NAME)
        if value is not None:
            if not isinstance(value, str) or len(value) < 16:
                raise AnalyticsError(
                    f"The '{KEY_NAME}' secret in {path} must be a string of at least 16 characters. "
                    f"Got {type(value).__name__} of length {len(str(value))}."
                )
            return value.encode()
    return secrets.token_bytes(32)


def column_rule(name: object) -> str:
    """How column `name` is anonymised: 'drop', 'user_id', 'ip' or 'text' (scrubbed if textual)."""
    text = str(name)
    if text in DROPPED_COLUMNS:
        return "drop"
    if text == "user_id" or text.endswith("_user_id"):
        return "user_id"
    if text in {"ip", "ip_address"} or text.endswith(("_ip", "_ip_address")):
        return "ip"
    return "text"


def pseudonymise_ids(values: pa.Array, *, key: bytes, known: dict[str, str] | None = None) -> pa.Array:
    """Replace each id by "anon_" + the first 16 hex digits of HMAC-SHA256(key, id); nulls stay null.

    `known` caches pseudonyms already made with `key`; the chunks of one export share it, so each
    distinct id is hashed once (it is emptied when it reaches REMEMBERED_PSEUDONYMS entries).
    """
    known = {} if known is None else known
    if len(known) > REMEMBERED_PSEUDONYMS:
        known.clear()
    encoded = pc.dictionary_encode(_as_string(values))
    tokens = []
    for value in encoded.dictionary.to_pylist():
        token = known.get(value)
        if token is None:
            digest = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
            token = known[value] = PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_CHARS]
        tokens.append(token)
    return pa.array(tokens, pa.string()).take(encoded.indices)


def truncate_ips(values: pa.Array) -> pa.Array:
    """Cut IPv4 addresses to a.b.c.0 (/24) and IPv6 to their /48 network; invalid ones become null."""
    text = pc.utf8_trim_whitespace(_as_string(values))
    is_ipv4 = pc.match_substring_regex(text, _IPV4)
    ipv4 = pc.if_else(is_ipv4, pc.replace_substring_regex(text, _LAST_OCTET, ".0"), None)
    # IPv6 is rare enough to parse per distinct value; IPv4 above stays vectorised.
    candidates = pc.if_else(pc.and_(pc.invert(is_ipv4), pc.match_substring(text, ":")), text, None)
    encoded = pc.dictionary_encode(candidates)
    networks = pa.array([_ipv6_network(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return pc.coalesce(ipv4, networks.take(encoded.indices))


def _ipv6_network(value: str) -> str | None:
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return None
    if address.ipv4_mapped is not None:
        return str(ipaddress.ip_network(f"{address.ipv4_mapped}/24", strict=False).network_address)
    return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX_BITS}", strict=False).network_address)


def scrub_emails(values: pa.Array) -> pa.Array:
    """Replace every email address in text (plain or JSON, nested or not) with "[email]"."""
    text = _as_string(values)
    if not pc.any(pc.match_substring(text, "@")).as_py():
        return text
    return pc.replace_substring_regex(text, EMAIL_PATTERN, EMAIL_PLACEHOLDER)


def _scrub_list(values: pa.Array) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return type(values).from_arrays(values.offsets, scrub_emails(values.values), mask=values.is_null())


def anonymise_column(
    name: object, values: pa.Array, *, key: bytes, known: dict[str, str] | None = None
) -> pa.Array | None:
    """The anonymised twin of one column, or None if the column must be dropped."""
    rule = column_rule(name)
    if rule == "drop":
        return None
    if pa.types.is_null(values.type):
        return values
    if rule == "user_id":
        return pseudonymise_ids(values, key=key, known=known)
    if rule == "ip":
        return truncate_ips(values)
    if _is_text(values.type):
        return scrub_emails(values)
    if _is_text_list(values.type):
        return _scrub_list(values)
    return values


def anonymise_batch(
    batch: pa.RecordBatch, *, key: bytes, known: dict[str, str] | None = None
) -> pa.RecordBatch:
    """Anonymise one Arrow RecordBatch (one chunk of a streamed export); `known` as in pseudonymise_ids."""
    names, arrays = [], []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        result = anonymise_column(name, column, key=key, known=known)
        if result is not None:
            names.append(name)
            arrays.append(result)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def anonymise_reader(reader: pa.RecordBatchReader, *, key: bytes) -> pa.RecordBatchReader:
    """Stream `reader`'s batches anonymised (e.g. from DuckDB's `to_arrow_reader`) without loading all."""
    schema = anonymised_schema(reader.schema)
    known: dict[str, str] = {}

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            yield anonymise_batch(batch, key=key, known=known).cast(schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def anonymised_schema(schema: pa.Schema) -> pa.Schema:
    """The schema `anonymise_batch` produces for input of `schema`."""
    fields = []
    for field in schema:
        rule = column_rule(field.name)
        if rule == "drop":
            continue
        if pa.types.is_null(field.type) or (rule == "text" and not _is_text(field.type)):
            fields.append(field)
        else:
            fields.append(field.with_type(pa.string()))
    return pa.schema(fields)


def anonymise_frame(frame: pd.DataFrame, *, key: bytes) -> pd.DataFrame:
    """Anonymise a DataFrame: same rows and index, identifying columns transformed or dropped.

    Object columns (lists, dicts, mixed values) come back as text, with lists and dicts as JSON, so
    that emails inside them are scrubbed too. Columns of other types are returned unchanged.
    """
    kept = {}
    known: dict[str, str] = {}
    for name in frame.columns:
        column = frame[name]
        if column_rule(name) == "drop":
            continue
        if column.dtype == object:
            column = column.map(_text_value)
        elif column_rule(name) == "text" and not _is_text_dtype(column.dtype):
            kept[name] = column
            continue
        result = anonymise_column(name, pa.array(column, from_pandas=True), key=key, known=known)
        kept[name] = result.to_pandas().set_axis(frame.index).rename(name)
    return pd.DataFrame(kept, index=frame.index)


def _text_value(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str)
    return None if pd.isna(value) else str(value)


def _is_text_dtype(dtype: object) -> bool:
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.api.types.is_string_dtype(dtype.categories.dtype)
    return pd.api.types.is_string_dtype(dtype)


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)


def _is_text_list(kind: pa.DataType) -> bool:
    return (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and _is_text(kind.value_type)


def _as_string(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
