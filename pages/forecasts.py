"""Forecasts & trends: a metric's forecast with its measured quality, changepoints and anomalies."""

from dataclasses import replace
from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from analytics.anomalies import detect_anomalies
from analytics.forecast import forecast
from analytics.metrics import COMMON_METRICS, METRIC_HELP, parse_metric
from analytics.overview import data_days
from analytics.periods import today_in_zone
from config.settings import load_settings
from ui.auth import current_viewer
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import cached, database, shown_errors

MODEL_NAMES = {"prophet": "Prophet", "seasonal_naive": "Seasonal naive", "constant": "Constant"}

viewer = current_viewer()
require_page("pages/forecasts.py", viewer)
db = database()
st.title("Forecasts & trends")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    filters = sidebar_filters(*span)

left, middle, right = st.columns([3, 2, 2])
picked = left.selectbox("Metric", COMMON_METRICS, key="forecast_metric")
typed = left.text_input(
    "…or any metric spec", key="forecast_spec", placeholder="count:lesson", help=METRIC_HELP
)
horizon_days = middle.number_input("Horizon (days)", 1, 365, 30, key="forecast_horizon")
interval = middle.segmented_control(
    "Interval", (0.8, 0.95), default=0.8, format_func="{:.0%}".format, key="forecast_interval"
)
country = right.text_input("Holidays of country", key="forecast_country", placeholder="US, DE, GB…")
country = country.strip() or None
# Periods after the last day with data count as in progress, so a stale data set shows no false drop.
today = min(today_in_zone(load_settings().reporting_timezone), span[1] + timedelta(days=1))
# The model sees all history up to the period's end; the sidebar period is what the chart shows.
history = replace(filters, start=span[0])

with shown_errors():
    spec = parse_metric(typed.strip() or picked)
    options = {"horizon_days": int(horizon_days), "holidays_country": country, "interval": interval or 0.8}
    result = cached(
        "forecast",
        lambda: forecast(db, viewer, spec, history, **options, today=today),
        role=viewer.role,
        account=viewer.account,
        filters=history,
        spec=spec.text,
        today=today,
        **options,
    )
    anomalies = cached(
        "anomalies",
        lambda: detect_anomalies(db, viewer, spec, filters, today=today),
        role=viewer.role,
        account=viewer.account,
        filters=filters,
        spec=spec.text,
        today=today,
    )

shown = result.history[result.history["date"] >= pd.Timestamp(filters.start)]
flagged = anomalies[anomalies["is_anomaly"]].assign(date=lambda frame: pd.to_datetime(frame["date"]))
rules = result.changepoints[result.changepoints["date"] >= pd.Timestamp(filters.start)]
zoom = alt.selection_interval(encodings=["x"], bind="scales")
x = alt.X("date:T", title=None)
band = (
    alt.Chart(result.forecast)
    .mark_area(opacity=0.25, color="#4c78a8")
    .encode(x=x, y=alt.Y("yhat_lower:Q", title=spec.text), y2="yhat_upper:Q")
)
predicted = (
    alt.Chart(result.forecast)
    .mark_line(strokeDash=[6, 3], color="#4c78a8")
    .encode(
        x=x,
        y="yhat:Q",
        tooltip=[
            alt.Tooltip("date:T", title="period"),
            alt.Tooltip("yhat:Q", title="forecast", format=",.2f"),
            alt.Tooltip("yhat_lower:Q", title="lower", format=",.2f"),
            alt.Tooltip("yhat_upper:Q", title="upper", format=",.2f"),
        ],
    )
)
observed = (
    alt.Chart(shown)
    .mark_line(point=alt.OverlayMarkDef(size=12), color="#333333")
    .encode(
        x=x,
        y="value:Q",
        tooltip=[alt.Tooltip("date:T", title="period"), alt.Tooltip("value:Q", format=",.2f")],
    )
)
changes = (
    alt.Chart(rules)
    .mark_rule(color="#f58518", strokeDash=[2, 2])
    .encode(
        x=x,
        tooltip=[
            alt.Tooltip("date:T", title="trend changes"),
            alt.Tooltip("slope_change_per_month:Q", title="slope change a month", format="+,.2f"),
        ],
    )
)
unusual = (
    alt.Chart(flagged)
    .mark_point(color="#d62728", filled=True, size=90)
    .encode(
        x=x,
        y="value:Q",
        tooltip=[
            alt.Tooltip("date:T", title="anomaly"),
            alt.Tooltip("value:Q", format=",.2f"),
            alt.Tooltip("expected:Q", format=",.2f"),
            alt.Tooltip("score:Q", format=".1f"),
        ],
    )
)
chart = alt.layer(band, predicted, observed, changes, unusual).add_params(zoom).properties(height=360)
download = pd.concat(
    [shown.assign(kind="history"), result.forecast.assign(kind="forecast")], ignore_index=True
)
chart_panel(
    chart,
    download,
    definition=f"{spec.text} per {filters.grain} (complete periods). Dashed: the {MODEL_NAMES[result.model]} "
    f"forecast with its {result.interval:.0%} interval; orange rules: trend changepoints; red points: "
    "anomalies (outside the band expected from the data before them). Drag to zoom.",
    key="forecast-chart",
)

st.subheader("Trend and model quality")
st.markdown(f"**Trend:** {result.trend}.")
model, seasonality = st.columns(2)
model.metric("Forecast shown", MODEL_NAMES[result.model])
seasons = [
    name for name, on in (("weekly", result.weekly_seasonality), ("yearly", result.yearly_seasonality)) if on
]
seasonality.metric(
    "Seasonality", ", ".join(seasons) or "none", help="Weekly needs 14+ days of daily data, yearly 2 years."
)
st.write(result.note)
if result.backtest is not None:
    scores = result.backtest.scores.assign(model=lambda frame: frame["model"].map(MODEL_NAMES))
    st.dataframe(
        scores.rename(columns={"mape": "MAPE %", "mase": "MASE", "mae": "MAE", "points": "points"}),
        hide_index=True,
        column_config={
            name: st.column_config.NumberColumn(format="%.3g") for name in ("MAPE %", "MASE", "MAE")
        },
    )
    cutoffs = ", ".join(f"{cutoff:%Y-%m-%d}" for cutoff in result.backtest.cutoffs)
    st.caption(
        f"Rolling-origin backtest: at each cutoff ({cutoffs}) both models were fitted on the data up to it and "
        f"forecast the next {result.backtest.horizon} periods. Lower is better; MASE below 1 beats the "
        "history's typical one-season change."
    )
period = f"{filters.start} to {filters.end}"
if flagged.empty:
    st.caption(f"No anomalies from {period}.")
else:
    st.caption(f"Anomalies from {period}: {len(flagged)}.")
    st.dataframe(anomalies[anomalies["is_anomaly"]].drop(columns="is_anomaly").round(2), hide_index=True)
