"""Export: any dataset to a file (made in the background, then downloaded), and scheduled exports."""

from datetime import UTC, datetime

import streamlit as st

from analytics.errors import AnalyticsError
from analytics.export import DATASETS, ExportRequest
from analytics.export.background import start_export
from analytics.export.schedules import (
    FREQUENCIES,
    WEEKDAYS,
    create_schedule,
    delete_schedule,
    list_schedules,
    schedule_deliveries,
)
from analytics.export.writers import FORMATS, MEDIA_TYPES
from analytics.filters import SEGMENT_KEYS_HELP, parse_segment
from analytics.funnels import known_activity_types
from analytics.metrics import COMMON_METRICS
from analytics.overview import data_days
from ui.auth import current_viewer, request_source
from ui.navigation import require_page
from ui.state import cached, database, shown_errors

TASK_KEY = "export_task"
DAY_S = 86_400

viewer = current_viewer()
require_page("pages/export.py", viewer)
db = database()
source = request_source()
st.title("Export")
with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    types = cached(
        "export_types", lambda: known_activity_types(db, viewer), role=viewer.role, account=viewer.account
    )
today = datetime.now(UTC).date()
first_day, last_day = span or (today, today)


def options_for(name: str, key: str) -> dict:
    """The chosen dataset's own options, read from its widgets."""
    if name == "funnel":
        left, middle, right = st.columns([2, 1, 1])
        steps = left.multiselect("Steps, in order", types, default=types[:2], key=f"{key}-steps")
        days = middle.number_input("Window (days)", min_value=1, value=14, key=f"{key}-window")
        order = right.selectbox("Order", ["sequential", "strict", "any"], key=f"{key}-order")
        return {"steps": steps, "window_s": int(days) * DAY_S, "order": order}
    if name == "retention":
        left, right = st.columns(2)
        period = left.selectbox("Cohort period", ["week", "day", "month"], key=f"{key}-period")
        mode = right.selectbox("Cohorts", ["first_time", "recurring"], key=f"{key}-mode")
        return {"period": period, "cohort_mode": mode}
    if name == "metric":
        left, right = st.columns(2)
        metric = left.selectbox("Metric", COMMON_METRICS, key=f"{key}-metric", accept_new_options=True)
        grain = right.selectbox("Grain", ["day", "week", "month"], key=f"{key}-grain")
        return {"metric": metric, "grain": grain}
    return {}


def request_inputs(key: str, *, with_period: bool) -> ExportRequest:
    """Dataset, period, segment, activity types, columns and options, as an ExportRequest."""
    name = st.selectbox("Dataset", list(DATASETS), key=f"{key}-dataset")
    dataset = DATASETS[name]
    st.caption(dataset.description)
    start = end = None
    if with_period and (dataset.computed or st.checkbox("Only rows of some days", key=f"{key}-limit")):
        picked = st.date_input(
            "Days", value=(first_day, last_day), key=f"{key}-days", help="Reporting-zone days, both included."
        )
        start, end = (picked[0], picked[-1]) if picked else (None, None)
    left, right = st.columns(2)
    segment_text = left.text_input(
        "Segment", key=f"{key}-segment", placeholder="plan=pro,country=DE", disabled=not dataset.accepts_segment,
        help=f"Comma-separated KEY=VALUE conditions; keys: {SEGMENT_KEYS_HELP}.",
    )  # fmt: skip
    activity = right.multiselect(
        "Activity types",
        types,
        key=f"{key}-activity",
        disabled=not dataset.accepts_activity_types,
        placeholder="all",
    )
    columns = st.multiselect(
        "Columns", dataset.columns, key=f"{key}-columns", placeholder="all, in this order"
    )
    with shown_errors():
        segment = tuple(parse_segment(segment_text)) if segment_text.strip() else ()
    return ExportRequest(
        dataset=name,
        start=start,
        end=end,
        segment=segment if dataset.accepts_segment else (),
        activity_types=tuple(activity) if dataset.accepts_activity_types else (),
        columns=tuple(columns),
        options=options_for(name, key),
    )


@st.fragment(run_every=1.0)
def show_task() -> None:
    """The running export's progress, then its download (re-drawn every second while it runs)."""
    task = st.session_state.get(TASK_KEY)
    if task is None:
        return
    if task.running:
        st.info(f"Exporting {task.dataset}: {task.rows_written:,} rows written ({task.elapsed_s:.0f} s)...")
    elif isinstance(task.error, AnalyticsError):
        st.error(str(task.error))
    elif task.error is not None:
        raise task.error
    else:
        result = task.result
        st.success(
            f"{result.rows:,} rows exported in {result.seconds:.1f} s ({result.size_bytes / 1e6:,.1f} MB)."
        )
        st.download_button(
            f"Download {result.path.name}",
            data=result.path.read_bytes,
            file_name=result.path.name,
            mime=MEDIA_TYPES[result.file_format],
            key="export-download",
        )


now_tab, scheduled_tab = st.tabs(["Export now", "Scheduled exports"])
with now_tab:
    request = request_inputs("now", with_period=True)
    left, right = st.columns(2)
    file_format = left.radio("Format", FORMATS, horizontal=True, key="now-format")
    anonymise = right.checkbox(
        "Anonymise",
        key="now-anonymise",
        help="Pseudonymous user ids; no emails or names; IP addresses cut to networks.",
    )
    running = getattr(st.session_state.get(TASK_KEY), "running", False)
    if st.button("Export", type="primary", disabled=running, key="now-export"):
        with shown_errors():
            st.session_state[TASK_KEY] = start_export(
                db, viewer, request, file_format=file_format, anonymise=anonymise, source=source
            )
    show_task()

with scheduled_tab:
    with shown_errors():
        listing = list_schedules(db, viewer)
    st.dataframe(listing, hide_index=True, width="stretch")
    with st.expander("New schedule"):
        planned = request_inputs("plan", with_period=False)
        name = st.text_input("Name", key="plan-name")
        left, middle, right = st.columns(3)
        frequency = left.selectbox("Frequency", FREQUENCIES, key="plan-frequency")
        hour = middle.number_input("Hour (reporting zone)", 0, 23, 6, key="plan-hour")
        weekday = right.selectbox(
            "Weekday",
            range(7),
            format_func=WEEKDAYS.__getitem__,
            key="plan-weekday",
            disabled=frequency != "weekly",
        )
        days = left.number_input("Last N complete days (0: all data)", 0, 3660, 1, key="plan-days")
        plan_format = middle.selectbox("Format", FORMATS, key="plan-format")
        plan_anonymise = right.checkbox("Anonymise", key="plan-anonymise")
        kind = st.radio("Send to", ["folder", "webhook"], horizontal=True, key="plan-kind")
        target = st.text_input(
            "Folder under data/exports/scheduled/" if kind == "folder" else "Webhook URL", key="plan-target"
        )
        if st.button("Create schedule", key="plan-create"):
            with shown_errors():
                schedule, secret = create_schedule(
                    db, viewer, name=name, request=planned, file_format=plan_format, anonymise=plan_anonymise,
                    frequency=frequency, hour=int(hour), weekday=int(weekday), period_days=int(days) or None,
                    folder=target if kind == "folder" else None, webhook_url=target if kind == "webhook" else None,
                    source=source,
                )  # fmt: skip
            st.success(f"Schedule {schedule.schedule_id} created; first run {schedule.next_run_at} UTC.")
            if secret:
                st.code(secret, language=None)
                st.caption(
                    "The webhook's signing secret: copy it now, it is not shown again (X-Pulse-Signature)."
                )
    if not listing.empty:
        left, right = st.columns([3, 1])
        chosen = left.selectbox("Schedule", listing["schedule_id"], key="plan-delete-id")
        if right.button("Delete", key="plan-delete"):
            with shown_errors():
                delete_schedule(db, viewer, chosen, source=source)
            st.rerun()
    st.subheader("Webhook deliveries")
    with shown_errors():
        st.dataframe(schedule_deliveries(db, viewer), hide_index=True, width="stretch")
