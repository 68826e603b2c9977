"""Engagement: retention cohorts, lifecycle, stickiness, engagement scores and feature adoption."""

from datetime import timedelta

import streamlit as st

from analytics.engagement import (
    band_counts,
    dau_mau,
    engagement_distribution,
    feature_adoption,
    lifecycle,
    retention_average,
    retention_matrix,
    retention_users,
    stickiness,
    time_to_adopt,
)
from analytics.engagement.activity import activity_types
from analytics.overview import data_days
from analytics.periods import today_in_zone
from config.settings import load_settings
from ui.auth import current_viewer
from ui.downloads import csv_download
from ui.engagement_charts import (
    adoption_lines,
    dau_mau_line,
    lifecycle_bars,
    retention_cells,
    retention_heatmap,
    score_histogram,
    stickiness_bars,
)
from ui.engagement_controls import retention_controls, selected_cell, stickiness_controls
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import cached, database, shown_errors

viewer = current_viewer()
require_page("pages/engagement.py", viewer)
db = database()
st.title("Engagement")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    types = cached(
        "activity_types", lambda: activity_types(db, viewer), role=viewer.role, account=viewer.account
    )
    filters = sidebar_filters(*span, activity_types=types)

# Periods after the last day with data count as in progress, so a stale data set shows no false zeros.
today = min(today_in_zone(load_settings().reporting_timezone), span[1] + timedelta(days=1))


def load(name, call, **options):
    """One cached analytics call; the key holds the viewer, the filters and every option."""
    with shown_errors():
        return cached(
            name, call, role=viewer.role, account=viewer.account, filters=filters, today=today, **options
        )


st.header("Retention")
options = retention_controls(types)
matrix = load(
    "retention_matrix", lambda: retention_matrix(db, viewer, filters, **options, today=today), **options
)
if matrix.empty:
    st.info("No cohort starts in this period with these options.")
else:
    state = chart_panel(
        retention_heatmap(retention_cells(matrix, retention_average(matrix))),
        matrix,
        definition="Share of each cohort that did the return event in period N (or N and later). Pale dashed "
        "cells: period not over yet, left out of the weighted average (returned ÷ cohort sizes). Click a cell "
        "to list its users.",
        key="engagement-retention",
        on_select="rerun",
    )
    cell = selected_cell(state)
    if cell is not None:
        cohort, number = cell
        cell_options = {key: value for key, value in options.items() if key != "periods"}
        members = load(
            "retention_users",
            lambda: retention_users(
                db, viewer, filters, cohort=cohort, period_number=number, today=today, **cell_options
            ),
            cohort=cohort,
            number=number,
            **cell_options,
        )
        back = int(members["returned"].sum())
        st.caption(f"Cohort {cohort}, period {number}: {back:,} returned, {len(members) - back:,} did not.")
        st.dataframe(members, hide_index=True, height=220)
        st.download_button(
            "Download these users as CSV",
            csv_download(members),
            file_name=f"retention_{cohort}_period_{number}.csv",
            mime="text/csv",
        )

st.header("Lifecycle")
statuses = load("lifecycle", lambda: lifecycle(db, viewer, filters, today=today))
chart_panel(
    lifecycle_bars(statuses),
    statuses,
    definition="Per period: new (first activity ever), returning (also active the period before), "
    "resurrecting (inactive the period before, active earlier), dormant (active the period before, not now; "
    "below zero). Pale bars: period in progress.",
    key="engagement-lifecycle",
)

st.header("Stickiness")
period, cumulative = stickiness_controls()
sticky = load(
    "stickiness",
    lambda: stickiness(db, viewer, filters, period=period, cumulative=cumulative, today=today),
    period=period,
    cumulative=cumulative,
)
left, right = st.columns(2)
with left:
    chart_panel(
        stickiness_bars(sticky, cumulative=cumulative),
        sticky,
        definition=f"Users by days active per {period}, counted once per complete {period} they were active in.",
        key="engagement-stickiness",
    )
ratio = load("dau_mau", lambda: dau_mau(db, viewer, filters, today=today))
with right:
    chart_panel(
        dau_mau_line(ratio),
        ratio,
        definition="DAU/MAU: users active that day ÷ users active in the 30 days ending that day.",
        key="engagement-dau-mau",
    )

st.header("Engagement score")
distribution = load("engagement_distribution", lambda: engagement_distribution(db, viewer, filters))
bands = band_counts(distribution)
for column, band in zip(st.columns(len(bands)), bands.itertuples(), strict=True):
    column.metric(
        band.band.capitalize(),
        f"{band.users:,}",
        help=f"{band.share_pct}% of users; score ≥ {band.score_from}",
    )
chart_panel(
    score_histogram(distribution),
    distribution,
    definition="Score 0-100 as of the period's end for users active in it: 25% recency, 40% active days, "
    "20% features used, 15% events per session over the last 28 days, each capped (see the metric docs).",
    key="engagement-score",
)

st.header("Feature adoption")
adoption = load("feature_adoption", lambda: feature_adoption(db, viewer, filters, today=today))
chart_panel(
    adoption_lines(adoption),
    adoption,
    definition="Share of each period's active users who used the feature. Click the legend to hide features.",
    key="engagement-adoption",
)
adopt = load("time_to_adopt", lambda: time_to_adopt(db, viewer, filters))
st.subheader("Time to adopt")
st.caption(
    "Users first active in the period: days from their first activity to their first use of each feature."
)
st.dataframe(adopt, hide_index=True)
st.download_button(
    "Download time to adopt as CSV", csv_download(adopt), file_name="time_to_adopt.csv", mime="text/csv"
)
