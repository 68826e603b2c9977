"""Predictions: who is likely to leave and why, how good the models are, engagement and skill ahead."""

import altair as alt
import streamlit as st

from analytics.predict import churn_risk_list, start_batch
from analytics.predict.summary import (
    active_days_distribution,
    churn_quality,
    label_check_text,
    regression_quality,
    upcoming_levels,
)
from config.permissions import Permission
from ui.auth import current_viewer
from ui.downloads import csv_download
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import cached, database, shown_errors

BANDS = ["all", "high", "medium", "low"]

viewer = current_viewer()
require_page("pages/predictions.py", viewer)
db = database()
st.title("Predictions")


@st.cache_resource(show_spinner=False)
def _runs() -> dict:
    """The batch run of each database in this process, shared by every session so only one runs at a time."""
    return {}


@st.fragment(run_every=1)
def _progress() -> None:
    run = _runs()[str(db.path)]
    share, message, finished = run.snapshot()
    st.progress(share, text=message)
    if finished:
        st.rerun()


if viewer.can(Permission.GENERATE_PREDICTIONS):
    run = _runs().get(str(db.path))
    running = run is not None and not run.snapshot()[2]
    if st.button("Run predictions now", disabled=running, help="Fit every model on the data so far and store "
                 "the predictions (about a minute per 100,000 users)."):  # fmt: skip
        with shown_errors():
            _runs()[str(db.path)] = start_batch(db, viewer)
        st.rerun()
    if running:
        _progress()
    elif run is not None and run.error:
        st.error(f"The last run failed and changed nothing: {run.error}")
    elif run is not None and run.summary:
        st.success(f"Predictions written {run.summary}.")

key = {"role": viewer.role, "account": viewer.account}
with shown_errors():
    quality = cached("churn_quality", lambda: churn_quality(db, viewer), **key)
if quality is None:
    st.info("No predictions yet. Run them with the button above or `python -m analytics batch`.")
    st.stop()
st.caption(f"As of the end of {quality.as_of}: each model saw only events up to then.")

st.header("Churn risk")
band = st.segmented_control("Risk band", BANDS, default="all", key="churn_band") or "all"
with shown_errors():
    risk = cached(
        "churn_risk",
        lambda: churn_risk_list(db, viewer, band=None if band == "all" else band),
        band=band,
        **key,
    )
st.dataframe(
    risk.drop(columns="as_of"),
    hide_index=True,
    column_config={
        "churn_probability": st.column_config.ProgressColumn(
            "Churn probability", format="percent", min_value=0, max_value=1
        ),
        "risk_band": "Risk band",
        "reasons": st.column_config.TextColumn("Reasons", width="large"),
    },
    key="churn_table",
)
st.download_button("Download this list as CSV", csv_download(risk), "churn_risk.csv", "text/csv")
st.caption(
    f"Churn: no event in the next {quality.horizon_days} days. Bands: low below 20%, medium 20-50%, high "
    "from 50%. Reasons: the signs on which the user looks riskier than three quarters of users who stayed "
    "(docs/models.md)."
)

st.header("Model quality")
st.caption(
    f"Chosen model: {quality.chosen}, validated on {quality.users:,} users active in the 90 days to "
    f"{quality.validation_day} ({quality.churn_share:.0%} of them left), against ranking users by days "
    "since their last event."
)
for column, row in zip(st.columns(len(quality.metrics)), quality.metrics.itertuples(), strict=True):
    change = row.model - row.baseline
    column.metric(row.metric, f"{row.model:.3f}", f"{change:+.3f} vs baseline {row.baseline:.3f}",
                  delta_color="normal" if row.higher_is_better else "inverse")  # fmt: skip
if quality.label_check:
    st.caption(
        f"{label_check_text(quality.label_check, quality.horizon_days)} That share of 'left' was only a "
        "pause; a longer horizon lowers it."
    )
series = alt.selection_point(fields=["series"], bind="legend")
points = (
    alt.Chart(quality.reliability)
    .mark_line(point=True)
    .encode(
        x=alt.X("mean_predicted:Q", title="mean predicted probability", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("observed:Q", title="share who left", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("series:N", title=None),
        opacity=alt.condition(series, alt.value(1), alt.value(0.15)),
        tooltip=[
            alt.Tooltip("series:N"),
            alt.Tooltip("mean_predicted:Q", format=".3f", title="predicted"),
            alt.Tooltip("observed:Q", format=".3f", title="observed"),
            alt.Tooltip("users:Q", format=","),
        ],
    )
    .add_params(series)
)
diagonal = alt.Chart({"values": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]}).mark_line(
    strokeDash=[4, 4], color="gray"
)
diagonal = diagonal.encode(x="x:Q", y="y:Q")
chart_panel(
    (diagonal + points).properties(title="Reliability: predicted against observed, 10 bins", height=320),
    quality.reliability,
    definition="A calibrated model's points lie on the dashed diagonal: of users given 30%, 30% left.",
    key="churn_reliability",
)

st.header("Engagement, performance and skill")
with shown_errors():
    errors = cached("regression_quality", lambda: regression_quality(db, viewer), **key)
    days = cached("active_days", lambda: active_days_distribution(db, viewer), **key)
    levels = cached("upcoming_levels", lambda: upcoming_levels(db, viewer), **key)
st.dataframe(
    errors,
    hide_index=True,
    column_config={
        "mae": st.column_config.NumberColumn("Model MAE", format="%.3f"),
        "baseline_mae": st.column_config.NumberColumn("Baseline MAE", format="%.3f"),
        "improvement_pct": st.column_config.NumberColumn("Better by", format="%.0f%%"),
    },
)
st.caption("Mean absolute error on the validation window, in each measure's unit, beside the naive baseline.")
bars = (
    alt.Chart(days, title="Expected active days in the next 30")
    .mark_bar()
    .encode(
        x=alt.X("active_days:N", sort=alt.SortField("order"), title="expected active days"),
        y=alt.Y("users:Q", title="users"),
        tooltip=["active_days:N", alt.Tooltip("users:Q", format=",")],
    )
)
chart_panel(bars, days.drop(columns="order"), definition="Users active in the last 90 days, by the engagement "
            "model's expected active days over the next 30.", key="active_days")  # fmt: skip
st.subheader("Next skill levels, soonest first")
st.dataframe(levels, hide_index=True, key="levels_table")
st.download_button("Download skill predictions as CSV", csv_download(levels), "skill_levels.csv", "text/csv")
