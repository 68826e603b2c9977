"""Altair charts of the Pulse usage page; each takes a frame from analytics.usage."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.navigation import PAGES

PAGE_SELECTION = "page"
TITLES = {spec.path: spec.title for spec in PAGES}
OUTCOME_COLOURS = {"done": "#31a354", "dismissed": "#fd8d3c", "ignored": "#bdbdbd"}


def titled(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each page's menu title (`title`) and its median time in minutes (`median_time_min`)."""
    return frame.assign(
        title=frame["page"].map(TITLES).fillna(frame["page"]),
        median_time_min=(frame["median_time_s"] / 60).round(2),
    )


def adoption_bars(shares: pd.DataFrame) -> alt.Chart:
    """Per role, the share of accounts active in the last 7 and 28 days, side by side."""
    long = shares.melt(
        id_vars=["role", "accounts"],
        value_vars=["active_7d_pct", "active_28d_pct"],
        var_name="window",
        value_name="share_pct",
    ).replace({"window": {"active_7d_pct": "last 7 days", "active_28d_pct": "last 28 days"}})
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("role:N", title=None, sort=list(shares["role"])),
            yOffset=alt.YOffset("window:N"),
            x=alt.X(
                "share_pct:Q", title="% of the role's enabled accounts", scale=alt.Scale(domain=[0, 100])
            ),
            color=alt.Color("window:N", title=None),
            tooltip=[
                "role:N",
                "window:N",
                alt.Tooltip("share_pct:Q", title="active %", format=".1f"),
                alt.Tooltip("accounts:Q", title="enabled accounts"),
            ],
        )
        .properties(height=alt.Step(16))
    )


def page_bars(summary: pd.DataFrame) -> alt.Chart:
    """Page views per page, stacked by role, most viewed first; click a page to select it."""
    pick = alt.selection_point(name=PAGE_SELECTION, fields=["title"], on="click")
    return (
        alt.Chart(titled(summary))
        .mark_bar()
        .encode(
            y=alt.Y("title:N", title=None, sort=alt.EncodingSortField("views", op="sum", order="descending")),
            x=alt.X("views:Q", title="page views", stack="zero"),
            color=alt.Color("role:N", title=None),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.4)),
            tooltip=[
                alt.Tooltip("title:N", title="page"),
                "role:N",
                alt.Tooltip("views:Q", format=","),
                alt.Tooltip("accounts:Q", format=","),
                alt.Tooltip("median_time_min:Q", title="median minutes on page", format=".2f"),
                alt.Tooltip("timed_views:Q", title="views with a time", format=","),
            ],
        )
        .add_params(pick)
    )


def views_over_time(usage: pd.DataFrame, *, titles: list[str]) -> alt.Chart:
    """Page views per period stacked by role (a slice per page), of the pages with these `titles` (all when
    empty); periods cut by the range or still running are pale."""
    shown = titled(usage)
    if titles:
        shown = shown[shown["title"].isin(titles)]
    toggle = alt.selection_point(fields=["role"], bind="legend")
    return (
        alt.Chart(shown, title=", ".join(titles) or "All pages")
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(period):O", title=None, axis=alt.Axis(format="%b %d", labelOverlap=True)),
            y=alt.Y("views:Q", title="page views", stack="zero"),
            color=alt.Color("role:N", title=None),
            opacity=alt.condition(toggle, alt.value(1.0), alt.value(0.15)),
            fillOpacity=alt.condition(alt.datum.complete, alt.value(1.0), alt.value(0.45)),
            tooltip=[
                alt.Tooltip("period:T"),
                alt.Tooltip("title:N", title="page"),
                "role:N",
                alt.Tooltip("views:Q", format=","),
                alt.Tooltip("median_time_min:Q", title="median minutes on page", format=".2f"),
                alt.Tooltip("complete:N", title="complete period"),
            ],
        )
        .add_params(toggle)
    )


def outcome_bars(outcomes: pd.DataFrame) -> alt.Chart:
    """Per recommendation type, the shares done, dismissed and ignored (the 'all' row left out)."""
    by_type = outcomes[outcomes["recommendation_type"] != "all"].melt(
        id_vars=["recommendation_type"],
        value_vars=list(OUTCOME_COLOURS),
        var_name="outcome",
        value_name="count",
    )
    return (
        alt.Chart(by_type)
        .mark_bar()
        .encode(
            y=alt.Y("recommendation_type:N", title=None),
            x=alt.X(
                "count:Q",
                stack="normalize",
                title="share of recommendations with an outcome",
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color(
                "outcome:N",
                scale=alt.Scale(domain=list(OUTCOME_COLOURS), range=list(OUTCOME_COLOURS.values())),
            ),
            tooltip=["recommendation_type:N", "outcome:N", alt.Tooltip("count:Q", format=",")],
        )
    )
