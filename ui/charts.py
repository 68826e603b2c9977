"""Altair charts used by several pages; each takes an aggregated frame (never raw events)."""

from __future__ import annotations

import altair as alt
import pandas as pd


def time_series(frame: pd.DataFrame, *, x: str, y: str, title: str, y_title: str) -> alt.Chart:
    """A line over time with exact values in the tooltip and drag-to-zoom on the time axis."""
    zoom = alt.selection_interval(encodings=["x"], bind="scales")
    return (
        alt.Chart(frame, title=title)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X(f"{x}:T", title=None),
            y=alt.Y(f"{y}:Q", title=y_title),
            tooltip=[alt.Tooltip(f"{x}:T", title="day"), alt.Tooltip(f"{y}:Q", title=y_title, format=",")],
        )
        .add_params(zoom)
    )
