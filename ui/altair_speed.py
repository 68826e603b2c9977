"""Altair chart building without redoing work: memos for schema hashing and for spec validation.

Altair turns every encoding given as text or a dict ("value:Q", alt.condition(...)) into a channel
object by matching schemas, and hashes each candidate schema by dumping it to sorted JSON, on every
chart built. Under 20 UI sessions that was a fifth of the server's GIL-holding samples (py-spy), and
a 4-layer line chart took 41 ms to build. The schemas hashed are the static parts of Altair's loaded
Vega-Lite schema, so each is hashed once here; the memo keeps every schema it saw alive, so an id is
never reused for another dict.

Altair then validates each channel and the finished chart against the Vega-Lite JSON schema with
jsonschema, on every page view, trying each alternative of a channel's schema until one passes:
with hashing memoized that was 45% of a warm dashboard run (cProfile under AppTest, six dashboards).
The same spec against the same schema always gives the same answer, so the answer is remembered by
the spec's JSON text with generated names left out (hashes of the data, which change with it, or of a
parameter; any string is valid there). A remembered failure is raised (or returned) again as a copy
of the error, so a wrong chart raises every time. Charts come out identical
(tests/pages/test_altair_speed.py).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any

from altair.utils import schemapi
from altair.utils.schemapi import _FromDict

_hashed: dict[tuple[int, bool], tuple[dict[str, Any], int]] = {}
_current = _FromDict.__dict__["hash_schema"].__func__
_original = getattr(_current, "__wrapped__", _current)
"""Altair's own function, also when this module is loaded again after install()."""

_validated: dict[tuple[int, int, str], tuple[dict[str, Any], dict[str, Any] | None, Exception | None]] = {}
_original_validate = getattr(schemapi.validate_jsonschema, "__wrapped__", schemapi.validate_jsonschema)
"""Altair's own validation, also when this module is loaded again after install()."""
MAX_VALIDATED = 4_096
"""Answers remembered before the memo starts again; each is keyed by the JSON text of one chart part."""
_GENERATED_NAME = re.compile(r'"(?:data-|view_|param_)?[0-9a-f]{16,}(?:_\d+)?"')
"""A whole JSON string that is a name Altair or Streamlit made from a hash: of the data (datasets, views)
or of a parameter's definition."""


@functools.wraps(_original)
def _memo_hash_schema(cls: type[_FromDict], schema: dict[str, Any], use_json: bool = True) -> int:
    """Altair's hash of `schema`, computed once per schema object."""
    key = (id(schema), use_json)
    found = _hashed.get(key)
    if found is None or found[0] is not schema:
        found = _hashed[key] = (schema, _original(cls, schema, use_json))
    return found[1]


def _spec_text(spec: Any) -> str | None:
    """`spec` as canonical JSON with generated names blanked, or None if it is not plain JSON."""
    try:
        text = json.dumps(spec, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None
    return _GENERATED_NAME.sub('"~"', text)


@functools.wraps(_original_validate)
def _memo_validate(
    spec: Any,
    schema: dict[str, Any],
    rootschema: dict[str, Any] | None = None,
    *,
    raise_error: bool = True,
) -> Any:
    """Altair's validation of `spec`, made once per spec text and schema."""
    text = _spec_text(spec)
    if text is None:
        return _original_validate(spec, schema, rootschema, raise_error=raise_error)
    key = (id(schema), id(rootschema), text)
    found = _validated.get(key)
    if found is None or found[0] is not schema or found[1] is not rootschema:
        if len(_validated) >= MAX_VALIDATED:
            _validated.clear()
        error = _original_validate(spec, schema, rootschema, raise_error=False)
        found = _validated[key] = (schema, rootschema, error)
    if found[2] is None:
        return None
    error = copy.copy(found[2])  # a fresh object each time: raising one adds its traceback to it
    if raise_error:
        raise error
    return error


def install() -> None:
    """Make Altair use the memos (idempotent: the app script runs on every page view)."""
    if not hasattr(_FromDict.__dict__["hash_schema"].__func__, "__wrapped__"):
        _FromDict.hash_schema = classmethod(_memo_hash_schema)  # type: ignore[method-assign]
    if not hasattr(schemapi.validate_jsonschema, "__wrapped__"):
        schemapi.validate_jsonschema = _memo_validate
