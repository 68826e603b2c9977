"""Batch analysis runs in the background: 202 with a job, polled until it succeeded or failed."""

from __future__ import annotations

import time

import pytest

from analytics.errors import NotFoundError
from analytics.viewer import SYSTEM
from api.jobs import JobRunner
from tests.api.seeded import seeded_api_env


@pytest.fixture(scope="module")
def seeded_api(seeded_master, tmp_path_factory):
    yield from seeded_api_env(seeded_master, tmp_path_factory)


POLL_TIMEOUT_S = 120


def poll(env, url: str, role: str = "analyst") -> dict:
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while time.monotonic() < deadline:
        job = env.client.get(url, headers=env.headers(role)).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job not finished after {POLL_TIMEOUT_S} s: {job}")


def test_batch_analysis_lifecycle(seeded_api):
    started = seeded_api.client.post(
        "/analytics/batch-analysis", json={"as_of": "2025-06-15"}, headers=seeded_api.headers("analyst")
    )
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] in ("queued", "running")
    assert job["options"] == {"tasks": ["predictions", "recommendations"], "as_of": "2025-06-15"}
    assert job["status_url"].endswith(f"/analytics/batch-analysis/{job['job_id']}")

    finished = poll(seeded_api, job["status_url"])
    assert finished["status"] == "succeeded", finished["error"]
    assert finished["progress"] == 1.0 and finished["finished_at"] >= finished["started_at"]
    assert finished["result"]["predictions"]["as_of"] == "2025-06-15"
    assert finished["result"]["predictions"]["rows"]["churn"] > 0
    assert finished["result"]["recommendations"]["rows"] > 0
    summary = seeded_api.client.get("/analytics/summary", headers=seeded_api.headers("analyst")).json()
    assert summary["prediction_run"]["as_of"] == "2025-06-15"  # the latest run's, now this one


def test_jobs_are_private_to_their_account_and_admins(seeded_api):
    job = seeded_api.client.post(
        "/analytics/predictions", json={}, headers=seeded_api.headers("product_manager")
    ).json()
    assert job["kind"] == "predictions"
    url = job["status_url"]
    assert seeded_api.client.get(url, headers=seeded_api.headers("analyst")).status_code == 404
    assert seeded_api.client.get(url, headers=seeded_api.headers("admin")).status_code == 200
    assert seeded_api.client.get(url, headers=seeded_api.headers("member")).status_code == 403
    assert poll(seeded_api, url, role="product_manager")["status"] == "succeeded"


def test_unknown_job_is_404(seeded_api):
    response = seeded_api.client.get("/analytics/batch-analysis/nope", headers=seeded_api.headers("admin"))
    assert response.status_code == 404
    assert "No job has the id 'nope'" in response.json()["error"]["message"]


@pytest.mark.parametrize("role", ["member", "tracker"])
def test_starting_a_job_needs_the_permission_at_once(seeded_api, role):
    response = seeded_api.client.post("/analytics/batch-analysis", json={}, headers=seeded_api.headers(role))
    assert response.status_code == 403
    assert "GENERATE_PREDICTIONS" in response.json()["error"]["message"]


def test_a_failing_job_reports_its_error(seeded_api):
    job = seeded_api.client.post(
        "/analytics/batch-analysis",
        json={"tasks": ["predictions"], "as_of": "1999-01-01"},  # before any event: nothing to train on
        headers=seeded_api.headers("analyst"),
    ).json()
    finished = poll(seeded_api, job["status_url"])
    assert finished["status"] == "failed"
    assert finished["error"] and finished["result"] is None


def test_runner_runs_jobs_in_order_and_forgets_the_oldest_finished():
    runner = JobRunner(kept=2)
    order: list[int] = []
    jobs = [runner.submit(SYSTEM, "test", lambda report, n=n: order.append(n) or {"n": n}) for n in range(3)]
    runner.wait(timeout_s=10)
    assert order == [0, 1, 2]
    assert runner.get(SYSTEM, jobs[2].job_id).result == {"n": 2}
    runner.submit(SYSTEM, "test", lambda report: {})
    runner.wait(timeout_s=10)
    with pytest.raises(NotFoundError, match="No job has the id"):
        runner.get(SYSTEM, jobs[0].job_id)
