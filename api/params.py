"""Query parameters every analytics endpoint shares: the filters, whose data is asked for, and the audit.

Paths without a user id mean "me" for members (their linked user) and "the whole product" for roles
that may see other users; `?user_id=` (or a path segment) names one user explicitly. Whether the
viewer may see that user is decided by the analytics function called, which raises PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date, timedelta
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request

from analytics import audit
from analytics.db import Database
from analytics.errors import AnalyticsError, ValidationError
from analytics.filters import SEGMENT_KEYS_HELP, Filters, check_day
from analytics.overview import data_days
from analytics.periods import today_in_zone
from analytics.viewer import SYSTEM, Viewer
from api.cache import RESPONSES
from api.deps import DatabaseDep
from config.permissions import Permission
from config.settings import load_settings

DEFAULT_PERIOD_DAYS = 28
API_SOURCE = "api"
Result = TypeVar("Result")
USER_ID_HELP = "One user's id; members may name only their own. Leave out for 'me' (members) or the product."


def default_period(db: Database) -> tuple[date, date]:
    """The 28 days ending on the last day with data (today when there is none), like the dashboards."""

    def compute() -> tuple[date, date]:
        # Only the span's last day is used, and GET /analytics/health tells it to anyone already.
        span = data_days(db, SYSTEM)
        last = span[1] if span else today_in_zone(load_settings().reporting_timezone)
        first = span[0] if span else last
        return max(first, last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)), last

    return RESPONSES.get_or_compute(db, ("default_period",), compute)


def query_filters(
    db: DatabaseDep,
    start: Annotated[
        str | None,
        Query(description="First day (YYYY-MM-DD, reporting time zone); default: 28 days before end."),
    ] = None,
    end: Annotated[
        str | None, Query(description="Last day, included; default: the last day with data.")
    ] = None,
    grain: Annotated[str | None, Query(description="day (default), week or month.")] = None,
    segment: Annotated[
        str | None, Query(description=f"Users matching KEY=VALUE[,KEY=VALUE...]; keys: {SEGMENT_KEYS_HELP}.")
    ] = None,
    activity: Annotated[str | None, Query(description="Activity types to count, comma-separated.")] = None,
) -> Filters:
    """The request's filters; a bad value is a 422 whose message says what is allowed."""
    raw = {"start": start, "end": end, "grain": grain, "segment": segment, "activity": activity}
    given = {name: value for name, value in raw.items() if value is not None}
    default_start, default_end = default_period(db)
    if end is not None and start is None:
        default_start = _day_or_default(end, default_end) - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start is not None and end is None:
        default_end = max(default_end, _day_or_default(start, default_end))
    try:
        return Filters.from_query(given, default_start=default_start, default_end=default_end)
    except AnalyticsError as exc:
        named = [name for name in given if name in str(exc)] or ["query"]
        problems = [
            {"field": name if name == "query" else f"query.{name}", "reason": str(exc)} for name in named
        ]
        raise ValidationError(str(exc), problems) from exc


def _day_or_default(text: str, default: date) -> date:
    try:
        return check_day(date.fromisoformat(text), "day")
    except ValueError:  # AnalyticsError included
        return default  # Filters.from_query reports the bad value


def subject(viewer: Viewer, user_id: str | None) -> str | None:
    """Whose data a request is about: `user_id` if named, else None (the product) or the member's own id."""
    if user_id is not None:
        return user_id
    if viewer.user_id is None or viewer.can(Permission.VIEW_OTHER_USER_ANALYTICS):
        return None
    return viewer.user_id


def audit_view(db: Database, viewer: Viewer, user_ids: list[str], request: Request) -> None:
    """Record that `viewer` read other users' data through the API: one "view_user" record per request.

    Nothing is written for one's own data or product-wide figures. The target is the user's id, or
    "N users" with the ids in the detail.
    """
    others = [user_id for user_id in dict.fromkeys(user_ids) if user_id != viewer.user_id]
    if not others:
        return
    detail: dict[str, object] = {"view": f"api {request.method} {request.url.path}"}
    if len(others) > 1:
        detail["user_ids"] = others
    target = others[0] if len(others) == 1 else f"{len(others)} users"
    audit.log(db, viewer.account, "view_user", target=target, detail=detail, source=API_SOURCE)


FiltersDep = Annotated[Filters, Depends(query_filters)]
UserIdQuery = Annotated[str | None, Query(description=USER_ID_HELP, min_length=1, max_length=200)]


def refuse_filters(filters: Filters, *, segment: bool = False, activity: bool = False, endpoint: str) -> None:
    """422 when the request narrows by a filter the endpoint's figures do not honour (better than ignoring it)."""
    unsupported = [
        (name, given)
        for name, given, allowed in (
            ("segment", filters.segment, segment),
            ("activity", filters.activity_types, activity),
        )
        if given and not allowed
    ]
    if unsupported:
        names = " and ".join(name for name, _ in unsupported)
        message = f"{endpoint} cannot be filtered by {names}; leave the {names} parameter out."
        raise ValidationError(
            message, [{"field": f"query.{name}", "reason": message} for name, _ in unsupported]
        )


def answer(
    db: Database,
    viewer: Viewer,
    request: Request,
    user_id: str | None,
    *,
    product: Callable[[], Result],
    user: Callable[[str], Result] | None,
    key: Hashable,
    user_audited: bool = False,
) -> Result:
    """The product-wide answer (cached per role and data version) or one user's.

    A look at another user's data is audited here unless `user_audited` says the user variant's
    analytics functions record it themselves (analytics.users does). Without a `user` variant the
    product-wide one is called, whose permission check refuses members.
    """
    who = subject(viewer, user_id)
    if who is None or user is None:
        return RESPONSES.get_or_compute(db, (key, viewer.role), product)
    result = user(who)
    if not user_audited:
        audit_view(db, viewer, [who], request)
    return result
