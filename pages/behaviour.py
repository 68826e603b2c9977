"""Behaviour: when people are active, how steadily they return, what their sessions look like, and segments."""

import streamlit as st

from analytics.behaviour import (
    activity_heatmap,
    behaviour_segments,
    consistency,
    consistency_summary,
    session_stats,
)
from analytics.engagement.activity import activity_types
from analytics.overview import data_days
from ui.auth import current_viewer
from ui.behaviour_charts import (
    bars,
    segment_profile,
    segment_sizes,
    segment_trend,
    session_trend,
    silhouette_bars,
    weekday_hour_heatmap,
)
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import cached, database, shown_errors

viewer = current_viewer()
require_page("pages/behaviour.py", viewer)
db = database()
st.title("Behaviour")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    types = cached(
        "activity_types", lambda: activity_types(db, viewer), role=viewer.role, account=viewer.account
    )
    filters = sidebar_filters(*span, activity_types=types)


def load(name, call, **options):
    """One cached analytics call; the key holds the viewer, the filters and every option."""
    with shown_errors():
        return cached(name, call, role=viewer.role, account=viewer.account, filters=filters, **options)


def percent(share):
    return "–" if share is None else f"{share:.0%}"


st.header("When people are active")
grid = load("activity_heatmap", lambda: activity_heatmap(db, viewer, filters))
chart_panel(
    weekday_hour_heatmap(grid),
    grid,
    definition="Sessions by the weekday and hour (reporting time zone, DST-aware) in which they started; "
    "a session's events count in its starting hour. With activity types chosen: sessions holding one.",
    key="behaviour-heatmap",
)

st.header("Consistency")
per_user = load("consistency", lambda: consistency(db, viewer, filters))
summary = consistency_summary(per_user)
figures = st.columns(5)
figures[0].metric("Active users", f"{summary.users:,}")
figures[1].metric("Median share of weeks active", percent(summary.median_share_weeks_active))
figures[2].metric("Median longest streak (days)", f"{summary.median_longest_streak_days or 0:g}")
figures[3].metric(
    "On a streak now", f"{summary.users_on_streak:,}", help="Active on the last day or the one before."
)
figures[4].metric(
    "Median regularity",
    "–" if summary.median_regularity is None else f"{summary.median_regularity:.2f}",
    help="1 − coefficient of variation of the gaps between active days (0..1; users with 3+ active days).",
)
left, right = st.columns(2)
with left:
    shares = summary.share_histogram.assign(
        bin=lambda f: [f"{low:.0%}–{high:.0%}" for low, high in zip(f.lower, f.upper, strict=True)]
    )
    chart_panel(
        bars(shares, x="bin", y="users", x_title="share of weeks active", y_title="users"),
        shares,
        definition="Users by the share of Monday weeks with activity, counted from their first active day "
        "(or the period's start, if later) to the period's end.",
        key="behaviour-share-weeks",
    )
with right:
    chart_panel(
        bars(
            summary.streak_histogram,
            x="longest_streak",
            y="users",
            x_title="longest streak (days)",
            y_title="users",
        ),
        summary.streak_histogram,
        definition="Users by their longest run of consecutive active days within the period.",
        key="behaviour-streaks",
    )

st.header("Sessions")
stats = load("session_stats", lambda: session_stats(db, viewer, filters))
figures = st.columns(5)
figures[0].metric("Sessions", f"{stats.sessions:,}")
figures[1].metric(
    "Median duration", "–" if stats.median_duration_s is None else f"{stats.median_duration_s / 60:.1f} min"
)
figures[2].metric("Events per session", "–" if stats.mean_events is None else f"{stats.mean_events:.1f}")
figures[3].metric("Bounce rate", percent(stats.bounce_rate), help="Sessions with a single event.")
figures[4].metric(
    "Quality rate", percent(stats.quality_rate), help="Sessions with at least one exercise or lesson."
)
left, middle, right = st.columns(3)
with left:
    chart_panel(
        bars(stats.duration_histogram, x="duration", y="sessions", x_title="duration", y_title="sessions"),
        stats.duration_histogram,
        definition="Sessions by duration: first to last event, or the last event's own duration if longer.",
        key="behaviour-durations",
    )
with middle:
    chart_panel(
        bars(stats.events_histogram, x="events", y="sessions", x_title="events", y_title="sessions"),
        stats.events_histogram,
        definition="Sessions by number of events.",
        key="behaviour-events",
    )
with right:
    chart_panel(
        bars(stats.features_histogram, x="features", y="sessions", x_title="features", y_title="sessions"),
        stats.features_histogram,
        definition="Sessions by distinct features used in them.",
        key="behaviour-features",
    )
chart_panel(
    session_trend(stats.trend),
    stats.trend,
    definition="Bounce rate (single-event sessions) and quality rate (sessions with an exercise or lesson) per "
    "period. Periods cut by the filter or still in progress are marked incomplete.",
    key="behaviour-session-trend",
)

st.header("Segments")
result = load("behaviour_segments", lambda: behaviour_segments(db, viewer, filters))
st.caption(
    f"{result.k} segments chosen by silhouette score (KMeans fitted on {result.fit_users:,} users, scored on "
    f"{result.silhouette_users:,}); segment 1 has the most active days per user. Click a segment to list its users."
)
left, right = st.columns([2, 1])
with left:
    picked = chart_panel(
        segment_sizes(result.segments),
        result.segments,
        definition="Users per segment; the description names the features where the segment differs most "
        "from everyone (at least half a standard deviation).",
        key="behaviour-segment-sizes",
        on_select="rerun",
    )
with right:
    chart_panel(
        silhouette_bars(result.silhouettes),
        result.silhouettes,
        definition="Silhouette score of each number of segments tried (higher: better separated).",
        key="behaviour-silhouettes",
    )
st.dataframe(
    result.segments, hide_index=True, column_config={"share": st.column_config.NumberColumn(format="percent")}
)
chosen = [point["segment"] for point in (picked.selection.get("segment") or [])] if picked else []
if chosen:
    members = result.assignments[result.assignments["segment"].isin(chosen)]
    st.caption(f"Segment {', '.join(map(str, chosen))}: {len(members):,} users.")
    st.dataframe(members, hide_index=True, height=220)
left, right = st.columns(2)
with left:
    chart_panel(
        segment_profile(result.profile),
        result.profile,
        definition="Each segment's mean of each (log-scaled, standardised) feature against all users, in standard deviations.",
        key="behaviour-segment-profile",
    )
with right:
    chart_panel(
        segment_trend(result.trend),
        result.trend,
        definition="Active users of each segment per period (users keep the segment they have over the whole period).",
        key="behaviour-segment-trend",
    )
