"""The `recommendations` table: write a batch, read a user's, and mark one done or dismissed.

A batch replaces the user's *open* recommendations of the same model version; done and dismissed ones
stay as the user's history (and dismissed items are not proposed again). `read_recommendations` is a
cheap indexed-size query: pages should call it directly rather than cache it, so a status change shows
at once.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

import duckdb
import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError, NotFoundError
from analytics.viewer import Viewer
from config.permissions import Permission

MODEL_VERSION = "recommend-1"
OPEN, DONE, DISMISSED = "open", "done", "dismissed"
STATUSES = (OPEN, DONE, DISMISSED)
STORED_COLUMNS = [
    "recommendation_id",
    "user_id",
    "recommendation_type",
    "item",
    "reason",
    "priority_score",
    "actionable_items",
    "status",
    "model_version",
    "created_at",
    "status_changed_at",
]


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise AnalyticsError(f"The status must be one of {', '.join(STATUSES)}. Got {status!r}.")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def prepare(frame: pd.DataFrame, *, model_version: str = MODEL_VERSION) -> pd.DataFrame:
    """`frame` (user_id, recommendation_type, item, reason, priority_score, actionable_items as lists of
    strings) with a new recommendation_id, model_version and created_at (now, UTC) added.
    """
    prepared = frame.copy()
    batch = secrets.token_hex(8)  # a random prefix per batch and a counter: unique, and cheap for millions
    prepared.insert(0, "recommendation_id", [f"{batch}{number:08x}" for number in range(len(prepared))])
    prepared["model_version"] = model_version
    prepared["created_at"] = _now()
    return prepared


def write_recommendations(
    cursor: duckdb.DuckDBPyConnection, prepared: pd.DataFrame, *, user_ids: list[str]
) -> int:
    """Replace the open recommendations of `user_ids` of each model version in `prepared` with its rows.

    Runs inside the caller's transaction; `prepared` comes from `prepare`. Returns the rows written.
    Callers check GENERATE_RECOMMENDATIONS.
    """
    rows = prepared.assign(actionable_items=_json_texts(prepared["actionable_items"]))[
        [
            "recommendation_id",
            "user_id",
            "recommendation_type",
            "item",
            "reason",
            "priority_score",
            "actionable_items",
            "model_version",
            "created_at",
        ]
    ]
    targets = pd.DataFrame({"user_id": pd.Series(list(dict.fromkeys(user_ids)), dtype=object)})
    cursor.register("recommendation_targets", targets)
    cursor.register("new_recommendations", rows)
    for version in sorted(set(rows["model_version"])) or [MODEL_VERSION]:
        cursor.execute(
            "DELETE FROM recommendations WHERE status = ? AND model_version = ? "
            "AND user_id IN (SELECT user_id FROM recommendation_targets)",
            [OPEN, version],
        )
    cursor.execute(
        "INSERT INTO recommendations (recommendation_id, user_id, recommendation_type, item, reason, "
        "priority_score, actionable_items, status, model_version, created_at) "
        "SELECT recommendation_id, user_id, recommendation_type, item, reason, priority_score, "
        "actionable_items::JSON, ?, model_version, created_at FROM new_recommendations",
        [OPEN],
    )
    cursor.unregister("new_recommendations")
    cursor.unregister("recommendation_targets")
    return len(rows)


def _json_texts(lists: pd.Series) -> list[str]:
    """Each list of strings as JSON text, encoding each distinct list once."""
    texts: dict[tuple[str, ...], str] = {}
    found = []
    for steps in lists:
        key = tuple(steps)
        text = texts.get(key)
        if text is None:
            text = texts[key] = json.dumps(list(steps))
        found.append(text)
    return found


def dismissed_items(db: Database, user_ids: list[str]) -> pd.DataFrame:
    """(user_id, recommendation_type, item) the users dismissed, of any model version."""
    targets = pd.DataFrame({"user_id": pd.Series(list(dict.fromkeys(user_ids)), dtype=object)})
    cursor = db.cursor()
    cursor.register("dismissal_targets", targets)
    return cursor.execute(
        "SELECT DISTINCT user_id, recommendation_type, item FROM recommendations "
        "WHERE status = ? AND user_id IN (SELECT user_id FROM dismissal_targets)",
        [DISMISSED],
    ).df()


def read_recommendations(
    db: Database, viewer: Viewer, *, user_id: str, status: str | None = None
) -> pd.DataFrame:
    """The user's recommendations (of one status, or all): open first, then by priority, newest first.

    Columns: STORED_COLUMNS; actionable_items is a list of strings.
    """
    viewer.require_user(user_id, Permission.VIEW_RECOMMENDATIONS)
    if status is not None:
        _check_status(status)
    found = db.query(
        f"SELECT {', '.join(STORED_COLUMNS)} FROM recommendations "
        "WHERE user_id = ? AND (? IS NULL OR status = ?) "
        "ORDER BY status = 'open' DESC, priority_score DESC, created_at DESC, recommendation_id",
        [user_id, status, status],
    )
    found["actionable_items"] = found["actionable_items"].map(lambda text: json.loads(text) if text else [])
    return found


def set_recommendation_status(db: Database, viewer: Viewer, recommendation_id: str, status: str) -> None:
    """Mark a recommendation open, done or dismissed (its user, or GENERATE_RECOMMENDATIONS holders).

    status_changed_at is set to now (UTC).
    """
    viewer.require(Permission.VIEW_RECOMMENDATIONS)
    _check_status(status)
    owner = db.scalar("SELECT user_id FROM recommendations WHERE recommendation_id = ?", [recommendation_id])
    if owner is None:
        raise NotFoundError(f"No recommendation has the id {recommendation_id!r}.")
    if owner != viewer.user_id:
        viewer.require(Permission.GENERATE_RECOMMENDATIONS)
    # A status is the user's bookkeeping: no dashboard figure depends on it, so caches stay valid.
    with db.transaction(data_changed=False) as cursor:
        cursor.execute(
            "UPDATE recommendations SET status = ?, status_changed_at = ? WHERE recommendation_id = ?",
            [status, _now(), recommendation_id],
        )
