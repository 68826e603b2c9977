"""Insights: ranked statements that pass a significance filter, and which early behaviours go with retention."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import altair as alt
import streamlit as st

from analytics.insights import behaviour_correlations, metric_correlations, product_insights
from analytics.insights.correlations import RETAINED_FROM_DAY, RETAINED_TO_DAY, cohort_filters
from analytics.insights.significance import MIN_EFFECT, P_MAX, split_link
from analytics.overview import data_days
from analytics.periods import today_in_zone
from config.settings import load_settings
from ui.auth import current_viewer
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import cached, database, shown_errors

viewer = current_viewer()
require_page("pages/insights.py", viewer)
db = database()
st.title("Insights")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    filters = sidebar_filters(*span, grain=False)

# Windows after the last day with data are not over yet, so a stale data set shows no false churn.
today = min(today_in_zone(load_settings().reporting_timezone), span[1] + timedelta(days=1))
cohort = cohort_filters(filters, span[0])


def load(name, call, **options):
    """One cached analytics call; the key holds the viewer, the filters and every option."""
    with shown_errors():
        return cached(name, call, role=viewer.role, account=viewer.account, filters=filters, **options)


def chart_url(link: str) -> str:
    """The app-relative URL of an insight's chart page (Streamlit serves pages/NAME.py at NAME)."""
    page, query = split_link(link)
    return f"{Path(page).stem}?{urlencode(query)}"


st.header("What stands out")
max_items = st.slider("Insights shown", 1, 25, 10, key="insights_max_items")
found = load(
    "product_insights", lambda: product_insights(db, viewer, filters, max_items=max_items), n=max_items
)
st.caption(
    f"Statements tested against a comparison, kept when the Benjamini–Hochberg adjusted p < {P_MAX} and the "
    f"effect is at least {MIN_EFFECT:.0%}; ranked by min(|effect|, 100%) × −log10 p."
)
if not found:
    st.info("Nothing in this period passes the filter. Widen the period or remove the segment.")
for number, insight in enumerate(found):
    with st.container(border=True):
        text, button = st.columns([5, 1])
        text.markdown(f"**{insight.text}**")
        text.caption(
            f"{insight.kind} · value {insight.value:,.4g} vs {insight.baseline:,.4g} · effect {insight.effect:+.1%} · "
            f"p = {insight.p_value:.2g} · score {insight.score:.2f}"
        )
        button.link_button("Open chart", chart_url(insight.link), key=f"insight-link-{number}")

st.header("What goes with retention")
st.caption(
    f"Users whose first active day falls between {cohort.start} and {cohort.end} and whose days "
    f"{RETAINED_FROM_DAY}–{RETAINED_TO_DAY - 1} after it are over. Retained: active on any of those days. "
    "phi: correlation of a first-week behaviour with retention (−1 to 1); chi-square test, significant when "
    f"p < {P_MAX}. Correlation, not causation."
)
early_days = st.segmented_control("First days", (3, 7, 14), default=7, key="insights_early_days") or 7
table = load(
    "behaviour_correlations",
    lambda: behaviour_correlations(db, viewer, cohort, early_days=early_days, today=today),
    cohort=cohort,
    early_days=early_days,
    today=today,
)
if table.empty:
    st.info("No user's weeks 4 to 7 have ended yet in this period.")
else:
    bars = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("phi:Q", title="phi (correlation with retention)", scale=alt.Scale(domain=[-1, 1])),
            y=alt.Y(
                "behaviour:N",
                sort=alt.EncodingSortField("phi", order="descending"),
                title=None,
                axis=alt.Axis(labelOverlap=False, labelLimit=240),
            ),
            color=alt.Color(
                "goes_with:N", scale=alt.Scale(domain=["retention", "churn"], range=["#54a24b", "#e45756"])
            ),
            opacity=alt.condition("datum.significant", alt.value(1.0), alt.value(0.35)),
            tooltip=[
                "behaviour:N",
                alt.Tooltip("phi:Q", format=".3f"),
                alt.Tooltip("p_value:Q", format=".2g"),
                alt.Tooltip("retained_with_pct:Q", title="retained with (%)"),
                alt.Tooltip("retained_without_pct:Q", title="retained without (%)"),
                "users_with:Q",
                "users_without:Q",
            ],
        )
        .properties(height=max(160, 24 * len(table)))
    )
    chart_panel(
        bars,
        table,
        definition=f"Faded bars are not significant (p ≥ {P_MAX}). Behaviours need 10+ users on each side.",
        key="insights-compass",
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "phi": st.column_config.NumberColumn(format="%.3f"),
            "p_value": st.column_config.NumberColumn("p", format="%.2e"),
            "chi2": st.column_config.NumberColumn("χ²", format="%.1f"),
        },
    )

st.header("Performance and engagement")
pairs = load(
    "metric_correlations",
    lambda: metric_correlations(db, viewer, filters, cohort=cohort, early_days=early_days, today=today),
    cohort=cohort,
    early_days=early_days,
    today=today,
)
st.caption(
    "Pearson r over users active in the period; point-biserial r of first-week figures with retention over the "
    f"cohort above. Significant when p < {P_MAX}."
)
st.dataframe(
    pairs,
    hide_index=True,
    column_config={
        "r": st.column_config.NumberColumn(format="%.3f"),
        "p_value": st.column_config.NumberColumn("p", format="%.2e"),
    },
)
