"""ui.performance_charts: metric_lines builds its layers once and shows exactly the frame it is given."""

from __future__ import annotations

import pandas as pd

from ui.performance_charts import _metric_lines_without_data, metric_lines


def frame(values: list[float]) -> pd.DataFrame:
    periods = pd.date_range("2025-01-06", periods=len(values), freq="W-MON")
    return pd.DataFrame(
        {
            "period": periods,
            "segment": "all",
            "value": values,
            "median": values,
            "p25": values,
            "p75": values,
            "users": 10,
            "complete": True,
        }
    )


def shown(spec: dict) -> list[float]:
    """The `value` column of the one dataset a chart spec carries (Altair's default: rows inline)."""
    (rows,) = spec["datasets"].values()
    return [row["value"] for row in rows]


def test_each_chart_shows_its_own_frame_and_the_shared_layers_stay_untouched():
    first, second = frame([0.1, 0.2, 0.3]), frame([0.9, 0.8])
    before = metric_lines(first, title="Accuracy", fmt=".0%").to_dict()
    other = metric_lines(second, title="Accuracy", fmt=".0%").to_dict()
    assert shown(before) == [0.1, 0.2, 0.3] and shown(other) == [0.9, 0.8]
    assert metric_lines(first, title="Accuracy", fmt=".0%").to_dict() == before
    assert [layer.get("data") for layer in before["layer"]] == [None] * 4  # the data is the chart's
    assert all(layer["title"] == "Accuracy" for layer in before["layer"])


def test_the_layers_are_built_once_per_title_and_format():
    _metric_lines_without_data.cache_clear()
    for values in ([0.1], [0.2], [0.3]):
        metric_lines(frame(values), title="Speed", fmt=".1f")
    metric_lines(frame([0.1]), title="Speed", fmt=".0%")
    assert _metric_lines_without_data.cache_info().misses == 2
    assert _metric_lines_without_data.cache_info().hits == 2
