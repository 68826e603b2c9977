"""Personal dashboards: charts pinned per account, with the filters and options to draw them again.

A pin stores how to draw a chart (its key in CHARTS, the Filters as a query dict, the chart's options),
never data, so a pinned chart always shows current figures. A rolling pin (saved while its period ended
on the last day with data) keeps its length and moves its end to the current last day with data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError, NotFoundError
from analytics.filters import Filters
from analytics.viewer import Viewer
from config.permissions import Permission

MAX_PINS = 50
MAX_TITLE_CHARS = 120
MAX_PARAMS_CHARS = 4000
PIN_COLUMNS = ["pin_id", "chart", "title", "params", "position", "created_at"]
PARAM_KEYS = {"filters", "rolling", "options"}


@dataclass(frozen=True)
class PinnableChart:
    """A chart that can be pinned: its default title, the permission to see it and its option names.

    A `per_user` chart shows the user in options["user"], so a member may pin it for themself;
    the others are product-wide and need VIEW_OTHER_USER_ANALYTICS too.
    """

    title: str
    permission: Permission
    options: tuple[str, ...] = ()
    per_user: bool = False


CHARTS = {
    "overview.kpis": PinnableChart("Headline figures", Permission.VIEW_USER_ENGAGEMENT),
    "overview.dau": PinnableChart("Daily active users", Permission.VIEW_USER_ENGAGEMENT),
    "engagement.retention": PinnableChart(
        "Retention",
        Permission.VIEW_USER_ENGAGEMENT,
        ("period", "cohort_mode", "start_event", "return_event", "return_mode", "window", "periods"),
    ),
    "engagement.lifecycle": PinnableChart("Lifecycle", Permission.VIEW_USER_ENGAGEMENT),
    "engagement.stickiness": PinnableChart(
        "Stickiness", Permission.VIEW_USER_ENGAGEMENT, ("period", "cumulative")
    ),
    "engagement.dau_mau": PinnableChart("DAU / MAU", Permission.VIEW_USER_ENGAGEMENT),
    "behaviour.heatmap": PinnableChart("Sessions by weekday and hour", Permission.VIEW_USER_BEHAVIOR),
    "performance.over_time": PinnableChart(
        "Performance over time", Permission.VIEW_USER_PERFORMANCE, ("metric", "breakdown")
    ),
    "forecasts.forecast": PinnableChart(
        "Forecast", Permission.VIEW_USER_TRENDS, ("metric", "horizon_days", "interval", "holidays_country")
    ),
    "users.activity": PinnableChart(
        "User activity", Permission.VIEW_USER_ANALYTICS, ("user",), per_user=True
    ),
    "users.peers": PinnableChart(
        "User against peers", Permission.VIEW_USER_ANALYTICS, ("user", "peer_group"), per_user=True
    ),
}
"""Every pinnable chart by registry key; ui/pins.py maps the same keys to the functions drawing them."""


def pin_params(filters: Filters, *, rolling: bool, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The params a pin stores: the filters' query dict, whether the period rolls, the chart's options."""
    return {"filters": filters.to_query(), "rolling": bool(rolling), "options": dict(options or {})}


def _saved_filters(params: dict[str, Any]) -> Filters:
    query = params.get("filters")
    if not isinstance(query, dict) or not {"start", "end"} <= set(query):
        raise AnalyticsError(f"A pin's filters must be a query dict with a start and an end. Got {query!r}.")
    return Filters.from_query(query, default_start=date.min, default_end=date.min)


def check_pin(viewer: Viewer, chart: str, params: dict[str, Any]) -> None:
    """Raise unless `params` can draw `chart` and the viewer may see it (members: their own charts only)."""
    if chart not in CHARTS:
        raise AnalyticsError(f"Unknown chart {chart!r}; pinnable charts are {', '.join(CHARTS)}.")
    spec = CHARTS[chart]
    if not isinstance(params, dict) or set(params) != PARAM_KEYS:
        raise AnalyticsError(
            f"A pin's params must have exactly the keys {sorted(PARAM_KEYS)}. Got {params!r}."
        )
    _saved_filters(params)
    options = params["options"]
    unknown = sorted(set(options) - set(spec.options)) if isinstance(options, dict) else None
    if unknown is None or unknown:
        raise AnalyticsError(
            f"The options of chart {chart!r} may be {', '.join(spec.options) or 'none'}. Got {options!r}."
        )
    size = len(json.dumps(params, sort_keys=True))
    if size > MAX_PARAMS_CHARS:
        raise AnalyticsError(
            f"A pin's params must be at most {MAX_PARAMS_CHARS} characters of JSON. Got {size}."
        )
    if spec.per_user:
        user = options.get("user")
        if not isinstance(user, str) or not user:
            raise AnalyticsError(f"Chart {chart!r} needs the option 'user' (a user_id). Got {user!r}.")
        viewer.require_user(user, spec.permission)
    else:
        viewer.require_aggregate(spec.permission)


def can_pin(viewer: Viewer, chart: str, params: dict[str, Any]) -> bool:
    """Whether `check_pin` passes (pages show the pin button only then)."""
    try:
        check_pin(viewer, chart, params)
    except AnalyticsError:
        return False
    return True


def add_pin(
    db: Database, viewer: Viewer, chart: str, params: dict[str, Any], *, title: str | None = None
) -> int:
    """Pin `chart` with `params` at the end of the viewer's dashboard; return its pin_id.

    Pinning the same chart with the same params again returns the existing pin.
    """
    check_pin(viewer, chart, params)
    title = (title or CHARTS[chart].title).strip()
    if not title or len(title) > MAX_TITLE_CHARS:
        raise AnalyticsError(f"A pin's title must be 1 to {MAX_TITLE_CHARS} characters. Got {title!r}.")
    text = json.dumps(params, sort_keys=True)
    with db.transaction(data_changed=False) as cursor:
        mine = cursor.execute(
            "SELECT pin_id, chart, params::VARCHAR FROM pins WHERE account = ?", [viewer.account]
        ).fetchall()
        for pin_id, pinned_chart, pinned_params in mine:
            if pinned_chart == chart and json.loads(pinned_params) == params:
                return int(pin_id)
        if len(mine) >= MAX_PINS:
            raise AnalyticsError(
                f"A dashboard holds at most {MAX_PINS} pins; remove one first. Got {len(mine)} already."
            )
        return int(
            cursor.execute(
                """INSERT INTO pins (account, chart, title, params, position, created_at)
                   SELECT ?, ?, ?, ?, coalesce(max(position) + 1, 0), ? FROM pins WHERE account = ?
                   RETURNING pin_id""",
                [viewer.account, chart, title, text, datetime.now(UTC).replace(tzinfo=None), viewer.account],
            ).fetchall()[0][0]
        )


def list_pins(db: Database, viewer: Viewer) -> pd.DataFrame:
    """The viewer's pins in dashboard order. Columns: PIN_COLUMNS (params as a dict)."""
    pins = db.query(
        """SELECT pin_id, chart, title, params::VARCHAR AS params, position, created_at
           FROM pins WHERE account = ? ORDER BY position, pin_id""",
        [viewer.account],
    )
    pins["params"] = pins["params"].map(json.loads)
    return pins[PIN_COLUMNS]


def move_pin(db: Database, viewer: Viewer, pin_id: int, direction: Literal["up", "down"]) -> None:
    """Swap the pin with the one above or below it (nothing at either end)."""
    if direction not in ("up", "down"):
        raise AnalyticsError(f"The 'direction' of move_pin must be 'up' or 'down'. Got {direction!r}.")
    with db.transaction(data_changed=False) as cursor:
        order = cursor.execute(
            "SELECT pin_id, position FROM pins WHERE account = ? ORDER BY position, pin_id", [viewer.account]
        ).fetchall()
        ids = [row[0] for row in order]
        if pin_id not in ids:
            raise _not_yours(viewer, pin_id)
        here = ids.index(pin_id)
        there = here - 1 if direction == "up" else here + 1
        if not 0 <= there < len(ids):
            return
        for (moved, _), (_, position) in ((order[here], order[there]), (order[there], order[here])):
            cursor.execute("UPDATE pins SET position = ? WHERE pin_id = ?", [position, moved])


def remove_pin(db: Database, viewer: Viewer, pin_id: int) -> None:
    """Delete one of the viewer's pins."""
    with db.transaction(data_changed=False) as cursor:
        gone = cursor.execute(
            "DELETE FROM pins WHERE pin_id = ? AND account = ? RETURNING pin_id", [pin_id, viewer.account]
        ).fetchall()
        if not gone:
            raise _not_yours(viewer, pin_id)


def _not_yours(viewer: Viewer, pin_id: int) -> AnalyticsError:
    return NotFoundError(f"Account {viewer.account!r} has no pin with pin_id {pin_id!r}.")


def pinned_filters(params: dict[str, Any], *, last_day: date | None) -> Filters:
    """The filters to draw a pin with: as saved, or for a rolling pin as long but ending on `last_day`."""
    saved = _saved_filters(params)
    if params.get("rolling") and last_day is not None:
        return replace(saved, start=last_day - timedelta(days=saved.days - 1), end=last_day)
    return saved
