"""Pins: saved per account with their filters, listed in order, moved, removed, and kept across restarts."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.dashboard import (
    CHARTS,
    MAX_PINS,
    add_pin,
    can_pin,
    list_pins,
    move_pin,
    pin_params,
    pinned_filters,
    remove_pin,
)
from analytics.db import Database
from analytics.errors import AnalyticsError, NotFoundError, PermissionDenied
from analytics.filters import Filters
from analytics.viewer import Viewer

PM = Viewer.for_role("pm", "product_manager")
ANALYST = Viewer.for_role("analyst", "analyst")
MEMBER = Viewer.for_role("member", "member", user_id="u1")
JUNE = Filters(start=date(2025, 6, 1), end=date(2025, 6, 30), grain="week", segment=(("plan", "pro"),))


def params(**options):
    return pin_params(JUNE, rolling=False, options=options)


def charts(db, viewer):
    return list_pins(db, viewer)["chart"].tolist()


def test_pins_are_listed_in_order_with_their_params(db):
    first = add_pin(db, PM, "overview.dau", params())
    second = add_pin(
        db, PM, "engagement.stickiness", params(period="month", cumulative=True), title="Monthly"
    )
    pins = list_pins(db, PM)
    assert pins["pin_id"].tolist() == [first, second]
    assert pins["title"].tolist() == ["Daily active users", "Monthly"]
    assert pins["position"].tolist() == [0, 1]
    assert pins.loc[1, "params"] == {
        "filters": {"start": "2025-06-01", "end": "2025-06-30", "grain": "week", "segment": "plan=pro"},
        "rolling": False,
        "options": {"period": "month", "cumulative": True},
    }


def test_pinning_the_same_chart_twice_keeps_one_pin(db):
    first = add_pin(db, PM, "overview.dau", params())
    assert add_pin(db, PM, "overview.dau", params()) == first
    assert add_pin(db, PM, "overview.dau", pin_params(JUNE, rolling=True)) != first
    assert len(list_pins(db, PM)) == 2


def test_move_up_and_down_and_remove(db):
    ids = [
        add_pin(db, PM, chart, params())
        for chart in ("overview.dau", "overview.kpis", "engagement.lifecycle")
    ]
    move_pin(db, PM, ids[2], "up")
    assert charts(db, PM) == ["overview.dau", "engagement.lifecycle", "overview.kpis"]
    move_pin(db, PM, ids[0], "down")
    assert charts(db, PM) == ["engagement.lifecycle", "overview.dau", "overview.kpis"]
    for _ in range(3):  # the third time it is first already: nothing moves
        move_pin(db, PM, ids[1], "up")
    assert charts(db, PM) == ["overview.kpis", "engagement.lifecycle", "overview.dau"]
    move_pin(db, PM, ids[0], "down")  # already last
    assert charts(db, PM) == ["overview.kpis", "engagement.lifecycle", "overview.dau"]
    remove_pin(db, PM, ids[2])
    assert charts(db, PM) == ["overview.kpis", "overview.dau"]
    add_pin(db, PM, "engagement.dau_mau", params())
    assert charts(db, PM) == ["overview.kpis", "overview.dau", "engagement.dau_mau"]
    with pytest.raises(AnalyticsError, match="'direction' of move_pin must be 'up' or 'down'. Got 'left'"):
        move_pin(db, PM, ids[0], "left")


def test_layout_survives_a_new_database_object(db):
    ids = [add_pin(db, PM, chart, params()) for chart in ("overview.dau", "behaviour.heatmap")]
    move_pin(db, PM, ids[1], "up")
    path = db.path
    db.close()
    reopened = Database(path)
    try:
        assert charts(reopened, PM) == ["behaviour.heatmap", "overview.dau"]
    finally:
        reopened.close()


def test_accounts_see_and_change_only_their_own_pins(db):
    mine = add_pin(db, PM, "overview.dau", params())
    assert list_pins(db, ANALYST).empty
    with pytest.raises(NotFoundError, match="Account 'analyst' has no pin with pin_id"):
        remove_pin(db, ANALYST, mine)
    with pytest.raises(NotFoundError, match="has no pin"):
        move_pin(db, ANALYST, mine, "up")
    assert charts(db, PM) == ["overview.dau"]


def test_members_pin_their_own_charts_only(db):
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        add_pin(db, MEMBER, "overview.dau", params())
    assert not can_pin(MEMBER, "engagement.retention", params())
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        add_pin(db, MEMBER, "users.activity", params(user="u2"))
    add_pin(db, MEMBER, "users.activity", params(user="u1"))
    assert charts(db, MEMBER) == ["users.activity"]
    assert can_pin(PM, "users.activity", params(user="u2"))


@pytest.mark.parametrize(
    ("chart", "pin", "message"),
    [
        ("overview.nope", params(), "Unknown chart 'overview.nope'; pinnable charts are overview.kpis"),
        ("overview.dau", params(colour="red"), "options of chart 'overview.dau' may be none. Got"),
        ("engagement.stickiness", params(bins=3), "may be period, cumulative. Got"),
        ("users.activity", params(), "needs the option 'user'"),
        ("overview.dau", {"filters": {}, "rolling": False, "options": {}}, "a start and an end"),
        ("overview.dau", {"filters": JUNE.to_query()}, "exactly the keys"),
        (
            "overview.dau",
            {**params(), "filters": {"start": "2025-06-01", "end": "June"}},
            "'end' filter must be a date",
        ),
        ("users.activity", params(user="u" * 5000), "at most 4000 characters"),
    ],
)
def test_bad_pins_are_refused(db, chart, pin, message):
    with pytest.raises(AnalyticsError, match=message):
        add_pin(db, PM, chart, pin)


def test_titles_and_the_number_of_pins_are_bounded(db):
    with pytest.raises(AnalyticsError, match="title must be 1 to 120 characters"):
        add_pin(db, PM, "overview.dau", params(), title="x" * 121)
    with db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO pins (account, chart, title, params, position, created_at) "
            "SELECT 'pm', 'overview.dau', 'old', '{}', range, now() FROM range(?)",
            [MAX_PINS],
        )
    with pytest.raises(AnalyticsError, match=f"at most {MAX_PINS} pins; remove one first"):
        add_pin(db, PM, "overview.kpis", params())


def test_rolling_pins_keep_their_length_and_move_with_the_data():
    rolling = pin_params(JUNE, rolling=True)
    moved = pinned_filters(rolling, last_day=date(2025, 7, 14))
    assert (moved.start, moved.end, moved.grain, moved.segment) == (
        date(2025, 6, 15),
        date(2025, 7, 14),
        "week",
        (("plan", "pro"),),
    )
    assert pinned_filters(params(), last_day=date(2025, 7, 14)) == JUNE


def test_every_chart_names_a_permission():
    assert all(spec.title and spec.permission for spec in CHARTS.values())
    assert {name for name, spec in CHARTS.items() if spec.per_user} == {"users.activity", "users.peers"}
