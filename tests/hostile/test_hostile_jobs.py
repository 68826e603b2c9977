"""Background jobs started with extreme but accepted inputs end as succeeded, or failed with a message
that says why (an AnalyticsError), never with a crash; out-of-range days are refused before queueing."""

from __future__ import annotations

import re

import pytest

from api.jobs import JOBS

CRASH = re.compile(r"^[A-Za-z_.]+(Error|Exception): ")
"""How JobRunner reports an exception that is not an AnalyticsError: a bug."""


@pytest.mark.slow
@pytest.mark.parametrize("as_of", ["1900-01-01", "2025-02-01", "2025-06-30", "2199-12-31"])
@pytest.mark.parametrize(
    "tasks", [["predictions", "recommendations"], ["recommendations"]], ids=["all", "recommend"]
)
def test_batch_analysis_ends_cleanly_for_any_accepted_day(hostile_api, as_of, tasks):
    response = hostile_api.client.post(
        "/analytics/batch-analysis",
        json={"as_of": as_of, "tasks": tasks},
        headers=hostile_api.headers("admin"),
    )
    assert response.status_code == 202, response.text
    JOBS.wait(timeout_s=120)
    job = hostile_api.client.get(response.json()["status_url"], headers=hostile_api.headers("admin")).json()
    assert job["status"] in ("succeeded", "failed"), job
    assert job["status"] == "succeeded" or not CRASH.match(job["error"]), job["error"]
    print(f"figure: batch analysis {tasks} as of {as_of}: {job['status']} {job['error'] or ''}".rstrip())


@pytest.mark.parametrize("path", ["/analytics/batch-analysis", "/analytics/predictions"])
@pytest.mark.parametrize("as_of", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
def test_days_beyond_the_calendar_are_refused_before_queueing(hostile_api, path, as_of):
    response = hostile_api.client.post(path, json={"as_of": as_of}, headers=hostile_api.headers("admin"))
    assert response.status_code == 400
    assert "must be between 1900-01-01 and 2199-12-31" in response.json()["error"]["message"]


@pytest.mark.parametrize("as_of", ["1900-01-01", "2199-12-31"])
def test_recommendations_for_days_without_activity_are_empty(hostile_api, as_of):
    response = hostile_api.client.post(
        "/analytics/recommendations",
        json={"user_ids": ["u000001"], "as_of": as_of},
        headers=hostile_api.headers("admin"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == [] or as_of == "2199-12-31"
