"""Users' verdicts on alerts (useful or noise), and the precision of alerting they add up to."""

from __future__ import annotations

from datetime import UTC, datetime

from analytics.db import Database
from analytics.errors import AnalyticsError, NotFoundError
from analytics.viewer import Viewer
from config.permissions import Permission

VERDICTS = ("useful", "noise")


def mark_alert(db: Database, viewer: Viewer, alert_id: str, verdict: str | None) -> None:
    """Record `verdict` (useful, noise, or None to clear it) on an alert, with who gave it and when."""
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    if verdict is not None and verdict not in VERDICTS:
        raise AnalyticsError(
            f"An alert's feedback must be one of {', '.join(VERDICTS)} or empty. Got {verdict!r}."
        )
    with db.transaction(data_changed=False) as cursor:
        if not cursor.execute("SELECT count(*) FROM alerts WHERE alert_id = ?", [alert_id]).fetchall()[0][0]:
            raise NotFoundError(f"There is no alert {alert_id!r}.")
        cursor.execute(
            "UPDATE alerts SET feedback = ?, feedback_by = ?, feedback_at = ? WHERE alert_id = ?",
            [verdict, viewer.account if verdict else None, _now() if verdict else None, alert_id],
        )


def alert_precision(db: Database, viewer: Viewer) -> dict[str, float | int | None]:
    """How many alerts users judged and the share judged useful.

    Keys: alerts (all), judged, useful, noise, precision (useful / judged; None before any verdict).
    """
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    alerts, useful, noise = db.rows(
        "SELECT count(*), count(*) FILTER (feedback = 'useful'), count(*) FILTER (feedback = 'noise') FROM alerts"
    )[0]
    judged = useful + noise
    return {
        "alerts": alerts,
        "judged": judged,
        "useful": useful,
        "noise": noise,
        "precision": useful / judged if judged else None,
    }


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
