"""How one user is shown: profile figures, charts and session timeline, from analytics.users results.

Shared by the user explorer, pinned user charts and a member's own page.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from analytics.users import Timeline, UserProfile


def profile_panel(profile: UserProfile) -> None:
    """The user's name, attributes and lifetime figures as a header and two rows of metrics."""
    st.header(profile.display_name or profile.user_id)
    st.caption(f"`{profile.user_id}` · {profile.email or 'no email'}")
    facts = st.columns(4)
    facts[0].metric("Plan", profile.plan or "–")
    facts[1].metric("Country", profile.country or "–")
    facts[2].metric("Platform", profile.platform or "–")
    facts[3].metric("Signed up", f"{profile.signup_at:%Y-%m-%d}" if profile.signup_at else "–")
    figures = st.columns(5)
    figures[0].metric("Events", f"{profile.lifetime_events:,}", help="All the user's events, ever.")
    figures[1].metric("Sessions", f"{profile.lifetime_sessions:,}")
    figures[2].metric("Active days", f"{profile.lifetime_active_days:,}")
    figures[3].metric(
        "Engagement score",
        "–"
        if profile.engagement_score is None
        else f"{profile.engagement_score} ({profile.engagement_band})",
        help=f"0-100 over the 28 days ending {profile.score_as_of}, the last day with data.",
    )
    figures[4].metric(
        "Skill level",
        "–" if profile.skill_level is None else str(profile.skill_level),
        help=f"Highest level on the last day the user reached one ({profile.skill_level_day}).",
    )
    if profile.first_activity_at and profile.last_activity_at:
        st.caption(
            f"First activity {profile.first_activity_at:%Y-%m-%d %H:%M}, "
            f"last {profile.last_activity_at:%Y-%m-%d %H:%M} (reporting time zone)."
        )


def timeline_sessions(timeline: Timeline) -> None:
    """One expander per session of the page (the newest open) listing its events."""
    for session in timeline.sessions.itertuples():
        events = timeline.events[timeline.events["session_id"] == session.session_id]
        counted = f"{session.event_count} events"
        if session.shown_events != session.event_count:
            counted = f"{session.shown_events} of {counted} (chosen activity types)"
        label = f"{session.started_at:%a %Y-%m-%d %H:%M} · {session.duration_s / 60:.0f} min · {counted}"
        with st.expander(label, expanded=session.Index == 0):
            st.dataframe(
                events[["at", "activity_type", "details"]],
                hide_index=True,
                column_config={
                    "at": st.column_config.DatetimeColumn("time", format="HH:mm:ss"),
                    "details": st.column_config.TextColumn("details", width="large"),
                },
            )


def activity_bars(frame: pd.DataFrame) -> alt.Chart:
    """Events per day stacked by activity type; click the legend to hide types; drag to zoom."""
    toggle = alt.selection_point(fields=["activity_type"], bind="legend")
    zoom = alt.selection_interval(encodings=["x"], bind="scales")
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("events:Q", title="events", stack="zero"),
            color=alt.Color("activity_type:N", title="activity"),
            opacity=alt.condition(toggle, alt.value(1.0), alt.value(0.1)),
            tooltip=["day:T", "activity_type:N", alt.Tooltip("events:Q", format=",")],
        )
        .add_params(toggle, zoom)
    )


def peer_ranges(summary: pd.DataFrame) -> alt.FacetChart:
    """One row per metric: the peers' p25–p75 range (bar), their median (tick) and the user (red point)."""
    shown = summary.assign(percentile=summary["percentile"].round(0)).dropna(subset=["value"])
    tooltip = [
        alt.Tooltip("label:N", title="metric"),
        alt.Tooltip("value:Q", title="this user", format=",.3~f"),
        alt.Tooltip("peer_p25:Q", title="peers p25", format=",.3~f"),
        alt.Tooltip("peer_median:Q", title="peers median", format=",.3~f"),
        alt.Tooltip("peer_p75:Q", title="peers p75", format=",.3~f"),
        alt.Tooltip("percentile:Q", title="percentile"),
        alt.Tooltip("peers:Q", format=","),
        alt.Tooltip("note:N"),
    ]
    base = alt.Chart().encode(tooltip=tooltip)
    band = base.mark_bar(height=14, color="#c6dbef").encode(
        x=alt.X("peer_p25:Q", title=None, scale=alt.Scale(zero=False)), x2="peer_p75:Q"
    )
    median = base.mark_tick(color="#08519c", thickness=2, size=18).encode(x="peer_median:Q")
    user = base.mark_point(color="#d62728", filled=True, size=90).encode(x="value:Q")
    return (
        alt.layer(band, median, user, data=shown)
        .properties(height=28, width=520)
        .facet(
            row=alt.Row(
                "label:N",
                title=None,
                sort=list(shown["label"]),
                header=alt.Header(labelAngle=0, labelAlign="left"),
            )
        )
        .resolve_scale(x="independent")
    )
