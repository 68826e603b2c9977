"""The pandas baseline's data: the events loaded once into a DataFrame, and helpers the page versions share.

`load(db)` is what `bench.pages` times separately (once per data set); `differences` compares a pandas
result with the analytics result of the same name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.engagement.activity import ANCHOR_MONDAY
from analytics.filters import Filters
from analytics.periods import local_midnight_utc
from config.settings import load_settings

ONE_DAY = timedelta(days=1)
UNORDERED = ("top_movers",)
"""Results whose row order is not defined among ties (the analytics sort equal changes in any order)."""
KEY_SPAN = 1 << 24
"""uid × KEY_SPAN + period index: one int64 per (user, period), for fast set membership."""

EVENTS_SQL = """
SELECT user_id, activity_type, timestamp, session_id,
       TRY_CAST(v[1] AS DOUBLE) AS duration_s, TRY_CAST(v[2] AS DOUBLE) AS accuracy,
       TRY_CAST(v[3] AS DOUBLE) AS score, TRY_CAST(v[4] AS BOOLEAN) AS completed,
       TRY_CAST(v[5] AS INTEGER) AS level, v[6] AS feature
FROM (
    SELECT *, json_extract_string(
        properties, ['$.duration_s', '$.accuracy', '$.score', '$.completed', '$.level', '$.feature']
    ) AS v
    FROM events
    WHERE user_id NOT IN (SELECT user_id FROM users WHERE NOT consent_analytics)
)
ORDER BY user_id, timestamp, event_id
"""
"""Events of users who have not withdrawn consent, the properties the pages use as typed columns, in
(user, time, event id) order: row order is event order, so the event id itself is not loaded."""


@dataclass(frozen=True)
class Frames:
    """The events of users who have not withdrawn consent, loaded once.

    events columns: user_id, activity_type, timestamp (naive UTC), session_id, duration_s,
    accuracy, score, completed, level, feature, local (reporting-zone wall clock), day (its midnight),
    uid (user number, in user_id order), sid (session number, -1 without a session id).
    users: country, plan, platform of each uid (index), from the users table.
    """

    events: pd.DataFrame
    user_ids: np.ndarray
    users: pd.DataFrame
    zone: str


@dataclass(frozen=True)
class PageView:
    """What a page shows on first load: the sidebar's default filters and the day its data ends."""

    filters: Filters
    first_day: date
    today: date
    now: datetime

    @classmethod
    def default(cls, first_day: date, last_day: date, *, now: datetime | None = None) -> PageView:
        """The last 28 days ending on `last_day`, grain day; 'today' is the day after (the pages' rule)."""
        start = max(first_day, last_day - timedelta(days=27))
        moment = now or datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
        return cls(Filters(start=start, end=last_day), first_day, last_day + ONE_DAY, moment)


def load(db: Database) -> Frames:
    """Read the events (DuckDB parses the JSON properties, leaves out withdrawn users and sorts) and the users."""
    events = db.query(EVENTS_SQL)
    zone = load_settings().reporting_timezone
    if zone == "UTC":
        events["local"] = events["timestamp"]
    else:
        events["local"] = events["timestamp"].dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
    events["day"] = events["local"].dt.floor("D")
    codes, user_ids = pd.factorize(events["user_id"])
    events["uid"] = codes
    events["sid"] = events.groupby(["uid", "session_id"], sort=False).ngroup()
    users = db.query("SELECT user_id, country, plan, platform FROM users").set_index("user_id")
    users = users.reindex(user_ids).reset_index(drop=True)
    return Frames(events, np.asarray(user_ids), users, zone)


def data_days(frames: Frames) -> tuple[date, date] | None:
    """First and last day with events."""
    days = frames.events["day"]
    return None if days.empty else (days.min().date(), days.max().date())


def at(day: date) -> pd.Timestamp:
    """A day as the Timestamp the `day` column holds."""
    return pd.Timestamp(day)


def between(days: pd.Series, first: date, last: date) -> pd.Series:
    """Rows whose day lies in [first, last]."""
    return (days >= at(first)) & (days <= at(last))


def period_index(days: pd.Series, grain: str) -> pd.Series:
    """analytics.engagement.activity.period_index for a column of days."""
    if grain == "month":
        return days.dt.year * 12 + days.dt.month - 1
    number = (days - at(ANCHOR_MONDAY)).dt.days
    return number if grain == "day" else number // 7


def user_days(events: pd.DataFrame) -> pd.DataFrame:
    """Distinct (uid, day) rows, in order (the events are sorted by user and time)."""
    uid, day = events["uid"], events["day"]
    first = (uid != uid.shift()) | (day != day.shift())
    return events.loc[first, ["uid", "day"]].reset_index(drop=True)


def first_days(days: pd.DataFrame) -> pd.DataFrame:
    """Each user's first active day (uid, day), from `user_days`."""
    return days[days["uid"] != days["uid"].shift()].reset_index(drop=True)


def rolling_active(days: pd.DataFrame, first: date, last: date, *, window_days: int) -> pd.DataFrame:
    """For each day first..last: dau, and `active` = users active in the `window_days` ending that day."""
    picked = days[between(days["day"], first - (window_days - 1) * ONE_DAY, last)]
    rows = []
    for day in pd.date_range(at(first), at(last), freq="D"):
        window = (picked["day"] > day - window_days * ONE_DAY) & (picked["day"] <= day)
        rows.append((day.date(), int((picked["day"] == day).sum()), picked.loc[window, "uid"].nunique()))
    return pd.DataFrame(rows, columns=["day", "dau", "active"])


def session_table(events: pd.DataFrame, low: datetime, high: datetime) -> pd.DataFrame:
    """Sessions started in [low, high) (naive UTC), with the columns the sessions rollup computes."""
    keyed = events[events["sid"] >= 0]
    started = keyed.groupby("sid")["timestamp"].min()
    rows = keyed[keyed["sid"].isin(started.index[(started >= low) & (started < high)])]
    grouped = rows.groupby("sid")
    frame = grouped.agg(
        user_id=("user_id", "first"),
        uid=("uid", "first"),
        started_at=("timestamp", "min"),
        ended_at=("timestamp", "max"),
        event_count=("timestamp", "size"),
        feature_count=("feature", "nunique"),
    )
    frame["exercise_count"] = (rows["activity_type"] == "exercise").groupby(rows["sid"]).sum()
    frame["lesson_count"] = (rows["activity_type"] == "lesson").groupby(rows["sid"]).sum()
    timed = rows[rows["duration_s"].notna()]
    last_duration_s = timed.groupby("sid")["duration_s"].last().reindex(frame.index).fillna(0.0)
    span_s = ((frame["ended_at"] - frame["started_at"]) // pd.Timedelta(milliseconds=1)) / 1000.0
    frame["duration_s"] = np.maximum(span_s, last_duration_s)
    return frame


def local_start(frames: Frames, sessions: pd.DataFrame) -> pd.Series:
    """The reporting-zone wall-clock start of each session."""
    started = sessions["started_at"]
    if frames.zone == "UTC":
        return started
    return started.dt.tz_localize("UTC").dt.tz_convert(frames.zone).dt.tz_localize(None)


def day_bounds(frames: Frames, first: date, last: date) -> tuple[datetime, datetime]:
    """The naive-UTC instants [low, high) of the reporting-zone days first..last."""
    return local_midnight_utc(first, frames.zone), local_midnight_utc(last + ONE_DAY, frames.zone)


def differences(expected: Any, got: Any, *, path: str = "", rtol: float = 1e-6) -> list[str]:
    """Where `got` (a pandas result) differs from `expected` (an analytics result); empty when they agree.

    A dict in `got` is compared key by key with the items or attributes of `expected` of those names.
    """
    if isinstance(got, dict):
        found = []
        for key, value in got.items():
            other = expected[key] if isinstance(expected, dict) else getattr(expected, key)
            found += differences(other, value, path=f"{path}.{key}".lstrip("."), rtol=rtol)
        return found
    if dataclasses.is_dataclass(expected) and not isinstance(expected, type):
        names = [field.name for field in dataclasses.fields(expected)]
        return differences(expected, {name: getattr(got, name) for name in names}, path=path, rtol=rtol)
    if isinstance(expected, pd.DataFrame):
        if path.rsplit(".", 1)[-1] in UNORDERED:
            expected, got = (frame.sort_values(list(frame.columns)) for frame in (expected, got))
        try:
            pd.testing.assert_frame_equal(
                expected.reset_index(drop=True),
                got.reset_index(drop=True),
                check_dtype=False,
                check_index_type=False,
                rtol=rtol,
            )
        except AssertionError as exc:
            return [f"{path}: {' '.join(str(exc).split())[:300]}"]
        return []
    if isinstance(expected, float) or isinstance(got, float):
        same = (expected is None and got is None) or (
            expected is not None and got is not None and bool(np.isclose(expected, got, rtol=rtol))
        )
        return [] if same else [f"{path}: {expected!r} != {got!r}"]
    return [] if expected == got else [f"{path}: {expected!r} != {got!r}"]
