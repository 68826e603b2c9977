"""Every dataset against hand-counted rows of the small fixture; filters, columns and their messages."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from analytics.errors import AnalyticsError, PermissionDenied
from analytics.export import DATASETS, ExportRequest
from analytics.export.run import open_reader
from analytics.viewer import SYSTEM, Viewer

MAY_1, MAY_2, MAY_3 = date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)


def rows(db, request: ExportRequest, viewer: Viewer = SYSTEM) -> pa.Table:
    reader, _ = open_reader(db, viewer, request)
    return reader.read_all()


@pytest.mark.parametrize(
    ("request_", "count"),
    [
        (ExportRequest("events"), 8),  # e9 belongs to di-004, who withdrew consent
        (ExportRequest("events", start=MAY_2, end=MAY_2), 3),  # e3, e6, e7
        (ExportRequest("events", activity_types=("lesson",)), 3),  # e2, e5, e7
        (ExportRequest("events", segment=(("plan", "free"),)), 5),  # bo and cy: e4-e8
        (ExportRequest("users"), 3),
        (ExportRequest("users", start=MAY_1, end=MAY_1), 1),  # bo-002 signed up on 1 May
        (ExportRequest("sessions"), 6),  # s1-s6
        (ExportRequest("sessions", segment=(("country", "FR"),)), 2),  # bo's s3, s4
        (ExportRequest("daily_metrics"), 3),  # 1-3 May
        (ExportRequest("retention", options={"periods": 2}), 2),  # one weekly cohort, periods 0 and 1
        (ExportRequest("funnel", options={"steps": ["signup", "lesson"], "window_s": 86400}), 2),
        (ExportRequest("metric", options={"metric": "events"}), 3),
        (ExportRequest("predictions"), 2),
        (ExportRequest("recommendations"), 1),
        (ExportRequest("alerts"), 2),
        (ExportRequest("alerts", start=MAY_3, end=MAY_3), 1),
    ],
)
def test_every_dataset_has_its_hand_counted_rows(filled_once, request_, count):
    assert rows(filled_once, request_).num_rows == count


def test_every_dataset_is_tested():
    assert set(DATASETS) == {
        "events", "users", "sessions", "daily_metrics", "retention", "funnel", "metric", "predictions",
        "recommendations", "alerts",
    }  # fmt: skip


def test_events_come_in_time_order_with_the_importers_columns(filled_once):
    table = rows(filled_once, ExportRequest("events"))
    assert table.column("event_id").to_pylist() == ["e1", "e2", "e4", "e3", "e6", "e7", "e5", "e8"]
    assert table.schema.names == [
        "event_id", "user_id", "activity_type", "timestamp", "session_id", "properties", "ip_address",
        "user_agent", "country", "city",
    ]  # fmt: skip


def test_daily_metrics_values(filled_once):
    table = rows(filled_once, ExportRequest("daily_metrics")).to_pydict()
    assert table["day"] == [MAY_1, MAY_2, MAY_3]
    # 1 May: ann, bo active and new; e1 e2 e4; sessions s1 s3. 2 May: ann, cy (new); e3 e6 e7; s2 s5.
    # 3 May: bo, cy; e5 e8; s4 s6.
    assert table["active_users"] == [2, 2, 2]
    assert table["new_users"] == [2, 1, 0]
    assert table["events"] == [3, 3, 2]
    assert table["sessions"] == [2, 2, 2]


def test_funnel_and_retention_figures(filled_once):
    steps = rows(
        filled_once, ExportRequest("funnel", options={"steps": ["signup", "lesson"], "window_s": 86400})
    )
    # bo's lesson came 44 hours after his signup, outside the one-day window.
    assert steps.column("users").to_pylist() == [3, 2]
    matrix = rows(filled_once, ExportRequest("retention", options={"periods": 2}))
    assert matrix.column("cohort_size").to_pylist() == [3, 3]
    assert matrix.column("retained_users").to_pylist() == [3, 0]


def test_columns_are_chosen_in_the_order_given(filled_once):
    table = rows(filled_once, ExportRequest("events", columns=("activity_type", "user_id")))
    assert table.schema.names == ["activity_type", "user_id"]
    assert table.num_rows == 8
    assert rows(filled_once, ExportRequest("daily_metrics", columns=("day", "events"))).schema.names == [
        "day",
        "events",
    ]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            ExportRequest("evnets"),
            r"Unknown dataset 'evnets'\. Datasets: events, users, sessions, daily_metrics",
        ),
        (
            ExportRequest("users", columns=("user_id", "password")),
            r"no column 'password'\. Columns: user_id, ",
        ),
        (ExportRequest("alerts", segment=(("plan", "pro"),)), "alerts dataset cannot be filtered by segment"),
        (ExportRequest("users", activity_types=("lesson",)), "datasets that can: events, retention"),
        (ExportRequest("events", options={"steps": ["a"]}), "has no option 'steps'. Options: none"),
        (ExportRequest("funnel"), "needs the 'steps' option"),
        (ExportRequest("events", segment=(("colour", "red"),)), "Unknown segment key 'colour'"),
    ],
)
def test_bad_requests_say_what_is_allowed(filled_once, request_, message):
    with pytest.raises(AnalyticsError, match=message):
        rows(filled_once, request_)


def test_row_datasets_check_the_viewers_permission(filled_once):
    member = Viewer.for_role("mia", "member", user_id="ann-001")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        rows(filled_once, ExportRequest("events"), member)


def test_request_round_trips_through_json():
    request = ExportRequest(
        "funnel",
        start=MAY_1,
        end=MAY_3,
        segment=(("plan", "pro"),),
        columns=("step", "users"),
        options={"steps": ["signup", "lesson"], "window_s": 60},
    )
    assert ExportRequest.from_json(request.to_json()) == request
