"""Compare users: up to ten users side by side, and one user's percentiles against a peer group."""

import altair as alt
import pandas as pd
import streamlit as st

from analytics.overview import data_days
from analytics.peers import (
    MAX_COMPARED,
    PEER_GROUPS,
    PEER_METRICS,
    compare_users,
    external_benchmarks,
    peer_percentiles,
    search_users,
)
from ui.auth import current_viewer
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import cached, database, shown_errors

viewer = current_viewer()
require_page("pages/compare.py", viewer)
db = database()
st.title("Compare users")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    linked = [user for user in st.query_params.get("users", "").split(",") if user]
    filters = sidebar_filters(*span, grain=False)


def load(name, call, **options):
    """One cached analytics call; the key holds the viewer, the filters and every option."""
    with shown_errors():
        return cached(name, call, role=viewer.role, account=viewer.account, filters=filters, **options)


def benchmark_rules(metric: str, channel: str) -> alt.Chart | None:
    """Dashed reference lines for the metric's published benchmarks, labelled "external: <source>"."""
    found = external_benchmarks(metric).assign(label=lambda frame: "external: " + frame["source"])
    if found.empty:
        return None
    position = alt.X("value:Q") if channel == "x" else alt.Y("value:Q")
    legend = alt.Legend(title=None, orient="bottom", direction="vertical", labelLimit=600)
    return (
        alt.Chart(found)
        .mark_rule(strokeDash=[5, 3], strokeWidth=2)
        .encode(
            position,
            color=alt.Color(
                "label:N", legend=legend, scale=alt.Scale(range=["#7f7f7f", "#bcbd22", "#17becf"])
            ),
            tooltip=["name:N", alt.Tooltip("value:Q", format=".3g"), "source:N", "url:N", "note:N"],
        )
    )


if "compare_users" not in st.session_state:
    st.session_state["compare_users"] = linked[:MAX_COMPARED]
prefix = st.text_input("Find users", placeholder="user_id or display name prefix", key="compare_search")
matches = (
    load("search_users", lambda: search_users(db, viewer, prefix), prefix=prefix) if prefix.strip() else None
)
options = list(
    dict.fromkeys([*st.session_state["compare_users"], *([] if matches is None else matches["user_id"])])
)
chosen = st.multiselect(
    f"Users to compare (up to {MAX_COMPARED})", options, max_selections=MAX_COMPARED, key="compare_users"
)
if not chosen:
    st.info("Search for users by the start of their user_id or name, then pick up to ten.")
    st.stop()

metric = st.selectbox(
    "Metric",
    list(PEER_METRICS),
    format_func=lambda name: PEER_METRICS[name].label,
    index=1,
    key="compare_metric",
)
spec = PEER_METRICS[metric]
side = load("compare_users", lambda: compare_users(db, viewer, chosen, filters), users=tuple(chosen))

st.header("Side by side")
shown = side.set_index("user_id")[list(PEER_METRICS)].T.rename(index=lambda name: PEER_METRICS[name].label)
st.dataframe(shown, column_config={user: st.column_config.NumberColumn(format="%.3g") for user in chosen})
bars = (
    alt.Chart(side)
    .mark_bar()
    .encode(
        x=alt.X("user_id:N", sort=chosen, title=None),
        y=alt.Y(f"{metric}:Q", title=spec.label),
        tooltip=["user_id:N", "display_name:N", "plan:N", alt.Tooltip(f"{metric}:Q", format=".3g")],
    )
)
rules = benchmark_rules(metric, "y")
chart_panel(
    (bars + rules if rules is not None else bars).properties(height=300),
    side,
    definition=f"{spec.label}: {spec.definition}, {filters.start} to {filters.end}. "
    f"{'Higher' if spec.higher_is_better else 'Lower'} is better; dashed lines are published benchmarks.",
    key="compare-side-by-side",
)

st.header("Against peers")
left, right = st.columns(2)
user = left.selectbox("User", chosen, key="compare_peer_user")
group = right.segmented_control(
    "Peer group",
    PEER_GROUPS,
    default="plan",
    format_func=lambda name: name.replace("_", " "),
    key="compare_group",
)
group = group or "plan"
peers = load(
    "peer_percentiles",
    lambda: peer_percentiles(db, viewer, user, filters, peer_group=group),
    user=user,
    group=group,
)
peers = peers.assign(label=peers["metric"].map(lambda name: PEER_METRICS[name].label))
known = peers[peers["percentile"].notna()]
if known.empty:
    st.info(
        f"Too few peers (or no activity) to compare {user} with: peer figures need at least 5 other users."
    )
else:
    percentile_bars = (
        alt.Chart(known)
        .mark_bar()
        .encode(
            x=alt.X("percentile:Q", scale=alt.Scale(domain=[0, 100]), title="percentile among peers"),
            y=alt.Y("label:N", sort=list(known["label"]), title=None, axis=alt.Axis(labelLimit=200)),
            tooltip=[
                "label:N",
                alt.Tooltip("value:Q", format=".3g"),
                alt.Tooltip("peer_p25:Q", format=".3g"),
                alt.Tooltip("peer_median:Q", format=".3g"),
                alt.Tooltip("peer_p75:Q", format=".3g"),
                alt.Tooltip("percentile:Q", format=".1f"),
                "peers:Q",
            ],
        )
    )
    middle = (
        alt.Chart(pd.DataFrame({"percentile": [50]})).mark_rule(strokeDash=[2, 2]).encode(x="percentile:Q")
    )
    chart_panel(
        (percentile_bars + middle).properties(height=260),
        peers.drop(columns="label"),
        definition=f"{user}'s percentile on each metric among the other active users of the same "
        f"{group.replace('_', ' ')} (100 × (below + ½ equal) ÷ peers). For seconds per exercise lower is better.",
        key="compare-percentiles",
    )
row = peers.set_index("metric").loc[metric]
if pd.isna(row["peer_median"]):
    st.caption(f"{spec.label}: {row['note'] or 'no value for this user'}.")
else:
    band = pd.DataFrame([row.to_dict()])
    reach = max(row["value"], row["peer_p75"], *external_benchmarks(metric)["value"]) * 1.1
    x = alt.X("peer_p25:Q", title=spec.label, scale=alt.Scale(domain=[0, reach]))
    spread = alt.Chart(band).mark_rect(opacity=0.3).encode(x=x, x2="peer_p75:Q")
    median = alt.Chart(band).mark_rule(strokeWidth=3, color="#4c78a8").encode(x="peer_median:Q")
    own = (
        alt.Chart(band)
        .mark_rule(strokeWidth=4, color="#e45756")
        .encode(x="value:Q", tooltip=[alt.Tooltip("value:Q", title=user, format=".3g")])
    )
    rules = benchmark_rules(metric, "x")
    layers = [spread, median, own, *([rules] if rules is not None else [])]
    chart_panel(
        alt.layer(*layers).properties(height=220),
        band,
        definition=f"Band: middle half of {int(row['peers'])} peers; blue line: median; red line: {user}; dashed: "
        "published benchmarks (see config/benchmarks.toml for sources).",
        key="compare-peer-band",
    )
