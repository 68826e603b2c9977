"""GET /analytics/realtime moves as soon as events are tracked; product-wide answers are cached per data version."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from analytics.ingest import drain_rollup_queue
from api.cache import RESPONSES, ResponseCache


def events_now(count: int, user_id: str = "u1", prefix: str = "rt") -> list[dict]:
    now = datetime.now(UTC)
    return [
        {
            "event_id": f"{prefix}-{index}",
            "user_id": user_id,
            "activity_type": "lesson",
            "timestamp": (now - timedelta(seconds=index)).isoformat(),
        }
        for index in range(count)
    ]


def test_realtime_numbers_change_after_tracking(api_env):
    headers = api_env.headers("analyst")
    before = api_env.client.get("/analytics/realtime", headers=headers).json()
    assert (before["events_5m"], before["active_users_5m"], before["feed"]) == (0, 0, [])
    assert len(before["per_minute"]) == 60
    tracked = api_env.client.post("/analytics/track", json=events_now(3), headers=api_env.headers("tracker"))
    assert tracked.json()["accepted"] == 3
    after = api_env.client.get("/analytics/realtime", headers=headers).json()
    assert (after["events_5m"], after["events_60m"], after["active_users_5m"]) == (3, 3, 1)
    assert [event["event_id"] for event in after["feed"]] == ["rt-0", "rt-1", "rt-2"]
    assert sum(minute["events"] for minute in after["per_minute"]) == 3
    assert 0 <= after["ingestion_lag_s"] < 60
    assert 0 <= after["event_delay_p50_s"] < 60


def test_members_realtime_shows_only_their_events(api_env):
    with api_env.db.transaction() as cursor:
        cursor.execute("INSERT INTO users (user_id) VALUES ('u2')")
    api_env.client.post(
        "/analytics/track", json=events_now(2, "u2", "other"), headers=api_env.headers("tracker")
    )
    api_env.client.post(
        "/analytics/track", json=events_now(1, "u1", "mine"), headers=api_env.headers("tracker")
    )
    member = api_env.client.get("/analytics/realtime", headers=api_env.headers("member")).json()
    assert (member["user_id"], member["events_5m"]) == ("u1", 1)
    assert [event["event_id"] for event in member["feed"]] == ["mine-0"]
    assert (
        api_env.client.get("/analytics/realtime", headers=api_env.headers("analyst")).json()["events_5m"] == 3
    )


def test_product_answers_are_cached_until_the_data_changes(api_env):
    api_env.db.live_refresh_s = (
        0.5  # tracked events reach cached answers within this (setting live_refresh_s)
    )
    headers = api_env.headers("product_manager")
    RESPONSES.clear()
    first = api_env.client.get(
        "/analytics", params={"start": "2025-01-01", "end": "2025-01-01"}, headers=headers
    )
    kpis = {kpi["metric"]: kpi for kpi in first.json()["kpis"]}
    assert kpis["events"] == {"metric": "events", "value": 0, "previous": 0, "change_pct": None}
    entries = len(RESPONSES)
    api_env.client.get("/analytics", params={"start": "2025-01-01", "end": "2025-01-01"}, headers=headers)
    assert len(RESPONSES) == entries  # served from the cache
    event = {
        "event_id": "jan-1",
        "user_id": "u1",
        "activity_type": "lesson",
        "timestamp": "2025-01-01T12:00:00Z",
    }
    api_env.client.post("/analytics/track", json=event, headers=api_env.headers("tracker"))
    drain_rollup_queue(api_env.db)
    time.sleep(api_env.db.live_refresh_s)
    again = api_env.client.get(
        "/analytics", params={"start": "2025-01-01", "end": "2025-01-01"}, headers=headers
    )
    assert {kpi["metric"]: kpi["value"] for kpi in again.json()["kpis"]}["events"] == 1


def test_cache_keeps_the_most_recently_used(db):
    cache = ResponseCache(max_entries=2)
    calls = []

    def compute(name):
        return lambda: calls.append(name) or name

    for name in ("a", "b", "a", "c", "a", "b"):
        cache.get_or_compute(db, name, compute(name))
    assert calls == ["a", "b", "c", "b"]  # "a" stayed (used last), "b" was evicted by "c"
    with db.transaction():  # an import or any other change that is not tracking: seen at once
        pass
    cache.get_or_compute(db, "a", compute("a"))
    assert calls[-1] == "a"
