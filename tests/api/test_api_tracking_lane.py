"""The short way for tracking calls answers exactly as the app would, and hands it the rest."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from api import tracking_lane

EVENT = {"user_id": "u1", "activity_type": "lesson", "timestamp": "2024-01-05T10:00:00Z"}
CALLS = {
    "one event": ("tracker", EVENT | {"event_id": "lane-1"}),
    "a derived id": ("tracker", EVENT | {"properties": {"ä": 1}}),
    "a batch of 1,000": ("tracker", [EVENT | {"event_id": f"big-{n}"} for n in range(1_000)]),
    "a batch with a duplicate": ("analyst", [EVENT | {"event_id": "d"}, EVENT | {"event_id": "d"}]),
    "an empty batch": ("tracker", []),
    "a bad field": ("tracker", EVENT | {"timestamp": "yesterday-ish"}),
    "no right to track": ("member", EVENT),
    "not an event": ("tracker", [1, 2]),
    "not JSON": ("tracker", b"{nope"),
    "a lone surrogate": ("tracker", b'{"user_id": "\\ud800"}'),
}
IGNORED_HEADERS = {"date"}


def answer(api_env, role: str, body: object) -> tuple[int, bytes, dict[str, str]]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = api_env.client.post(
        "/analytics/track",
        content=content,
        headers={**api_env.headers(role), "Content-Type": "application/json"},
    )
    headers = {name: value for name, value in response.headers.items() if name not in IGNORED_HEADERS}
    return response.status_code, response.content, headers


def count_lane_calls(monkeypatch) -> list[bool]:
    """A list that grows by one each time the lane stores a call."""
    answered: list[bool] = []
    in_thread, on_loop = tracking_lane.track_events, tracking_lane.track_events_async

    def counted(*args, **kwargs):
        answered.append(True)
        return in_thread(*args, **kwargs)

    async def counted_on_loop(*args, **kwargs):
        answered.append(True)
        return await on_loop(*args, **kwargs)

    monkeypatch.setattr(tracking_lane, "track_events", counted)
    monkeypatch.setattr(tracking_lane, "track_events_async", counted_on_loop)
    return answered


@pytest.mark.parametrize("name", CALLS)
def test_the_lane_answers_as_the_app_does(api_env, monkeypatch, name):
    role, body = CALLS[name]
    api_env.client.get("/me", headers=api_env.headers(role))  # the token is now recently verified
    answered = count_lane_calls(monkeypatch)
    by_lane = answer(api_env, role, body)
    api_env.db.connection.execute("DELETE FROM events")
    monkeypatch.setattr(tracking_lane, "recently_verified", lambda db, token: None)
    by_app = answer(api_env, role, body)
    assert by_lane == by_app
    assert answered == ([] if name in {"not an event", "not JSON", "a lone surrogate"} else [True])


def test_a_token_not_verified_lately_is_checked_by_the_app(api_env, monkeypatch):
    answered = count_lane_calls(monkeypatch)
    assert answer(api_env, "tracker", EVENT | {"event_id": "a"})[0] == 200
    assert answered == []
    assert answer(api_env, "tracker", EVENT | {"event_id": "b"})[0] == 200
    assert answered == [True]


def test_revoked_tokens_are_answered_by_the_app_at_once(api_env):
    from analytics.auth import tokens
    from analytics.viewer import SYSTEM

    assert answer(api_env, "tracker", EVENT)[0] == 200
    token_id = api_env.client.get("/me", headers=api_env.headers("tracker")).json()["token_id"]
    tokens.revoke_token(api_env.db, SYSTEM, token_id)
    status, body, headers = answer(api_env, "tracker", EVENT)
    assert status == 401 and "was revoked" in json.loads(body)["error"]["message"]
    assert headers["www-authenticate"] == "Bearer" and headers["x-frame-options"] == "DENY"


def test_rate_limited_calls_are_answered_by_the_app(api_env, monkeypatch):
    from fastapi.testclient import TestClient

    from api import create_api

    monkeypatch.setenv("PULSE_API_RATE_LIMIT_PER_MINUTE", "2")
    api_env.client = TestClient(create_api())
    answered = count_lane_calls(monkeypatch)
    statuses = [answer(api_env, "tracker", EVENT | {"event_id": f"r{n}"})[0] for n in range(3)]
    assert statuses == [200, 200, 429] and answered == [True]
    assert answer(api_env, "tracker", EVENT)[2]["retry-after"] == "30"


def test_a_lane_in_front_of_the_mount_answers_and_hands_on_only_once(api_env, monkeypatch):
    """As serve.py puts it, before the mount: it answers a tracking call of a recently verified token
    itself, and a call it hands on reaches the app without the API's own lane looking at it again."""
    api = api_env.client.app
    reached_api = []

    async def mounted(scope, receive, send):
        reached_api.append(scope["path"])
        await api(scope, receive, send)

    front = Starlette(
        routes=[Mount("/api/v1", mounted)],
        middleware=[Middleware(tracking_lane.TrackingLane, api=api, prefix="/api/v1")],
    )
    answered = count_lane_calls(monkeypatch)
    looked_up = []
    recently_verified = tracking_lane.recently_verified
    monkeypatch.setattr(
        tracking_lane,
        "recently_verified",
        lambda db, token: looked_up.append(1) or recently_verified(db, token),
    )
    with TestClient(front) as client:

        def track(event_id: str) -> tuple[int, dict]:
            body = json.dumps(EVENT | {"event_id": event_id}).encode()
            headers = {**api_env.headers("tracker"), "Content-Type": "application/json"}
            response = client.post("/api/v1/analytics/track", content=body, headers=headers)
            return response.status_code, response.json()

        assert track("front-1") == (
            200,
            {"accepted": 1, "duplicates": 0, "skipped_consent": [], "event_ids": ["front-1"]},
        )
        assert (answered, looked_up, reached_api) == (
            [],
            [1],
            ["/api/v1/analytics/track"],
        )  # the app verified it
        assert track("front-2")[0] == 200
        assert (answered, looked_up, len(reached_api)) == ([True], [1, 1], 1)
    assert api_env.db.scalar("SELECT count(*) FROM events") == 2
