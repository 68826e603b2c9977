"""Charts of the overview page."""

from __future__ import annotations

import altair as alt
import pandas as pd

ACTIVE_SERIES = {"dau": "daily", "wau": "rolling 7 days", "mau": "rolling 30 days"}


def active_users_lines(days: pd.DataFrame) -> alt.Chart:
    """DAU, WAU and MAU over the period; the legend toggles a line, days in progress are hollow."""
    long = days.melt(id_vars=["day", "complete"], value_vars=list(ACTIVE_SERIES), var_name="series")
    long["series"] = long["series"].map(ACTIVE_SERIES)
    toggle = alt.selection_point(fields=["series"], bind="legend")
    zoom = alt.selection_interval(encodings=["x"], bind="scales")
    return (
        alt.Chart(long, title="Active users")
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("value:Q", title="users"),
            color=alt.Color("series:N", sort=list(ACTIVE_SERIES.values()), title=None),
            opacity=alt.condition(toggle, alt.value(1), alt.value(0.15)),
            tooltip=[
                alt.Tooltip("day:T"),
                alt.Tooltip("series:N"),
                alt.Tooltip("value:Q", format=","),
                alt.Tooltip("complete:N", title="day complete"),
            ],
        )
        .add_params(toggle, zoom)
    )
