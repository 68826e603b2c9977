"""Members see only themselves: another user's id by any path, query parameter or body is a 403; views are audited."""

from __future__ import annotations

import pytest

from analytics.audit import read_log
from analytics.viewer import SYSTEM
from tests.api.openapi_paths import SPEC, operations
from tests.api.seeded import MEMBER_USER, OTHER_USER, seeded_api_env


@pytest.fixture(scope="module")
def seeded_api(seeded_master, tmp_path_factory):
    yield from seeded_api_env(seeded_master, tmp_path_factory)


USER_PATHS = [path for path in operations("get") if "{user_id}" in path]
USER_QUERIES = operations("get", with_query="user_id")


def test_the_document_has_user_paths_and_queries():
    assert len(USER_PATHS) == 10 and len(USER_QUERIES) == 10
    assert all(path.replace("/{user_id}", "") in USER_QUERIES for path in USER_PATHS)
    assert "/analytics/{user_id}" in SPEC["paths"]


@pytest.mark.parametrize("someone", [OTHER_USER, "no-such-user"])
@pytest.mark.parametrize("path", USER_PATHS)
def test_another_user_by_path_is_403(seeded_api, path, someone):
    response = seeded_api.client.get(path.format(user_id=someone), headers=seeded_api.headers("member"))
    assert response.status_code == 403, response.text
    assert "VIEW_OTHER_USER_ANALYTICS" in response.json()["error"]["message"]


@pytest.mark.parametrize("path", USER_QUERIES)
def test_another_user_by_query_is_403(seeded_api, path):
    response = seeded_api.client.get(
        path, params={"user_id": OTHER_USER}, headers=seeded_api.headers("member")
    )
    assert response.status_code == 403, response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/analytics/compare", {"user_ids": [MEMBER_USER, OTHER_USER]}),
        ("/analytics/recommendations", {"user_ids": [OTHER_USER]}),
        ("/analytics/export", {"dataset": "events"}),
    ],
)
def test_another_user_by_body_is_403(seeded_api, path, body):
    assert seeded_api.client.post(path, json=body, headers=seeded_api.headers("member")).status_code == 403


@pytest.mark.parametrize("path", [*USER_QUERIES, *(path.format(user_id=MEMBER_USER) for path in USER_PATHS)])
def test_without_a_user_id_members_get_their_own_data(seeded_api, path):
    response = seeded_api.client.get(path, headers=seeded_api.headers("member"))
    assert response.status_code == 200, response.text
    body = response.json()
    if "items" in body:
        assert {item.get("user_id", MEMBER_USER) for item in body["items"]} <= {MEMBER_USER}
    else:
        assert (body["scope"], body["user_id"]) == ("user", MEMBER_USER)


def test_members_realtime_is_their_own(seeded_api):
    assert seeded_api.client.get("/analytics/realtime", headers=seeded_api.headers("member")).json()[
        "user_id"
    ] == (MEMBER_USER)


def test_reading_another_user_is_audited_once_per_request(seeded_api):
    def views() -> list[tuple[str, str, str]]:
        log = read_log(seeded_api.db, SYSTEM, action="view_user")
        return list(zip(log["actor"], log["target"], log["source"], strict=True))

    before = len(views())
    for path in (
        "/analytics/trends/u000003",
        "/analytics/insights/u000003",
        "/analytics/predictions/u000003",
    ):
        assert seeded_api.client.get(path, headers=seeded_api.headers("analyst")).status_code == 200
    seeded_api.client.get("/analytics/trends", headers=seeded_api.headers("member"))
    seeded_api.client.get("/analytics/trends", headers=seeded_api.headers("analyst"))
    seeded_api.client.post(
        "/analytics/compare", json={"user_ids": ["u000003", "u000004"]}, headers=seeded_api.headers("analyst")
    )
    added = views()[: len(views()) - before]
    assert added == [("analyst", "2 users", "api")] + [("analyst", "u000003", "api")] * 3
