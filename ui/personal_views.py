"""How "My insights" draws one user's page data (analytics.personal): figures, charts, cards and lists.

Built for phones too: figures come in pairs of columns (which stack on narrow screens) and charts
stretch to the width they are given.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from analytics.personal import GOAL_KINDS
from analytics.personal.summary import PersonalPage

FORMATS = {
    "accuracy": "{:.0%}",
    "speed_s": "{:.0f} s",
    "completion_rate": "{:.0%}",
    "skill_level": "{:.0f}",
}
"""How each performance metric's value is shown."""
LOWER_IS_BETTER = {"speed_s"}
OPEN_SHOWN = 5


def _pairs(count: int) -> list:
    """`count` cells, two per row."""
    cells = []
    for _ in range(0, count, 2):
        cells.extend(st.columns(2))
    return cells[:count]


def _number(value: float) -> float | int:
    """Whole numbers as ints, so a delta reads "1" rather than "1.0"."""
    return int(value) if float(value).is_integer() else round(value, 1)


def _percent_change(change_pct: float) -> str:
    whole = round(change_pct)
    return f"{whole:+d}%" if whole else "0%"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def week_panel(page: PersonalPage) -> None:
    """This week against the usual week (same days of the week so far), and the streaks."""
    week, runs = page.week, page.streaks
    so_far = "this week" if week.days_so_far == 7 else f"this week so far ({week.days_so_far} of 7 days)"
    usual = f"Usual: the median of your previous {week.history_weeks} weeks over the same days of the week."
    cells = _pairs(4)
    for cell, label, value, typical in (
        (cells[0], f"Active days {so_far}", week.active_days, week.usual_active_days),
        (cells[1], "Events this week", week.events, week.usual_events),
    ):
        cell.metric(
            label,
            f"{value:,}",
            delta=None if typical is None else _number(value - typical),
            delta_description=None if typical is None else f"vs usual by now ({typical:g})",
            help=usual if typical is not None else "No earlier weeks to compare with yet.",
            border=True,
        )
    cells[2].metric(
        "Current streak",
        _days(runs.current_days),
        help="Consecutive active days up to today or yesterday.",
        border=True,
    )
    cells[3].metric(
        "Longest streak",
        _days(runs.longest_days),
        delta=None
        if runs.longest_start is None
        else f"{runs.longest_start:%d %b} – {runs.longest_end:%d %b %Y}",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )


def activity_chart(weekly: pd.DataFrame) -> alt.Chart:
    """Active days per week (the week in progress paler), with the week's figures in the tooltip."""
    shown = weekly.assign(week=weekly["complete"].map({True: "complete", False: "in progress"}))
    return (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(week_start):O", title=None, axis=alt.Axis(format="%d %b", labelAngle=-45)),
            y=alt.Y("active_days:Q", title="active days", scale=alt.Scale(domain=[0, 7])),
            opacity=alt.Opacity(
                "week:N", scale=alt.Scale(domain=["complete", "in progress"], range=[1, 0.4]), legend=None
            ),
            tooltip=[
                alt.Tooltip("week_start:T", title="week of"),
                alt.Tooltip("active_days:Q", title="active days"),
                alt.Tooltip("events:Q", format=","),
                alt.Tooltip("sessions:Q", format=","),
                alt.Tooltip("exercises:Q", format=","),
                alt.Tooltip("active_minutes:Q", title="minutes", format=",.0f"),
                alt.Tooltip("week:N"),
            ],
        )
        .properties(height=220)
    )


def performance_panel(performance: pd.DataFrame, weekly: pd.DataFrame, *, own: bool) -> None:
    """Each metric: its value, the change against the usual, a sparkline of its weeks, the peer standing."""
    whose = "your" if own else "their"
    for cell, row in zip(_pairs(len(performance)), performance.itertuples(), strict=True):
        value = "–" if pd.isna(row.value) else FORMATS[row.metric].format(row.value)
        if pd.isna(row.ahead_of_pct):
            standing = f"Peers: {row.note or 'no value to compare'}."
        else:
            standing = f"Ahead of {row.ahead_of_pct:.0f}% of {row.peers} peers on {whose} plan."
        cell.metric(
            row.label,
            value,
            delta=None if pd.isna(row.change_pct) else _percent_change(row.change_pct),
            delta_description=None if pd.isna(row.change_pct) else f"vs usual: {row.trend}",
            delta_color="off"
            if row.trend == "steady"
            else "inverse"
            if row.metric in LOWER_IS_BETTER
            else "normal",
            delta_arrow="off" if row.trend == "steady" else "auto",
            help="The last 28 days against the mean of the four 28-day periods before; the line shows the "
            "last 12 weeks.",
            chart_data=weekly[row.metric].dropna().tolist() or None,
            border=True,
        )
        cell.caption(standing)


def _card(row, *, actions: bool) -> str | None:
    """One recommendation; returns the status its clicked button asks for."""
    with st.container(border=True):
        st.markdown(f"**{row.item}** · {row.recommendation_type}")
        st.caption(row.reason)
        for step in row.actionable_items:
            st.markdown(f"- {step}")
        if not actions:
            return None
        done, dismiss = st.columns(2)
        if done.button("Mark done", key=f"rec-done-{row.recommendation_id}", icon=":material/check:"):
            return "done"
        if dismiss.button("Dismiss", key=f"rec-dismiss-{row.recommendation_id}", icon=":material/close:"):
            return "dismissed"
    return None


def recommendation_cards(recommendations: pd.DataFrame, *, actions: bool) -> tuple[str, str] | None:
    """Open recommendations as cards, the first OPEN_SHOWN unfolded; returns (id, status) of a click."""
    open_rows = list(recommendations[recommendations["status"] == "open"].itertuples())
    clicked = None
    for row in open_rows[:OPEN_SHOWN]:
        status = _card(row, actions=actions)
        clicked = (row.recommendation_id, status) if status else clicked
    if len(open_rows) > OPEN_SHOWN:
        with st.expander(f"{len(open_rows) - OPEN_SHOWN} more"):
            for row in open_rows[OPEN_SHOWN:]:
                status = _card(row, actions=actions)
                clicked = (row.recommendation_id, status) if status else clicked
    earlier = recommendations[recommendations["status"] != "open"]
    if len(earlier):
        with st.expander(f"Earlier recommendations ({len(earlier)})"):
            for row in earlier.itertuples():
                st.markdown(f"- {row.item}: {row.status}")
    return clicked


def goal_list(progress: pd.DataFrame, *, deletable: bool) -> str | None:
    """Each goal with a progress bar; returns the goal_id whose Delete button was clicked."""
    clicked = None
    for row in progress.itertuples():
        met = f" · met on {row.met_on:%d %b %Y}" if row.met else ""
        st.progress(float(row.share), text=f"**{row.title}**: {row.text}{met}")
        if deletable and st.button(
            "Delete", key=f"goal-delete-{row.goal_id}", icon=":material/delete:", type="tertiary"
        ):
            clicked = row.goal_id
    return clicked


def goal_form() -> tuple[str, int] | None:
    """A small form for a new goal; returns (kind, target) when sent."""
    with st.form("new-goal", clear_on_submit=True):
        kind = st.selectbox(
            "Goal",
            list(GOAL_KINDS),
            format_func=lambda name: GOAL_KINDS[name].title.format(target="N"),
            key="goal-kind",
        )
        target = st.number_input("N", min_value=1, max_value=100_000, value=4, step=1, key="goal-target")
        if st.form_submit_button("Add goal", icon=":material/flag:"):
            return kind, int(target)
    return None


def achievement_list(achievements: pd.DataFrame) -> None:
    """Earned achievements with their day, then the others with how far along the user is."""
    earned = achievements[achievements["earned"]].sort_values("earned_on", ascending=False)
    for row in earned.itertuples():
        st.markdown(f":material/emoji_events: **{row.title}** · earned {row.earned_on:%d %b %Y}")
        st.caption(f"{row.rule} {row.progress_text}")
    for row in achievements[~achievements["earned"]].itertuples():
        st.progress(float(row.progress), text=f"**{row.title}**: {row.progress_text}")
        st.caption(row.rule)
