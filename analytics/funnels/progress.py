"""How far each user got through a funnel: the time each step was reached, per order mode, in one SQL query.

A user enters at their first event of step 1 within the period; events are ordered by timestamp, then
event_id, so ties are broken the same way every time. Only events in [entry, entry + window] count.
- strict: step k must be the user's (k-1)-th event after the entry, counting events of every type.
- sequential: step k is the first event of its type after the event that matched step k-1 (the greedy
  earliest match; other events may happen in between).
- any: step k is reached once steps 2..k have each happened after the entry, in any order; a type named
  twice among the steps needs two events. It is reached at the latest of those events.
A step is only reached when every earlier one is.

Why SQL text rather than Ibis: the Ibis expression for these queries takes 70-270 ms to compile, more
than the query itself. The consent and segment filters still come from Ibis (`analysable`,
`segment_filter`), compiled on their own (a few ms); every option value is a `$name` parameter, and the
only text generated here is the CTE per step of the sequential chain, numbered from the step count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import ibis
import ibis.expr.types as ir

from analytics.errors import AnalyticsError
from analytics.filters import SEGMENT_KEYS_HELP, USER_COLUMNS, Filters, segment_filter
from analytics.funnels.scope import period_bounds
from analytics.json_fields import json_text
from analytics.schema import EVENTS, USERS, analysable

ORDERS = ("strict", "sequential", "any")
MIN_STEPS, MAX_STEPS = 2, 10
MAX_WINDOW_S = 90 * 86_400
NO_VALUE = "(none)"
_ATTRIBUTE_KEY = re.compile(r"^attr\.([A-Za-z0-9_]{1,64})$")


@dataclass(frozen=True)
class FunnelSpec:
    """The validated question: steps, conversion window (seconds), order mode and breakdown key."""

    steps: tuple[str, ...]
    window_s: int
    order: str
    breakdown: str | None = None


def check_spec(
    function: str, steps: list[str], window_s: int, order: str, breakdown: str | None, known: list[str]
) -> FunnelSpec:
    """Validate the funnel options against the activity types present in the data."""
    if not isinstance(steps, list | tuple) or not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise AnalyticsError(
            f"The 'steps' option of {function} must be a list of {MIN_STEPS} to {MAX_STEPS} activity types. "
            f"Got {steps!r}."
        )
    unknown = [step for step in steps if step not in known]
    if unknown:
        raise AnalyticsError(
            f"The 'steps' option of {function} names unknown activity types {unknown}; "
            f"known: {', '.join(known) or 'none (no events yet)'}."
        )
    if isinstance(window_s, bool) or not isinstance(window_s, int) or not 1 <= window_s <= MAX_WINDOW_S:
        raise AnalyticsError(
            f"The 'window_s' option of {function} must be an int of seconds in [1, {MAX_WINDOW_S:,}] "
            f"(90 days). Got {window_s!r}."
        )
    if order not in ORDERS:
        raise AnalyticsError(
            f"The 'order' option of {function} must be one of {', '.join(map(repr, ORDERS))}. Got {order!r}."
        )
    if breakdown is not None:
        breakdown_value(breakdown)
    return FunnelSpec(tuple(steps), window_s, order, breakdown)


def breakdown_value(key: str) -> ir.StringValue:
    """The users-table expression for a breakdown key (as in segments), missing values as '(none)'."""
    if key in USER_COLUMNS:
        value = USERS[key]
    elif key == "signup_cohort":
        value = USERS.signup_at.strftime("%Y-%m")
    elif match := _ATTRIBUTE_KEY.match(str(key)):
        value = json_text(USERS.attributes, match.group(1))
    else:
        raise AnalyticsError(
            f"The 'breakdown' option must be None or one of {SEGMENT_KEYS_HELP}. Got {key!r}."
        )
    return value.fill_null(NO_VALUE)


def _compiled(expr: ir.Table) -> str:
    return ibis.to_sql(expr, dialect="duckdb")


_ENTRIES = """
entries AS MATERIALIZED (
    SELECT user_id, min(timestamp) AS entered_at, arg_min(event_id, (timestamp, event_id)) AS entry_id,
           min(timestamp) + to_seconds($window_s) AS closes_at
    FROM audience
    WHERE timestamp >= $low AND timestamp < $high AND activity_type = $steps[1]
    GROUP BY user_id
),
scoped AS {materialized} (
    SELECT e.user_id, e.event_id, e.activity_type, e.timestamp
    FROM events e JOIN entries n ON e.user_id = n.user_id
    WHERE e.timestamp >= $low AND e.timestamp < $high + to_seconds($window_s)
      AND (e.timestamp > n.entered_at OR (e.timestamp = n.entered_at AND e.event_id >= n.entry_id))
      AND e.timestamp <= n.closes_at {step_types}
)"""

_STRICT = """
matched AS (
    SELECT user_id, rn AS step, timestamp
    FROM (
        SELECT user_id, activity_type, timestamp,
               row_number() OVER (PARTITION BY user_id ORDER BY timestamp, event_id) AS rn
        FROM scoped
        QUALIFY rn <= array_length($steps)
    )
    WHERE activity_type = $steps[rn]
)"""

_ANY = """
wanted AS (
    SELECT step, activity_type, row_number() OVER (PARTITION BY activity_type ORDER BY step) AS occurrence
    FROM (SELECT $steps[step] AS activity_type, step FROM (SELECT unnest(range(1, array_length($steps) + 1)) AS step))
),
earliest AS (
    SELECT user_id, activity_type, min(timestamp, $most_repeats) AS times FROM scoped GROUP BY ALL
),
matched AS (
    SELECT f.user_id, w.step, f.times[w.occurrence] AS timestamp
    FROM earliest f JOIN wanted w ON f.activity_type = w.activity_type
    WHERE array_length(f.times) >= w.occurrence
)"""

_PREFIX = """
reached AS (
    SELECT user_id, step, reached_at FROM (
        SELECT user_id, step,
               max(timestamp) OVER (PARTITION BY user_id ORDER BY step) AS reached_at,
               count(*) OVER (PARTITION BY user_id ORDER BY step) AS steps_so_far
        FROM matched
    )
    WHERE steps_so_far = step
)"""

_SEQUENTIAL_STEP = """
s{number} AS MATERIALIZED (
    SELECT p.user_id, min(w.timestamp) AS reached_at, arg_min(w.event_id, (w.timestamp, w.event_id)) AS event_id
    FROM s{previous} p JOIN scoped w ON w.user_id = p.user_id
        AND (w.timestamp > p.reached_at OR (w.timestamp = p.reached_at AND w.event_id > p.event_id))
    WHERE w.activity_type = $steps[{number}]
    GROUP BY p.user_id
)"""


def _sequential(spec: FunnelSpec) -> str:
    parts = ["s1 AS (SELECT user_id, entered_at AS reached_at, entry_id AS event_id FROM entries)"]
    parts += [
        _SEQUENTIAL_STEP.format(number=number, previous=number - 1)
        for number in range(2, len(spec.steps) + 1)
    ]
    union = " UNION ALL ".join(
        f"SELECT user_id, {number} AS step, reached_at FROM s{number}"
        for number in range(1, len(spec.steps) + 1)
    )
    return ",\n".join([*parts, f"reached AS ({union})"])


def progress_query(
    filters: Filters, spec: FunnelSpec, zone: str, now: datetime
) -> tuple[str, dict[str, object]]:
    """SQL and parameters for one row per (entered user, step reached).

    Columns: user_id, segment (breakdown value, or None), entered_at, open (the conversion window has not
    closed at `now`), step (1-based), reached_at.
    """
    low, high = period_bounds(filters, zone)
    audience = segment_filter(
        analysable(EVENTS.select("user_id", "event_id", "activity_type", "timestamp")), filters
    )
    ctes = [f"audience AS ({_compiled(audience)})"]
    ctes.append(
        _ENTRIES.format(
            materialized="MATERIALIZED" if spec.order == "sequential" else "",
            step_types="" if spec.order == "strict" else "AND list_contains($steps, e.activity_type)",
        )
    )
    if spec.order == "sequential":
        ctes.append(_sequential(spec))
    else:
        ctes += [_STRICT if spec.order == "strict" else _ANY, _PREFIX]
    segment = "NULL::VARCHAR"
    if spec.breakdown is not None:
        users = USERS.select("user_id", segment=breakdown_value(spec.breakdown))
        ctes.append(f"segments AS ({_compiled(users)})")
        segment = f"coalesce(b.segment, '{NO_VALUE}')"
    joined = "LEFT JOIN segments b ON b.user_id = r.user_id" if spec.breakdown is not None else ""
    sql = (
        "WITH "
        + ",\n".join(ctes)
        + f"""
        SELECT r.user_id, {segment} AS segment, n.entered_at, n.closes_at > $now AS open, r.step, r.reached_at
        FROM reached r JOIN entries n ON n.user_id = r.user_id {joined}"""
    )
    params: dict[str, object] = {
        "steps": list(spec.steps),
        "window_s": spec.window_s,
        "low": low,
        "high": high,
        "now": now,
    }
    if spec.order == "any":
        params["most_repeats"] = max(spec.steps.count(step) for step in spec.steps)
    return sql, params
