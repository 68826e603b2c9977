"""The engagement page's option widgets, each row compact, returning plain options for analytics calls."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from ui.engagement_charts import AVERAGE_LABEL, CELL_SELECTION

ANY_ACTIVITY = "any activity"
PERIOD_COUNTS = {"day": 15, "week": 12, "month": 12}
"""Period columns shown per cohort (day 0..14, week 0..11, month 0..11)."""


def retention_controls(activity_types: list[str]) -> dict[str, Any]:
    """One row of retention options; returns the keyword arguments of `retention_matrix`."""
    columns = st.columns([1, 1.2, 1.2, 1.2, 1.4, 1.4])
    period = columns[0].selectbox("Period", ["week", "day", "month"], key="retention_period")
    cohort_mode = columns[1].selectbox(
        "Cohort",
        ["first_time", "recurring"],
        key="retention_cohort",
        format_func={"first_time": "first time", "recurring": "every time"}.get,
        help="First time: each user once, by their first start event. Every time: each period they did it.",
    )
    return_mode = columns[2].selectbox(
        "Returned",
        ["on", "on_or_after"],
        key="retention_return_mode",
        format_func={"on": "in period N", "on_or_after": "in N or later"}.get,
    )
    windows = ["calendar", "rolling_24h"] if period == "day" else ["calendar"]
    window = columns[3].selectbox(
        "Window",
        windows,
        key=f"retention_window_{period}",
        format_func={"calendar": "calendar periods", "rolling_24h": "rolling 24 h"}.get,
        help="Rolling 24 h: day N is 24·N to 24·(N+1) hours after the user's start event (daily only).",
    )
    events = [ANY_ACTIVITY, *sorted(activity_types)]
    start_event = columns[4].selectbox("Start event", events, key="retention_start_event")
    return_event = columns[5].selectbox("Return event", events, key="retention_return_event")
    return {
        "period": period,
        "cohort_mode": cohort_mode,
        "return_mode": return_mode,
        "window": window,
        "start_event": None if start_event == ANY_ACTIVITY else start_event,
        "return_event": None if return_event == ANY_ACTIVITY else return_event,
        "periods": PERIOD_COUNTS[period],
    }


def selected_cell(state: Any) -> tuple[date, int] | None:
    """The (cohort, period_number) of the clicked heatmap cell, or None (nothing or the average row)."""
    picked = (getattr(state, "selection", None) or {}).get(CELL_SELECTION) or []
    if not picked or picked[0].get("row") in (None, AVERAGE_LABEL):
        return None
    return date.fromisoformat(str(picked[0]["row"])), int(picked[0]["period_number"])


def stickiness_controls() -> tuple[str, bool]:
    """Stickiness period (week or month) and whether to count 'at least N days'."""
    left, right = st.columns([1, 3])
    period = left.selectbox("Stickiness period", ["week", "month"], key="stickiness_period")
    cumulative = right.toggle("At least N days", key="stickiness_cumulative")
    return period, cumulative
