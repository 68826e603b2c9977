"""Metric specs: the small language forecasts, anomalies, alerts and the API use to name a time series.

`events`, `active_users`, `new_users`, `sessions`, `count:ACTIVITY`, `users:ACTIVITY`, `ratio:A/B` and
`avg:PROPERTY`. Activity and property names are checked against a strict pattern and only ever reach
the database as Ibis values, never as SQL text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from analytics.errors import AnalyticsError

MetricKind = Literal["events", "active_users", "new_users", "sessions", "count", "users", "ratio", "avg"]
PLAIN_KINDS: tuple[MetricKind, ...] = ("events", "active_users", "new_users", "sessions")
COUNT_KINDS: tuple[MetricKind, ...] = ("events", "active_users", "new_users", "sessions", "count", "users")
ROLLUP_PROPERTIES = ("accuracy", "score")
"""Properties whose per-day sums and counts are kept in user_daily (`avg:` reads the rollup for these)."""

METRIC_HELP = (
    "events, active_users, new_users, sessions, count:ACTIVITY, users:ACTIVITY, ratio:A/B "
    "(count of activity A over count of activity B) or avg:PROPERTY (mean of a numeric event property); "
    "names use letters, digits, _ . - only"
)
COMMON_METRICS = (
    "events",
    "active_users",
    "new_users",
    "sessions",
    "count:exercise",
    "users:lesson",
    "ratio:exercise/lesson",
    "avg:accuracy",
    "avg:score",
)
"""Specs worth offering in pickers (they fit the demo data; any valid spec works)."""

_NAME = re.compile(r"^(?=.{1,64}$)[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")


@dataclass(frozen=True)
class MetricSpec:
    """A parsed metric: its kind and the activity types or property it names."""

    kind: MetricKind
    activity: str | None = None
    denominator: str | None = None
    property_name: str | None = None

    @property
    def text(self) -> str:
        """The canonical spec text (parse_metric(spec.text) == spec)."""
        if self.kind in PLAIN_KINDS:
            return self.kind
        if self.kind == "ratio":
            return f"ratio:{self.activity}/{self.denominator}"
        if self.kind == "avg":
            return f"avg:{self.property_name}"
        return f"{self.kind}:{self.activity}"

    @property
    def is_count(self) -> bool:
        """True for counts (periods without data are 0); ratios and means are NaN there instead."""
        return self.kind in COUNT_KINDS

    def __str__(self) -> str:
        return self.text


def _name(text: str, part: str, spec: str) -> str:
    if not _NAME.match(part):
        raise AnalyticsError(
            f"The metric {spec!r} names {text} {part!r}, which is not allowed: names use letters, digits, "
            f"_ . - only (1-64 characters). Metrics: {METRIC_HELP}."
        )
    return part


def parse_metric(text: str) -> MetricSpec:
    """Parse a metric spec such as 'events', 'count:lesson', 'ratio:exercise/lesson' or 'avg:accuracy'."""
    spec = (text or "").strip()
    if spec in PLAIN_KINDS:
        return MetricSpec(kind=spec)
    kind, sep, rest = spec.partition(":")
    if not sep or kind not in ("count", "users", "ratio", "avg"):
        raise AnalyticsError(f"Unknown metric {text!r}. Metrics: {METRIC_HELP}.")
    if kind == "ratio":
        numerator, slash, denominator = rest.partition("/")
        if not slash:
            raise AnalyticsError(f"The metric {text!r} must look like ratio:A/B. Metrics: {METRIC_HELP}.")
        return MetricSpec(
            kind="ratio",
            activity=_name("activity", numerator, spec),
            denominator=_name("activity", denominator, spec),
        )
    if kind == "avg":
        return MetricSpec(kind="avg", property_name=_name("property", rest, spec))
    return MetricSpec(kind=kind, activity=_name("activity", rest, spec))
