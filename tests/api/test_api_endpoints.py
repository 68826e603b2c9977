"""Every analytics endpoint, driven by the OpenAPI document: answers on generated data, 422s with messages."""

from __future__ import annotations

import csv
import io

import pytest

from tests.api.openapi_paths import operations
from tests.api.seeded import OTHER_USER, seeded_api_env


@pytest.fixture(scope="module")
def seeded_api(seeded_master, tmp_path_factory):
    yield from seeded_api_env(seeded_master, tmp_path_factory)


PATH_VALUES = {"user_id": OTHER_USER}


@pytest.mark.parametrize("path", operations("get"))
def test_every_get_endpoint_answers_on_generated_data(seeded_api, path):
    response = seeded_api.client.get(path.format(**PATH_VALUES), headers=seeded_api.headers("analyst"))
    assert response.status_code == 200, response.text
    body = response.json()
    if "items" in body:
        assert body["total"] >= len(body["items"])
    elif "{user_id}" in path:
        assert (body["scope"], body["user_id"]) == ("user", OTHER_USER)
    else:
        assert body["scope"] == "product"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"start": "2025-13-01"},
            "query.start",
            "The 'start' filter must be a date like 2024-01-31. Got '2025-13-01'.",
        ),
        ({"grain": "hour"}, "query.grain", "The grain must be one of day, week, month. Got 'hour'."),
        ({"segment": "shoe=42"}, "query.segment", "Unknown segment key 'shoe'"),
        ({"start": "2025-06-10", "end": "2025-06-01"}, "query.start", "must end on or after its start"),
    ],
)
@pytest.mark.parametrize("path", operations("get", with_query="start"))
def test_bad_filters_are_422_with_the_message(seeded_api, path, query, field, message):
    response = seeded_api.client.get(
        path.format(**PATH_VALUES), params=query, headers=seeded_api.headers("analyst")
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "ValidationError"
    assert message in error["message"]
    assert field in [problem["field"] for problem in error["problems"]]


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/analytics", {"segment": "plan=pro"}, "GET /analytics cannot be filtered by segment"),
        ("/analytics/summary", {"activity": "lesson"}, "cannot be filtered by activity"),
        ("/analytics/performance", {"activity": "lesson"}, "cannot be filtered by activity"),
        ("/analytics/trends", {"activity": "lesson"}, "cannot be filtered by activity"),
    ],
)
def test_filters_an_endpoint_does_not_honour_are_refused(seeded_api, path, query, message):
    response = seeded_api.client.get(path, params=query, headers=seeded_api.headers("analyst"))
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]


def test_filters_narrow_the_answer(seeded_api):
    headers = seeded_api.headers("analyst")
    everyone = seeded_api.client.get("/analytics/engagement", params={"start": "2025-06-01"}, headers=headers)
    pro = seeded_api.client.get(
        "/analytics/engagement", params={"start": "2025-06-01", "segment": "plan=pro"}, headers=headers
    )
    assert everyone.json()["period"] == {
        "start": "2025-06-01",
        "end": "2025-06-30",
        "grain": "day",
        "segment": {},
        "activity_types": [],
    }
    assert pro.json()["period"]["segment"] == {"plan": "pro"}
    assert sum(row["dau"] for row in pro.json()["dau_mau"]) < sum(
        row["dau"] for row in everyone.json()["dau_mau"]
    )


def test_default_period_is_the_last_28_days_with_data(seeded_api):
    body = seeded_api.client.get("/analytics", headers=seeded_api.headers("analyst")).json()
    assert (body["period"]["start"], body["period"]["end"]) == ("2025-06-03", "2025-06-30")
    assert len(body["daily_active_users"]) == 28


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/analytics/compare", {}, "body.user_ids: Field required"),
        ("/analytics/compare", {"user_ids": []}, "body.user_ids: List should have at least 1 item"),
        ("/analytics/compare", {"user_ids": [f"u{i}" for i in range(11)]}, "at most 10 items"),
        ("/analytics/compare", {"user_ids": ["u000001"], "colour": "red"}, "body.colour: Extra inputs"),
        ("/analytics/batch-analysis", {"tasks": ["everything"]}, "body.tasks.0: Input should be"),
        ("/analytics/predictions", {"as_of": "yesterday"}, "body.as_of: Input should be a valid date"),
        ("/analytics/recommendations", {"user_ids": ["u000001"], "k": 0}, "body.k: Input should be greater"),
        ("/analytics/export", {"dataset": "users", "format": "pdf"}, "body.format: Input should be"),
    ],
)
def test_bad_bodies_are_422_with_the_message(seeded_api, path, body, message):
    response = seeded_api.client.post(path, json=body, headers=seeded_api.headers("admin"))
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"metric": "wibble"}, "wibble"),
        ({"breakdown": "shoe_size"}, "'breakdown' parameter of performance_over_time must be one of"),
    ],
)
def test_bad_options_are_400_with_the_message(seeded_api, query, message):
    path = "/analytics/performance" if "breakdown" in query else "/analytics/trends"
    response = seeded_api.client.get(path, params=query, headers=seeded_api.headers("analyst"))
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_compare_puts_users_side_by_side(seeded_api):
    response = seeded_api.client.post(
        "/analytics/compare",
        params={"start": "2025-06-01"},
        json={"user_ids": ["u000002", "u000001"]},
        headers=seeded_api.headers("product_manager"),
    )
    assert [user["user_id"] for user in response.json()["users"]] == ["u000002", "u000001"]


def test_export_sends_the_file(seeded_api):
    response = seeded_api.client.post(
        "/analytics/export",
        json={"dataset": "users", "columns": ["user_id", "plan"], "segment": {"plan": "pro"}},
        headers=seeded_api.headers("analyst"),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="users.csv"' in response.headers["content-disposition"]
    header, *users = csv.reader(io.StringIO(response.text))
    assert header == ["user_id", "plan"] and users
    assert {plan for _, plan in users} == {"pro"}


def test_recommendations_generated_now_are_returned(seeded_api):
    response = seeded_api.client.post(
        "/analytics/recommendations",
        json={"user_ids": ["u000001"], "k": 3},
        headers=seeded_api.headers("analyst"),
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert 1 <= len(items) <= 3
    assert [item["rank"] for item in items] == list(range(1, len(items) + 1))
