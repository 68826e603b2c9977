"""Every role × every API endpoint: the status each gets, compared with the table in docs/security.md."""

from __future__ import annotations

from pathlib import Path

from api import create_api
from tests.analytics.auth.doc_tables import SECURITY_DOC, YES, markdown_table

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ("admin", "analyst", "product_manager", "member", "tracker", None)
EVENT = {
    "event_id": "api-matrix-1",
    "user_id": "u1",
    "activity_type": "lesson",
    "timestamp": "2025-01-01T10:00:00Z",
}
SAMPLE_REQUESTS = {
    ("GET", "/analytics/health"): {},
    ("POST", "/analytics/track"): {"json": [EVENT]},
    ("GET", "/me"): {},
    ("GET", "/analytics"): {},
    ("GET", "/analytics/{user_id}"): {},
    ("GET", "/analytics/summary"): {},
    ("GET", "/analytics/summary/{user_id}"): {},
    ("GET", "/analytics/dashboard"): {},
    ("GET", "/analytics/dashboard/{user_id}"): {},
    ("GET", "/analytics/behavior"): {},
    ("GET", "/analytics/behavior/{user_id}"): {},
    ("GET", "/analytics/performance"): {},
    ("GET", "/analytics/performance/{user_id}"): {},
    ("GET", "/analytics/engagement"): {},
    ("GET", "/analytics/engagement/{user_id}"): {},
    ("GET", "/analytics/trends"): {},
    ("GET", "/analytics/trends/{user_id}"): {},
    ("GET", "/analytics/predictions"): {},
    ("GET", "/analytics/predictions/{user_id}"): {},
    ("GET", "/analytics/recommendations"): {},
    ("GET", "/analytics/recommendations/{user_id}"): {},
    ("GET", "/analytics/insights"): {},
    ("GET", "/analytics/insights/{user_id}"): {},
    ("GET", "/analytics/realtime"): {},
    ("POST", "/analytics/predictions"): {"json": {}},
    ("POST", "/analytics/recommendations"): {"json": {"user_ids": ["u1"]}},
    ("POST", "/analytics/compare"): {"json": {"user_ids": ["u1"]}},
    ("POST", "/analytics/export"): {"json": {"dataset": "users"}},
    ("POST", "/analytics/batch-analysis"): {"json": {}},
    ("GET", "/analytics/batch-analysis/{job_id}"): {},
    ("POST", "/backup"): {"json": {"name": "../outside"}},  # refused for everyone: 400 for admins
}
"""One request per endpoint; a new endpoint must be added here, which adds its row to the document."""
PATH_VALUES = {"user_id": "u1", "job_id": "no-such-job"}
"""What fills a path's {placeholders}: the member's own user (so the cell shows what a member may do
with their own id; other users' ids are refused, see tests/api/test_api_members.py) and an unknown job."""


def outcome(response, method: str, path: str) -> str:
    """A table cell: ✓ (allowed), 'details' (health with details), 401 or 403."""
    if response.status_code in (401, 403):
        return str(response.status_code)
    assert response.status_code < 500, (method, path, response.text)
    if path == "/analytics/health" and response.json()["details"] is not None:
        return f"{YES} details"
    return YES


def api_table(env) -> str:
    rows = []
    for (method, path), request in SAMPLE_REQUESTS.items():
        cells = []
        for role in COLUMNS:
            response = env.client.request(
                method, path.format(**PATH_VALUES), headers=env.headers(role), **request
            )
            cells.append(outcome(response, method, path))
        rows.append([f"`{method} /api/v1{path}`", *cells])
    return markdown_table(["endpoint", *(role or "no token" for role in COLUMNS)], rows)


def test_every_endpoint_has_a_sample_request():
    paths = create_api().openapi()["paths"]
    routes = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    assert routes == set(SAMPLE_REQUESTS), "add the new endpoint to SAMPLE_REQUESTS"


def test_role_endpoint_matrix_is_documented(api_env):
    table = api_table(api_env)
    assert table in (ROOT / SECURITY_DOC).read_text(), table
