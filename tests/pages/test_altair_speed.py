"""ui.altair_speed: Altair hashes each Vega-Lite schema once, and the charts it builds do not change."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest
from altair.utils.schemapi import _FromDict

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


def _specs() -> list[dict]:
    bars = alt.Chart(FRAME).mark_bar().encode(x="segment:N", y="sum(users):Q", color="segment:N")
    return [metric_lines(FRAME, title="Accuracy", fmt=".0%").to_dict(), bars.to_dict()]


def test_charts_are_identical_with_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_FromDict, "hash_schema", classmethod(altair_speed._original))
    without = _specs()
    altair_speed.install()
    assert _FromDict.__dict__["hash_schema"].__func__ is not altair_speed._original
    assert _specs() == without


def test_each_schema_is_hashed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_FromDict, "hash_schema", classmethod(altair_speed._original))
    altair_speed.install()
    altair_speed.install()  # again, as on every page view: still one layer
    assert _FromDict.__dict__["hash_schema"].__func__.__wrapped__ is altair_speed._original
    _specs()
    hashed = dict(altair_speed._hashed)
    calls = []
    monkeypatch.setattr(altair_speed, "_original", lambda *args: calls.append(args))
    _specs()
    assert hashed and altair_speed._hashed == hashed and not calls
