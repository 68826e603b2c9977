"""Property-based tests of every API request body: near-valid and random JSON get a 2xx or a 4xx in the
one error shape, never a 5xx; bodies that cannot be read get 413/422."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.export import DATASETS
from analytics.ingest.fields import EVENTS
from api.jobs import JOBS
from tests.api.conftest import ApiEnv
from tests.api.seeded import MEMBER_USER, OTHER_USER, seeded_api_env
from tests.hostile.conftest import INJECTIONS

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON = st.recursive(
    LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6
)
DAY = st.one_of(
    st.dates().map(date.isoformat), TEXT, JSON, st.sampled_from(["1900-01-01", "2199-12-31", "2025-06-30"])
)
KNOWN_USERS = st.lists(st.sampled_from([MEMBER_USER, OTHER_USER]), min_size=1, max_size=3)
USER_IDS = KNOWN_USERS | st.lists(
    st.one_of(st.sampled_from([MEMBER_USER, "no-such-user", *INJECTIONS]), TEXT, JSON), max_size=11
)
RANDOM_EVENT = st.fixed_dictionaries(
    {},
    optional={field.name: st.one_of(TEXT, JSON, st.sampled_from(INJECTIONS)) for field in EVENTS.fields},
).flatmap(lambda event: st.dictionaries(TEXT, JSON, max_size=2).map(lambda extra: {**extra, **event}))
VALID_EVENT = st.fixed_dictionaries(
    {
        "user_id": st.sampled_from([MEMBER_USER, OTHER_USER, "hostile-new-user"]),
        "activity_type": st.sampled_from(["lesson", "exercise", *INJECTIONS]),
        "timestamp": st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2025, 6, 30)).map(
            lambda moment: moment.isoformat() + "Z"
        ),
    },
    optional={
        "session_id": TEXT,
        "city": st.sampled_from(INJECTIONS),
        "properties": st.dictionaries(TEXT, LEAF, max_size=3),
    },
)
EVENT = RANDOM_EVENT | VALID_EVENT
OPTIONS = st.dictionaries(
    st.sampled_from(
        ["steps", "window_s", "order", "period", "periods", "cohort_mode", "metric", "grain", "x"]
    ),
    st.one_of(
        JSON,
        st.sampled_from(["week", "month", "any", "count:lesson", *INJECTIONS]),
        st.lists(TEXT, max_size=4),
    ),
    max_size=3,
)
BODIES = {
    "/analytics/track": st.one_of(EVENT, st.lists(EVENT, max_size=4), JSON),
    "/analytics/compare": st.fixed_dictionaries({"user_ids": USER_IDS}) | JSON,
    "/analytics/export": st.fixed_dictionaries(
        {"dataset": st.one_of(st.sampled_from(list(DATASETS)), TEXT)},
        optional={
            "format": st.one_of(st.sampled_from(["csv", "parquet", "jsonl", "xlsx"]), TEXT),
            "start": DAY,
            "end": DAY,
            "segment": st.dictionaries(
                st.sampled_from(["plan", "country", "attr.level", "x"]), TEXT | JSON, max_size=2
            ),
            "activity_types": st.lists(TEXT, max_size=3) | JSON,
            "columns": st.lists(st.sampled_from(["user_id", "day", "value", *INJECTIONS]), max_size=3) | JSON,
            "options": OPTIONS | JSON,
            "anonymise": st.booleans() | JSON,
        },
    ),
    "/analytics/predictions": st.fixed_dictionaries({}, optional={"as_of": DAY}) | JSON,
    "/backup": st.fixed_dictionaries({}, optional={"name": TEXT | st.sampled_from(INJECTIONS) | JSON}) | JSON,
    "/analytics/recommendations": st.fixed_dictionaries(
        {"user_ids": USER_IDS},
        optional={"k": st.integers(min_value=-5, max_value=200) | JSON, "as_of": DAY},
    )
    | JSON,
    "/analytics/batch-analysis": st.fixed_dictionaries(
        {},
        optional={
            "tasks": st.lists(st.sampled_from(["predictions", "recommendations"]) | TEXT, max_size=3) | JSON,
            "as_of": DAY,
        },
    )
    | JSON,
}
"""A strategy per POST endpoint: mostly the body's own fields with wrong, extreme or hostile values."""
EXAMPLES = {"/analytics/track": 60, "/analytics/export": 40, "/analytics/recommendations": 25}
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_answered(response) -> None:
    """Not a 5xx; a 4xx carries the one error shape; the security headers are there either way."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"type", "message", "problems"} and error["message"]
    for name, value in SECURITY_HEADERS.items():
        found = response.headers[name]  # schemathesis' responses hold a list per header
        assert (found if isinstance(found, str) else ",".join(found)) == value


@pytest.fixture(scope="module")
def held_api(hostile_master, tmp_path_factory) -> Iterator[ApiEnv]:
    """The API with background jobs accepted but never run (tests/hostile/test_hostile_jobs.py runs them)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(JOBS, "_run", lambda job, work: None)
        yield from seeded_api_env(hostile_master, tmp_path_factory)


def test_every_post_endpoint_has_a_strategy():
    from tests.api.openapi_paths import SPEC

    posts = {path for path, methods in SPEC["paths"].items() if "post" in methods}
    assert posts == set(BODIES), "add a body strategy for the new endpoint"


@pytest.mark.slow
@pytest.mark.parametrize("path", BODIES)
def test_any_body_is_answered_without_a_5xx(held_api, path):
    statuses: dict[int, int] = {}

    @settings(
        max_examples=EXAMPLES.get(path, 30),
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=BODIES[path])
    def post(body):
        response = held_api.client.post(path, json=body, headers=held_api.headers("admin"))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert_answered(response)

    post()
    print(
        f"figure: POST {path}: {sum(statuses.values())} hostile bodies, statuses {dict(sorted(statuses.items()))}"
    )
    assert any(status < 300 for status in statuses), f"no valid body was generated: {statuses}"


@pytest.mark.parametrize("path", BODIES)
def test_deeply_nested_json_is_422(held_api, path):
    nested = "[" * 10_000 + "]" * 10_000
    response = held_api.client.post(
        path, content=nested, headers={**held_api.headers("admin"), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "nested too deeply" in response.json()["error"]["message"]
    assert_answered(response)


@pytest.mark.parametrize("path", BODIES)
def test_unpaired_surrogates_are_422(held_api, path):
    body = b'{"user_ids": ["u\\ud800"], "dataset": "events", "user_id": "\\udc00x"}'
    response = held_api.client.post(
        path, content=body, headers={**held_api.headers("admin"), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "unpaired UTF-16 surrogate" in response.json()["error"]["message"]


def test_surrogate_pairs_and_escaped_backslashes_are_text(held_api):
    event = (
        b'{"user_id": "u000001", "activity_type": "lesson", "timestamp": "2025-06-01T10:00:00Z",'
        b' "event_id": "hostile-emoji", "city": "\\ud83d\\ude00", "note": "\\\\ud800"}'
    )
    response = held_api.client.post(
        "/analytics/track",
        content=event,
        headers={**held_api.headers("admin"), "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert held_api.db.rows("SELECT city FROM events WHERE event_id = 'hostile-emoji'") == [
        ("\N{GRINNING FACE}",)
    ]


@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "streamed"])
def test_oversized_bodies_are_413(held_api, monkeypatch, streamed):
    from api import create_api

    monkeypatch.setenv("PULSE_MAX_REQUEST_BYTES", "1000")
    client = TestClient(create_api())  # the same database and tokens, a 1,000-byte limit
    body = b'{"user_ids": ["' + b"u" * 2000 + b'"]}'

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while the body streams in
        for start in range(0, len(body), 100):
            yield body[start : start + 100]

    for path in BODIES:
        response = client.post(
            path,
            content=chunks() if streamed else body,
            headers={**held_api.headers("admin"), "Content-Type": "application/json"},
        )
        assert response.status_code == 413, (path, response.text)
        assert response.json()["error"]["type"] == "PayloadTooLarge"
        assert_answered(response)
    assert client.get("/me", headers=held_api.headers("admin")).status_code == 200


def test_unknown_paths_and_methods_use_the_error_shape(held_api):
    for response, status in (
        (held_api.client.get("/no/such/path"), 404),
        (held_api.client.delete("/analytics/track"), 405),
        (held_api.client.put("/analytics/export", json={}), 405),
    ):
        assert response.status_code == status
        assert set(response.json()) == {"error"}
        assert_answered(response)
