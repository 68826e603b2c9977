"""ui.altair_speed: Altair hashes each Vega-Lite schema once, validates each spec once, and its charts
and errors do not change."""

from __future__ import annotations

import altair as alt
import jsonschema
import pandas as pd
import pytest
from altair.utils import schemapi
from altair.utils.schemapi import SchemaValidationError, _FromDict

from ui import altair_speed
from ui.performance_charts import metric_lines

FRAME = pd.DataFrame(
    {
        "period": pd.date_range("2025-01-06", periods=6, freq="W-MON").repeat(2),
        "segment": ["free", "pro"] * 6,
        "value": [0.5, 0.7, 0.55, 0.72, 0.6, 0.71, 0.58, 0.75, 0.61, 0.7, 0.63, 0.74],
        "median": [0.4] * 12,
        "p25": [0.2] * 12,
        "p75": [0.8] * 12,
        "users": [10, 12] * 6,
        "complete": [True] * 11 + [False],
    }
)


@pytest.fixture
def without_memos(monkeypatch: pytest.MonkeyPatch) -> None:
    """Altair as shipped; monkeypatch puts back whatever was installed before the test."""
    monkeypatch.setattr(_FromDict, "hash_schema", classmethod(altair_speed._original))
    monkeypatch.setattr(schemapi, "validate_jsonschema", altair_speed._original_validate)
    monkeypatch.setattr(altair_speed, "_validated", {})


def _specs(frame: pd.DataFrame = FRAME) -> list[dict]:
    bars = alt.Chart(frame).mark_bar().encode(x="segment:N", y="sum(users):Q", color="segment:N")
    return [metric_lines(frame, title="Accuracy", fmt=".0%").to_dict(), bars.to_dict()]


def _counted_validations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Put a recorder of each spec given to Altair's own validation behind the memo."""
    seen: list[object] = []
    altair_validates = altair_speed._original_validate

    def validate(spec, schema, rootschema=None, *, raise_error=True):
        seen.append(spec)
        return altair_validates(spec, schema, rootschema, raise_error=raise_error)

    monkeypatch.setattr(altair_speed, "_original_validate", validate)
    return seen


def test_charts_are_identical_with_the_memos(without_memos) -> None:
    without = _specs()
    altair_speed.install()
    assert _FromDict.__dict__["hash_schema"].__func__ is not altair_speed._original
    assert schemapi.validate_jsonschema is not altair_speed._original_validate
    assert _specs() == without
    assert _specs() == without  # built again, from the memos


def test_install_twice_wraps_once(without_memos) -> None:
    altair_speed.install()
    altair_speed.install()  # again, as on every page view: still one layer
    assert _FromDict.__dict__["hash_schema"].__func__.__wrapped__ is altair_speed._original
    assert schemapi.validate_jsonschema.__wrapped__ is altair_speed._original_validate


def test_each_schema_is_hashed_once(without_memos, monkeypatch: pytest.MonkeyPatch) -> None:
    altair_speed.install()
    _specs()
    hashed = dict(altair_speed._hashed)
    calls = []
    monkeypatch.setattr(altair_speed, "_original", lambda *args: calls.append(args))
    _specs()
    assert hashed and altair_speed._hashed == hashed and not calls


def test_each_spec_is_validated_once_even_with_new_data(
    without_memos, monkeypatch: pytest.MonkeyPatch
) -> None:
    altair_speed.install()
    _specs()
    seen = _counted_validations(monkeypatch)
    newer = FRAME.assign(value=FRAME["value"] * 0.9, users=FRAME["users"] + 1)
    specs = _specs(newer)
    assert specs[1]["datasets"] != _specs()[1]["datasets"]  # the data did change
    # only what is not JSON (expressions such as alt.datum.complete) is validated each time
    assert all(altair_speed._spec_text(spec) is None for spec in seen)


def test_a_wrong_chart_is_refused_every_time(without_memos, monkeypatch: pytest.MonkeyPatch) -> None:
    altair_speed.install()
    seen = _counted_validations(monkeypatch)
    wrong = alt.Chart(FRAME).mark_bar().encode(x="segment:N", y="sum(users):Q")
    wrong["width"] = "wide"
    refusals = []
    for _ in range(2):
        with pytest.raises(SchemaValidationError, match="width") as refused:
            wrong.to_dict()
        refusals.append(refused.value)
    assert str(refusals[0]) == str(refusals[1])
    assert len([spec for spec in seen if isinstance(spec, dict) and spec.get("width") == "wide"]) == 1


def test_specs_differing_only_in_generated_names_share_one_entry() -> None:
    def text(data: str, view: str, mark: str = "bar") -> str | None:
        return altair_speed._spec_text({"mark": {"type": mark}, "data": {"name": data}, "name": view})

    first = text("data-" + "a1" * 16, "view_" + "b2" * 8 + "_0")
    assert first == text("c3" * 64, "view_" + "d4" * 8 + "_0") == text("a1" * 16, "view_" + "b2" * 8)
    assert first != text("data-" + "a1" * 16, "view_" + "b2" * 8 + "_0", mark="line")
    assert text("visits", "view_1") != text("sessions", "view_1")  # names people give are kept
    assert altair_speed._spec_text({"value": float("nan")}) is None  # not JSON: validated every time


def test_the_memo_is_bounded(without_memos, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(altair_speed, "MAX_VALIDATED", 3)
    altair_speed.install()
    for width in range(10, 20):
        alt.Chart(FRAME).mark_bar().encode(x="segment:N").properties(width=width).to_dict()
    assert 0 < len(altair_speed._validated) <= 3


def test_a_remembered_failure_is_a_fresh_error_each_time(without_memos) -> None:
    altair_speed.install()
    errors = []
    for _ in range(2):
        with pytest.raises(jsonschema.ValidationError) as refused:
            schemapi.validate_jsonschema({"width": "wide"}, alt.Chart._schema, alt.Chart._rootschema)
        errors.append(refused.value)
    assert errors[0] is not errors[1]  # raising one object again would grow its traceback
    assert errors[0].message == errors[1].message
    returned = schemapi.validate_jsonschema(
        {"width": "wide"}, alt.Chart._schema, alt.Chart._rootschema, raise_error=False
    )
    assert returned is not None and returned.message == errors[0].message
