"""Altair charts of the behaviour page; each takes an aggregated frame from analytics.behaviour."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.behaviour.heatmap import WEEKDAYS

FEATURE_LABELS = {
    "active_days": "active days",
    "sessions_per_active_day": "sessions per active day",
    "mean_session_duration_s": "mean session (s)",
    "exercise_share": "exercise share",
    "feature_breadth": "features used",
    "accuracy": "accuracy",
}


def _zoom() -> alt.Parameter:
    return alt.selection_interval(encodings=["x"], bind="scales")


def weekday_hour_heatmap(grid: pd.DataFrame) -> alt.Chart:
    """Hour × weekday cells coloured by sessions started, exact counts in the tooltip."""
    return (
        alt.Chart(grid)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="hour (reporting time zone)"),
            y=alt.Y("weekday_name:N", title=None, sort=list(WEEKDAYS)),
            color=alt.Color("sessions:Q", title="sessions", scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("weekday_name:N", title="weekday"),
                alt.Tooltip("hour:O", title="hour"),
                alt.Tooltip("sessions:Q", format=","),
                alt.Tooltip("events:Q", format=","),
                alt.Tooltip("users:Q", format=","),
            ],
        )
        .properties(height=alt.Step(26))
    )


def bars(
    frame: pd.DataFrame, *, x: str, y: str, x_title: str, y_title: str, sort: list | None = None
) -> alt.Chart:
    """Bars of an already counted histogram, in the frame's order unless `sort` says otherwise."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:N", title=x_title, sort=sort or list(frame[x])),
            y=alt.Y(f"{y}:Q", title=y_title),
            tooltip=[alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title, format=",")],
        )
    )


def session_trend(trend: pd.DataFrame) -> alt.Chart:
    """Bounce and quality rates per period; faded points are periods left out of trends."""
    rates = trend.melt(
        id_vars=["period", "sessions", "complete"],
        value_vars=["bounce_rate", "quality_rate"],
        var_name="rate",
        value_name="share",
    )
    toggle = alt.selection_point(fields=["rate"], bind="legend")
    return (
        alt.Chart(rates)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=None),
            y=alt.Y("share:Q", title="share of sessions", axis=alt.Axis(format="%")),
            color=alt.Color("rate:N", title=None),
            opacity=alt.condition(toggle, alt.value(1.0), alt.value(0.15)),
            tooltip=[
                alt.Tooltip("period:T"),
                alt.Tooltip("rate:N"),
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip("sessions:Q", format=","),
                alt.Tooltip("complete:N", title="complete period"),
            ],
        )
        .add_params(toggle, _zoom())
    )


def silhouette_bars(silhouettes: pd.DataFrame) -> alt.Chart:
    """Silhouette score of each k tried; the chosen k is highlighted."""
    return (
        alt.Chart(silhouettes)
        .mark_bar()
        .encode(
            x=alt.X("k:O", title="segments (k)"),
            y=alt.Y("silhouette:Q", title="silhouette score"),
            color=alt.condition(alt.datum.chosen, alt.value("#2171b5"), alt.value("#c6dbef")),
            tooltip=["k:O", alt.Tooltip("silhouette:Q", format=".3f"), "chosen:N"],
        )
    )


def segment_sizes(segments: pd.DataFrame) -> alt.Chart:
    """Users per segment with its description; click a bar to list the segment's profile."""
    pick = alt.selection_point(name="segment", fields=["segment"], on="click")
    return (
        alt.Chart(segments)
        .mark_bar()
        .encode(
            y=alt.Y("segment:O", title="segment"),
            x=alt.X("users:Q", title="users"),
            color=alt.Color("segment:N", legend=None),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.4)),
            tooltip=[
                "segment:O",
                "description:N",
                alt.Tooltip("users:Q", format=","),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .add_params(pick)
    )


def segment_profile(profile: pd.DataFrame) -> alt.Chart:
    """Segment × feature: how far each segment's mean lies from everyone's, in standard deviations."""
    cells = profile.assign(feature=profile["feature"].map(FEATURE_LABELS))
    return (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("feature:N", title=None, sort=list(FEATURE_LABELS.values())),
            y=alt.Y("segment:O"),
            color=alt.Color("z:Q", title="z", scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True)),
            tooltip=["segment:O", "feature:N", alt.Tooltip("z:Q", format="+.2f")],
        )
        .properties(height=alt.Step(28))
    )


def segment_trend(trend: pd.DataFrame) -> alt.Chart:
    """Active users of each segment per period; click the legend to hide segments."""
    toggle = alt.selection_point(fields=["segment"], bind="legend")
    return (
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=None),
            y=alt.Y("active_users:Q", title="active users"),
            color=alt.Color("segment:N"),
            opacity=alt.condition(toggle, alt.value(1.0), alt.value(0.1)),
            tooltip=["period:T", "segment:N", alt.Tooltip("active_users:Q", format=","), "complete:N"],
        )
        .add_params(toggle, _zoom())
    )
