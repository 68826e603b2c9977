"""One chart panel: the chart, its one-line definition, and 'download this data as CSV'."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from ui.downloads import csv_download


def chart_panel(
    chart: alt.TopLevelMixin,
    frame: pd.DataFrame,
    *,
    definition: str,
    key: str,
    on_select: str = "ignore",
) -> object:
    """Render `chart`, its definition and a CSV download of `frame`; return the selection state, if any."""
    state = st.altair_chart(chart, width="stretch", key=key, on_select=on_select)
    left, right = st.columns([4, 1])
    left.caption(definition)
    right.download_button(
        "Download CSV",
        csv_download(frame),
        file_name=f"{re.sub(r'[^a-z0-9_]+', '_', key.lower())}.csv",
        mime="text/csv",
        key=f"{key}-csv",
        help="Download this data as CSV",
    )
    return state
