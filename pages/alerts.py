"""Alerts: rules on metrics judged every five minutes, the alerts they raised, and every delivery attempt."""

from datetime import timedelta

import streamlit as st

from analytics.alerts import (
    alert_precision,
    backtest,
    create_rule,
    delete_rule,
    list_alerts,
    list_deliveries,
    list_rules,
    mark_alert,
    rules_table,
    update_rule,
)
from analytics.alerts.rules import CONDITION_HELP, CONDITIONS
from analytics.filters import GRAINS, SEGMENT_KEYS_HELP
from analytics.metrics import COMMON_METRICS, METRIC_HELP
from analytics.overview import data_days
from analytics.periods import today_in_zone
from config.permissions import Permission
from config.settings import load_settings
from ui.auth import current_viewer, request_source
from ui.navigation import require_page
from ui.state import cached, database, shown_errors

MAX_ALERTS = 200
BACKTEST_PERIODS = {"day": 28, "week": 12, "month": 6}
SECRET_HELP = "16+ characters; each body is signed: X-Pulse-Signature: sha256=HMAC-SHA256(secret, body)."
DIRECTIONS = {"below": "below", "above": "above", "either (anomaly rules)": None}

viewer = current_viewer()
require_page("pages/alerts.py", viewer)
db = database()
source = request_source()
can_edit = viewer.can(Permission.GENERATE_PREDICTIONS)
st.title("Alerts")

with shown_errors():
    alerts = list_alerts(db, viewer, limit_rows=MAX_ALERTS)
    precision = alert_precision(db, viewer)
    rules = list_rules(db, viewer)

total, judged, useful = st.columns(3)
total.metric("Alerts", f"{precision['alerts']:,}")
judged.metric("Judged by users", f"{precision['judged']:,}")
share = precision["precision"]
useful.metric("Judged useful", "–" if share is None else f"{share:.0%}", help="Useful / (useful + noise).")

history, rules_tab, log_tab = st.tabs(["Alerts", "Rules", "Deliveries"])

with history:
    if alerts.empty:
        st.info(
            "No alerts yet. Each enabled rule is judged every five minutes on its latest complete period."
        )
    else:
        st.dataframe(
            alerts[["created_at", "rule_name", "period_start", "severity", "message", "link", "feedback"]],
            hide_index=True,
            width="stretch",
            column_config={
                "created_at": st.column_config.DatetimeColumn("Raised (UTC)", format="YYYY-MM-DD HH:mm"),
                "rule_name": "Rule",
                "period_start": st.column_config.DateColumn("Period"),
                "severity": st.column_config.NumberColumn("Severity", format="%.2f"),
                "message": st.column_config.TextColumn("Message", width="large"),
                "link": st.column_config.LinkColumn("Forecast", display_text="open"),
                "feedback": "Feedback",
            },
        )
        st.caption(
            f"Newest first (at most {MAX_ALERTS}). Severity: the anomaly score, or the distance from "
            "the threshold or previous period as a share of it."
        )
        messages = dict(zip(alerts["alert_id"], alerts["message"], strict=True))
        alert_id = st.selectbox(
            "Was this alert useful?", list(messages), format_func=messages.get, key="alert_pick"
        )
        useful_col, noise_col, _ = st.columns([1, 1, 4])
        for column, verdict in ((useful_col, "useful"), (noise_col, "noise")):
            if column.button(verdict.capitalize(), key=f"mark_{verdict}", width="stretch"):
                with shown_errors():
                    mark_alert(db, viewer, alert_id, verdict)
                st.rerun()

with rules_tab:
    if rules:
        st.dataframe(
            rules_table(rules).drop(columns="rule_id"),
            hide_index=True,
            width="stretch",
            column_config={"last_evaluated_at": st.column_config.DatetimeColumn("last judged (UTC)")},
        )
        named = {rule.rule_id: rule for rule in rules}
        rule = named[
            st.selectbox("Rule", list(named), format_func=lambda key: named[key].name, key="rule_pick")
        ]
        toggle_col, delete_col, backtest_col = st.columns(3)
        if toggle_col.button(
            "Disable" if rule.enabled else "Enable", key="rule_toggle", disabled=not can_edit, width="stretch"
        ):
            with shown_errors():
                update_rule(db, viewer, rule.rule_id, enabled=not rule.enabled, source=source)
            st.rerun()
        if delete_col.button(
            "Delete",
            key="rule_delete",
            disabled=not can_edit,
            width="stretch",
            help="Its alerts stay in the history.",
        ):
            with shown_errors():
                delete_rule(db, viewer, rule.rule_id, source=source)
            st.rerun()
        if backtest_col.button(
            "Backtest",
            key="rule_backtest",
            width="stretch",
            help="Judge the recent periods as the job would have.",
        ):
            with shown_errors():
                span = data_days(db, viewer)
                today = today_in_zone(load_settings().reporting_timezone)
                if span is not None:
                    # Judge up to the last day with data, so an old data set shows no false collapse.
                    today = min(today, span[1] + timedelta(days=1))
                found = cached(
                    "alert_backtest",
                    lambda: backtest(db, viewer, rule, periods=BACKTEST_PERIODS[rule.grain], today=today),
                    role=viewer.role,
                    account=viewer.account,
                    rule=rule,
                    today=today,
                )
            st.caption(f"{int(found['fired'].sum())} of the last {len(found)} periods would have alerted:")
            st.dataframe(found[found["fired"]].drop(columns="fired"), hide_index=True)
    else:
        st.info("No rules yet.")

    if not can_edit:
        st.caption(
            "Creating and changing rules needs the GENERATE_PREDICTIONS permission (product managers, analysts, admins)."
        )
    else:
        with st.expander("New rule", expanded=not rules), st.form("new_rule"):
            name = st.text_input("Name", key="rule_name", placeholder="Daily events collapse")
            left, right = st.columns(2)
            picked = left.selectbox("Metric", COMMON_METRICS, key="rule_metric")
            typed = right.text_input(
                "…or any metric spec", key="rule_spec", placeholder="count:lesson", help=METRIC_HELP
            )
            segment = left.text_input(
                "Segment", key="rule_segment", placeholder="plan=pro", help=SEGMENT_KEYS_HELP
            )
            grain = right.selectbox("Grain", GRAINS, key="rule_grain")
            condition = left.selectbox("Condition", CONDITIONS, key="rule_condition", help=CONDITION_HELP)
            direction = right.selectbox("Direction", list(DIRECTIONS), key="rule_direction")
            threshold = left.number_input(
                "Threshold (percent for change; empty for anomaly)", value=None, key="rule_threshold"
            )
            url = right.text_input(
                "Webhook URL (optional)", key="rule_url", placeholder="https://example.com/hooks/pulse"
            )
            secret = right.text_input("Webhook secret", type="password", key="rule_secret", help=SECRET_HELP)
            if st.form_submit_button("Create rule", type="primary"):
                with shown_errors():
                    created = create_rule(
                        db,
                        viewer,
                        name=name,
                        metric=typed.strip() or picked,
                        condition=condition,
                        grain=grain,
                        direction=DIRECTIONS[direction],
                        threshold=threshold,
                        segment=segment,
                        webhook_url=url,
                        webhook_secret=secret,
                        source=source,
                    )
                st.toast(f"Rule {created.name!r} created; it is judged within five minutes.")
                st.rerun()

with log_tab:
    with shown_errors():
        log = list_deliveries(db, viewer)
    st.dataframe(log, hide_index=True, width="stretch")
    st.caption(
        "Every attempt, newest first. Webhooks are retried within a run, then at later runs (5, 15, 60 and "
        "240 minutes apart) before they are given up; a 4xx answer is not retried."
    )
