"""Altair charts of the engagement page; each takes an aggregated frame from analytics.engagement."""

from __future__ import annotations

import altair as alt
import pandas as pd

AVERAGE_LABEL = "Weighted average"
CELL_SELECTION = "cell"
BAND_COLOURS = {
    "dormant": "#bdbdbd",
    "low": "#9ecae1",
    "medium": "#4292c6",
    "high": "#2171b5",
    "power": "#08306b",
}
STATUS_COLOURS = {"new": "#31a354", "returning": "#3182bd", "resurrecting": "#fd8d3c", "dormant": "#de2d26"}


def retention_cells(matrix: pd.DataFrame, average: pd.DataFrame) -> pd.DataFrame:
    """Heatmap cells: one per cohort and period, plus the weighted-average row (labelled, complete)."""
    cells = matrix.assign(
        row=matrix["cohort"].astype(str),
        status=matrix["complete"].map({True: "complete", False: "incomplete (period not over)"}),
    )
    mean = average.assign(row=AVERAGE_LABEL, status="average of complete cells")
    columns = ["row", "period_number", "cohort_size", "retained_users", "retention_pct", "status"]
    return pd.concat([cells[columns], mean[columns]], ignore_index=True)


def retention_heatmap(cells: pd.DataFrame) -> alt.LayerChart:
    """Cohorts × periods coloured by retention; incomplete cells pale with a dashed border; click a cell."""
    pick = alt.selection_point(name=CELL_SELECTION, fields=["row", "period_number"], on="click")
    rows = [*sorted(set(cells["row"]) - {AVERAGE_LABEL}), AVERAGE_LABEL]
    incomplete = alt.datum.status == "incomplete (period not over)"
    base = alt.Chart(cells).encode(
        x=alt.X("period_number:O", title="periods after the cohort's"),
        y=alt.Y("row:O", title="cohort", sort=rows),
        tooltip=[
            alt.Tooltip("row:N", title="cohort"),
            alt.Tooltip("period_number:O", title="period"),
            alt.Tooltip("retained_users:Q", title="returned", format=","),
            alt.Tooltip("cohort_size:Q", title="cohort size", format=","),
            alt.Tooltip("retention_pct:Q", title="retention %", format=".1f"),
            alt.Tooltip("status:N", title="cell"),
        ],
    )
    squares = (
        base.mark_rect()
        .encode(
            color=alt.Color(
                "retention_pct:Q", title="retention %", scale=alt.Scale(scheme="blues", domain=[0, 100])
            ),
            opacity=alt.condition(incomplete, alt.value(0.35), alt.value(1.0)),
            strokeDash=alt.condition(incomplete, alt.value([3, 2]), alt.value([1, 0])),
            stroke=alt.condition(pick, alt.value("black"), alt.value("grey")),
            strokeWidth=alt.condition(pick, alt.value(2), alt.value(0.5)),
        )
        .add_params(pick)
    )
    labels = base.mark_text(fontSize=10).encode(
        text=alt.Text("retention_pct:Q", format=".0f"),
        color=alt.condition(alt.datum.retention_pct > 50, alt.value("white"), alt.value("black")),
    )
    return (squares + labels).properties(height=alt.Step(22))


def lifecycle_bars(frame: pd.DataFrame) -> alt.Chart:
    """Stacked bars per period: new, returning, resurrecting above zero, dormant below."""
    toggle = alt.selection_point(fields=["status"], bind="legend")
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(period):O", title=None, axis=alt.Axis(format="%b %d", labelOverlap=True)),
            y=alt.Y("users:Q", title="users (dormant below zero)", stack="zero"),
            color=alt.Color(
                "status:N", scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))
            ),
            opacity=alt.condition(alt.datum.complete, alt.value(1.0), alt.value(0.4)),
            tooltip=["period:T", "status:N", alt.Tooltip("users:Q", format=","), "complete:N"],
        )
        .add_params(toggle)
        .transform_filter(toggle)
    )


def stickiness_bars(frame: pd.DataFrame, *, cumulative: bool) -> alt.Chart:
    """Share of user-periods by number of active days."""
    title = "at least N active days" if cumulative else "exactly N active days"
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("active_days:O", title=title),
            y=alt.Y("share_pct:Q", title="% of user-periods"),
            tooltip=[
                "active_days:O",
                alt.Tooltip("users:Q", format=","),
                alt.Tooltip("share_pct:Q", format=".1f"),
            ],
        )
    )


def dau_mau_line(frame: pd.DataFrame) -> alt.Chart:
    """DAU/MAU per day, today's partial value drawn as a hollow point; drag to zoom."""
    zoom = alt.selection_interval(encodings=["x"], bind="scales")
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("stickiness_pct:Q", title="DAU / MAU %"),
            tooltip=[
                "day:T",
                alt.Tooltip("dau:Q", format=","),
                alt.Tooltip("mau:Q", format=","),
                alt.Tooltip("stickiness_pct:Q", format=".1f"),
                "complete:N",
            ],
        )
        .add_params(zoom)
    )


def score_histogram(frame: pd.DataFrame) -> alt.Chart:
    """Users per 5-point score bin, coloured by band."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("score_from:Q", bin="binned", title="engagement score"),
            x2="score_to:Q",
            y=alt.Y("users:Q", title="users"),
            color=alt.Color(
                "band:N", scale=alt.Scale(domain=list(BAND_COLOURS), range=list(BAND_COLOURS.values()))
            ),
            tooltip=[
                "score_from:Q",
                "score_to:Q",
                "band:N",
                alt.Tooltip("users:Q", format=","),
                "share_pct:Q",
            ],
        )
    )


def adoption_lines(frame: pd.DataFrame) -> alt.Chart:
    """Adoption % per feature over time; click the legend to show or hide features; drag to zoom."""
    toggle = alt.selection_point(fields=["feature"], bind="legend")
    zoom = alt.selection_interval(encodings=["x"], bind="scales")
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=None),
            y=alt.Y("adoption_pct:Q", title="% of active users"),
            color=alt.Color("feature:N"),
            opacity=alt.condition(toggle, alt.value(1.0), alt.value(0.08)),
            tooltip=[
                "period:T",
                "feature:N",
                alt.Tooltip("users_using:Q", format=","),
                alt.Tooltip("active_users:Q", format=","),
                alt.Tooltip("adoption_pct:Q", format=".1f"),
                "complete:N",
            ],
        )
        .add_params(toggle, zoom)
    )
