"""What each exportable dataset is: an Ibis relation (streamed in chunks) or an analytics function's frame.

Row datasets (events, users, sessions, predictions, recommendations, alerts) are Ibis relations over the
tables, so an export of any size streams from DuckDB. Computed datasets (daily_metrics, retention,
funnel, metric) are the frames the dashboards chart, made by the same analytics functions; registering
another function is one `Dataset` entry in DATASETS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from analytics.db import Database
from analytics.engagement.retention import MATRIX_COLUMNS, retention_matrix
from analytics.errors import AnalyticsError
from analytics.filters import Filters, activity_filter, check_day, check_segment, segment_filter
from analytics.funnels import funnel
from analytics.funnels.figures import STEP_COLUMNS
from analytics.metrics import metric_series, parse_metric
from analytics.metrics.spec import PLAIN_KINDS
from analytics.overview import data_days
from analytics.periods import local_midnight_utc, today_in_zone
from analytics.predict.store import PREDICTIONS
from analytics.schema import EVENTS, SESSIONS, USERS, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

DEFAULT_FUNNEL_WINDOW_S = 14 * 86_400

RECOMMENDATIONS = ibis.table(
    {
        "recommendation_id": "string",
        "user_id": "string",
        "recommendation_type": "string",
        "item": "string",
        "reason": "string",
        "priority_score": "float64",
        "actionable_items": "json",
        "status": "string",
        "model_version": "string",
        "created_at": "timestamp",
        "status_changed_at": "timestamp",
    },
    name="recommendations",
)

ALERTS = ibis.table(
    {
        "alert_id": "string",
        "rule_id": "string",
        "metric": "string",
        "period_start": "timestamp",
        "observed": "float64",
        "expected": "float64",
        "severity": "float64",
        "message": "string",
        "link": "string",
        "feedback": "string",
        "created_at": "timestamp",
    },
    name="alerts",
)

Built = ir.Table | pd.DataFrame


@dataclass(frozen=True)
class ExportRequest:
    """What to export: a dataset, its filters (period in reporting-zone days), columns and options.

    An empty `columns` means all of the dataset's columns. `options` holds the dataset's own settings,
    e.g. {"steps": ["signup", "lesson"], "window_s": 86400} for the funnel.
    """

    dataset: str
    start: date | None = None
    end: date | None = None
    segment: tuple[tuple[str, str], ...] = ()
    activity_types: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The request as JSON-ready data (stored with schedules, written to the audit log)."""
        return {
            "dataset": self.dataset,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "segment": [list(pair) for pair in self.segment],
            "activity_types": list(self.activity_types),
            "columns": list(self.columns),
            "options": dict(self.options),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportRequest:
        """The request `to_json` wrote."""
        return cls(
            dataset=data["dataset"],
            start=date.fromisoformat(data["start"]) if data.get("start") else None,
            end=date.fromisoformat(data["end"]) if data.get("end") else None,
            segment=tuple((key, value) for key, value in data.get("segment", [])),
            activity_types=tuple(data.get("activity_types", [])),
            columns=tuple(data.get("columns", [])),
            options=dict(data.get("options", {})),
        )


@dataclass(frozen=True)
class Scope:
    """What a dataset is built for: the filters, whether the request named a period, and its options.

    Row datasets are narrowed to the period only when one was named (else every row is exported);
    computed datasets always cover `filters`' days, which default to the days with data.
    """

    filters: Filters
    period_given: bool
    options: dict[str, Any]


@dataclass(frozen=True)
class Dataset:
    """One exportable dataset.

    `build(db, viewer, scope)` checks the viewer's permission and returns the rows: an Ibis relation or
    a DataFrame with `columns`. `computed` datasets always cover a period (see Scope). `order_by` keeps
    streamed rows in a fixed order, so the same export gives the same file.
    """

    name: str
    description: str
    columns: tuple[str, ...]
    build: Callable[[Database, Viewer, Scope], Built]
    computed: bool = False
    accepts_segment: bool = True
    accepts_activity_types: bool = False
    options: dict[str, str] = field(default_factory=dict)
    order_by: tuple[str, ...] = ()


def _in_period(table: ir.Table, column: str, scope: Scope) -> ir.Table:
    """Rows whose UTC timestamp `column` falls on a reporting-zone day of the named period, if any."""
    if not scope.period_given:
        return table
    filters = scope.filters
    zone = load_settings().reporting_timezone
    first = ibis.literal(local_midnight_utc(filters.start, zone))
    after = ibis.literal(local_midnight_utc(filters.end + timedelta(days=1), zone))
    return table.filter((table[column] >= first) & (table[column] < after))


def _events(db: Database, viewer: Viewer, scope: Scope) -> ir.Table:
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    rows = activity_filter(segment_filter(analysable(EVENTS), scope.filters), scope.filters)
    return _in_period(rows, "timestamp", scope).select(*EVENT_COLUMNS)


def _users(db: Database, viewer: Viewer, scope: Scope) -> ir.Table:
    viewer.require_aggregate(Permission.VIEW_USER_ANALYTICS)
    rows = segment_filter(analysable(USERS), scope.filters)
    return _in_period(rows, "signup_at", scope).select(*USER_COLUMNS)


def _sessions(db: Database, viewer: Viewer, scope: Scope) -> ir.Table:
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    return _in_period(segment_filter(analysable(SESSIONS), scope.filters), "started_at", scope)


def _predictions(db: Database, viewer: Viewer, scope: Scope) -> ir.Table:
    viewer.require_aggregate(Permission.VIEW_PREDICTIONS)
    rows = segment_filter(analysable(PREDICTIONS), scope.filters)
    if scope.period_given:
        rows = rows.filter(rows.as_of.between(scope.filters.start, scope.filters.end))
    return rows.mutate(prediction_data=rows.prediction_data.cast("json"))


def _recommendations(db: Database, viewer: Viewer, scope: Scope) -> ir.Table:
    viewer.require_aggregate(Permission.VIEW_RECOMMENDATIONS)
    rows = segment_filter(analysable(RECOMMENDATIONS), scope.filters)
    return _in_period(rows, "created_at", scope)


def _alerts(db: Database, viewer: Viewer, scope: Scope) -> ir.Table:
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    return _in_period(ALERTS, "period_start", scope)


def _daily_metrics(db: Database, viewer: Viewer, scope: Scope) -> pd.DataFrame:
    by_day = replace(scope.filters, grain="day")
    frame = None
    for kind in PLAIN_KINDS:
        series = metric_series(db, viewer, parse_metric(kind), by_day)
        series = series.rename(columns={"period": "day", "value": kind}).astype({kind: "int64"})
        frame = series if frame is None else frame.drop(columns="complete").merge(series, on="day")
    return frame[list(DAILY_METRIC_COLUMNS)]


def _retention(db: Database, viewer: Viewer, scope: Scope) -> pd.DataFrame:
    return retention_matrix(
        db,
        viewer,
        scope.filters,
        period=scope.options.get("period", "week"),
        cohort_mode=scope.options.get("cohort_mode", "first_time"),
        periods=scope.options.get("periods"),
    )


def _funnel(db: Database, viewer: Viewer, scope: Scope) -> pd.DataFrame:
    options = scope.options
    if not options.get("steps"):
        raise AnalyticsError(
            "The funnel dataset needs the 'steps' option: 2-10 activity types in order, "
            "e.g. --steps signup,lesson,exercise."
        )
    result = funnel(
        db,
        viewer,
        scope.filters,
        steps=list(options["steps"]),
        window_s=int(options.get("window_s", DEFAULT_FUNNEL_WINDOW_S)),
        order=options.get("order", "sequential"),
    )
    return result.steps


def _metric(db: Database, viewer: Viewer, scope: Scope) -> pd.DataFrame:
    spec = parse_metric(scope.options.get("metric", "active_users"))
    return metric_series(db, viewer, spec, replace(scope.filters, grain=scope.options.get("grain", "day")))


EVENT_COLUMNS = (
    "event_id",
    "user_id",
    "activity_type",
    "timestamp",
    "session_id",
    "properties",
    "ip_address",
    "user_agent",
    "country",
    "city",
)
USER_COLUMNS = ("user_id", "display_name", "email", "signup_at", "plan", "country", "platform", "attributes")
DAILY_METRIC_COLUMNS = ("day", *PLAIN_KINDS, "complete")

DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            "events",
            "Raw events in time order (the columns the importer reads back).",
            EVENT_COLUMNS,
            _events,
            accepts_activity_types=True,
            order_by=("timestamp", "event_id"),
        ),
        Dataset(
            "users",
            "Users and their attributes; a period keeps those who signed up in it.",
            USER_COLUMNS,
            _users,
            order_by=("user_id",),
        ),
        Dataset(
            "sessions",
            "Sessions that started in the period.",
            tuple(SESSIONS.columns),
            _sessions,
            order_by=("started_at", "session_id"),
        ),
        Dataset(
            "daily_metrics",
            "Per day: active users, new users, events and sessions started.",
            DAILY_METRIC_COLUMNS,
            _daily_metrics,
            computed=True,
        ),
        Dataset(
            "retention",
            "Retention of each cohort in each period after it (the Engagement page's matrix).",
            tuple(MATRIX_COLUMNS),
            _retention,
            computed=True,
            accepts_activity_types=True,
            options={
                "period": "day, week or month (default week)",
                "cohort_mode": "first_time (default) or recurring",
                "periods": "at most this many periods per cohort (default: up to today)",
            },
        ),
        Dataset(
            "funnel",
            "Users reaching each step of a funnel (the Funnels page's step table).",
            tuple(STEP_COLUMNS),
            _funnel,
            computed=True,
            options={
                "steps": "2-10 activity types in order",
                "window_s": f"seconds from step 1 to convert (default {DEFAULT_FUNNEL_WINDOW_S})",
                "order": "strict, sequential (default) or any",
            },
        ),
        Dataset(
            "metric",
            "Any metric spec as a time series (the data of the trend and forecast charts).",
            ("period", "value", "complete"),
            _metric,
            computed=True,
            options={
                "metric": "a metric spec such as active_users, count:lesson or avg:score",
                "grain": "day (default), week or month",
            },
        ),
        Dataset(
            "predictions",
            "Stored predictions of every run; a period keeps those made as of its days.",
            tuple(PREDICTIONS.columns),
            _predictions,
            order_by=("as_of", "prediction_type", "user_id"),
        ),
        Dataset(
            "recommendations",
            "Stored recommendations; a period keeps those created in it.",
            tuple(RECOMMENDATIONS.columns),
            _recommendations,
            order_by=("created_at", "recommendation_id"),
        ),
        Dataset(
            "alerts",
            "Alerts raised; a period keeps those about its days.",
            tuple(ALERTS.columns),
            _alerts,
            accepts_segment=False,
            order_by=("period_start", "alert_id"),
        ),
    )
}


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


OPTION_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "steps": (
        "a list of activity types",
        lambda value: isinstance(value, list | tuple) and all(isinstance(step, str) for step in value),
    ),
    "window_s": ("a whole number of seconds", _whole_number),
    "periods": ("a whole number", _whole_number),
}
"""What each option that is not text must hold (API bodies can send any JSON value)."""
TEXT_OPTION = ("text", lambda value: isinstance(value, str))


def get_dataset(name: str) -> Dataset:
    """The dataset called `name`; AnalyticsError lists the known ones otherwise."""
    if name not in DATASETS:
        raise AnalyticsError(f"Unknown dataset {name!r}. Datasets: {', '.join(DATASETS)}.")
    return DATASETS[name]


def chosen_columns(dataset: Dataset, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The requested columns (all when none are named); AnalyticsError names unknown ones and the allowed."""
    unknown = [name for name in columns if name not in dataset.columns]
    if unknown:
        raise AnalyticsError(
            f"The {dataset.name} dataset has no column {', '.join(map(repr, unknown))}. "
            f"Columns: {', '.join(dataset.columns)}."
        )
    return tuple(dict.fromkeys(columns)) or dataset.columns


def request_filters(db: Database, viewer: Viewer, request: ExportRequest) -> Filters:
    """The request's filters, checked against what its dataset accepts; a missing period is all data."""
    dataset = get_dataset(request.dataset)
    if request.segment and not dataset.accepts_segment:
        raise AnalyticsError(f"The {dataset.name} dataset cannot be filtered by segment; leave it empty.")
    if request.activity_types and not dataset.accepts_activity_types:
        accepting = [d.name for d in DATASETS.values() if d.accepts_activity_types]
        raise AnalyticsError(
            f"The {dataset.name} dataset cannot be filtered by activity type; "
            f"datasets that can: {', '.join(accepting)}."
        )
    unknown = sorted(set(request.options) - set(dataset.options))
    if unknown:
        allowed = ", ".join(dataset.options) or "none"
        raise AnalyticsError(
            f"The {dataset.name} dataset has no option {', '.join(map(repr, unknown))}. Options: {allowed}."
        )
    for name, value in request.options.items():
        kind, holds = OPTION_KINDS.get(name, TEXT_OPTION)
        if not holds(value):
            raise AnalyticsError(
                f"The {dataset.name} dataset's option {name!r} must be {kind}. Got {value!r}."
            )
    for key, value in request.segment:
        check_segment(key, value)
    start, end = request.start, request.end
    for name, day in (("start", start), ("end", end)):
        if day is not None:
            check_day(day, name)
    if start is None or end is None:
        span = data_days(db, viewer) or (today_in_zone(load_settings().reporting_timezone),) * 2
        start, end = start or span[0], end or span[1]
    return Filters(start=start, end=end, segment=request.segment, activity_types=request.activity_types)


def build_dataset(db: Database, viewer: Viewer, request: ExportRequest) -> tuple[Built, tuple[str, ...]]:
    """The request's rows (an ordered Ibis relation or a DataFrame) and the columns to write."""
    dataset = get_dataset(request.dataset)
    columns = chosen_columns(dataset, request.columns)
    filters = request_filters(db, viewer, request)
    period_given = request.start is not None or request.end is not None
    built = dataset.build(db, viewer, Scope(filters, period_given, dict(request.options)))
    if isinstance(built, pd.DataFrame):
        return built[list(columns)], columns
    ordered = built.order_by(*dataset.order_by) if dataset.order_by else built
    return ordered.select(*columns), columns
