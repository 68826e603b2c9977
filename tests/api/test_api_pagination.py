"""List endpoints page with limit (≤ 1000) and offset or cursor; total and next describe the whole list."""

from __future__ import annotations

import pytest

from analytics.errors import ValidationError
from api.pagination import decode_cursor, encode_cursor
from tests.api.openapi_paths import operations
from tests.api.seeded import seeded_api_env


@pytest.fixture(scope="module")
def seeded_api(seeded_master, tmp_path_factory):
    yield from seeded_api_env(seeded_master, tmp_path_factory)


LISTS = operations("get", with_query="limit")


def test_the_document_lists_six_paginated_endpoints():
    assert len(LISTS) == 6


def test_limit_offset_total_and_next(seeded_api):
    headers = seeded_api.headers("analyst")
    first = seeded_api.client.get("/analytics/predictions", params={"limit": 1000}, headers=headers).json()
    assert len(first["items"]) == 1000 < first["total"]
    assert decode_cursor(first["next"]) == 1000
    page = seeded_api.client.get(
        "/analytics/predictions", params={"limit": 7, "offset": 14}, headers=headers
    ).json()
    assert (page["limit"], page["offset"], page["total"]) == (7, 14, first["total"])
    assert page["items"] == first["items"][14:21]
    assert decode_cursor(page["next"]) == 21


def test_walking_the_cursors_visits_every_row_once(seeded_api):
    headers = seeded_api.headers("analyst")
    seen, params = [], {"limit": 250, "prediction_type": "churn"}
    while True:
        page = seeded_api.client.get("/analytics/predictions", params=params, headers=headers).json()
        seen += [item["prediction_id"] for item in page["items"]]
        if page["next"] is None:
            break
        params = {"limit": 250, "prediction_type": "churn", "cursor": page["next"]}
    assert len(seen) == len(set(seen)) == page["total"]


def test_the_last_page_is_short_and_past_the_end_is_empty(seeded_api):
    headers = seeded_api.headers("analyst")
    total = seeded_api.client.get("/analytics/recommendations", params={"limit": 1}, headers=headers).json()[
        "total"
    ]
    last = seeded_api.client.get(
        "/analytics/recommendations", params={"limit": 10, "offset": total - 3}, headers=headers
    ).json()
    assert len(last["items"]) == 3 and last["next"] is None
    beyond = seeded_api.client.get(
        "/analytics/recommendations", params={"offset": total + 5}, headers=headers
    )
    assert beyond.json()["items"] == [] and beyond.json()["total"] == total


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 1001}, "query.limit: Input should be less than or equal to 1000"),
        ({"limit": 0}, "query.limit: Input should be greater than or equal to 1"),
        ({"offset": -1}, "query.offset: Input should be greater than or equal to 0"),
        ({"cursor": "not-a-cursor"}, "The cursor 'not-a-cursor' is not one this API gave out"),
    ],
)
def test_bad_paging_is_422(seeded_api, path, params, message):
    response = seeded_api.client.get(
        path.format(user_id="u000001"), params=params, headers=seeded_api.headers("analyst")
    )
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize("offset", [0, 1, 999_999])
def test_cursor_round_trip(offset):
    assert decode_cursor(encode_cursor(offset)) == offset


@pytest.mark.parametrize("cursor", ["", "e30", "eyJvZmZzZXQiOiAtMX0", "W10"])
def test_cursors_not_made_by_the_api_are_refused(cursor):
    with pytest.raises(ValidationError, match="is not one this API gave out"):
        decode_cursor(cursor)
