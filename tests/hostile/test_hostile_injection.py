"""SQL injection strings in every filter, segment, search, metric spec, path and query input are read as
values or refused, never run: the database is unchanged afterwards and no answer is a 5xx."""

from __future__ import annotations

import itertools
from collections import Counter
from urllib.parse import quote

import pytest

from analytics.errors import AnalyticsError
from analytics.metrics.spec import parse_metric
from analytics.peers import search_users
from analytics.users import find_users
from analytics.viewer import SYSTEM
from tests.api.openapi_paths import SPEC
from tests.api.seeded import MEMBER_USER
from tests.hostile.conftest import INJECTIONS, fingerprint, unchanged
from tests.hostile.test_hostile_payloads import assert_answered

NOT_TEXT = {"integer", "number", "boolean"}


def text_inputs() -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) of every text parameter in the OpenAPI document but the token header."""
    found = []
    for path, methods in SPEC["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                kinds = {schema.get("type")} | {option.get("type") for option in schema.get("anyOf", [])}
                if parameter["in"] != "header" and not kinds & NOT_TEXT:
                    found.append((method.upper(), path, parameter["in"], parameter["name"]))
    return found


def values_for(name: str) -> list[str]:
    """The injections as this parameter's value: segments carry them as a value of each kind of key."""
    if name == "segment":
        return [f"{key}={text}" for text in INJECTIONS for key in ("plan", "attr.level")] + list(INJECTIONS)
    if name == "metric":
        return [f"{kind}:{text}" for text in INJECTIONS for kind in ("count", "ratio", "avg")]
    return list(INJECTIONS)


def test_every_text_parameter_gets_every_injection(hostile_api):
    inputs = text_inputs()
    assert {name for _, _, _, name in inputs} >= {
        "segment",
        "activity",
        "user_id",
        "metric",
        "cursor",
        "start",
    }
    before = fingerprint(hostile_api.db)
    statuses: Counter[int] = Counter()
    # Every parameter gets every injection; the operation sharing it changes round-robin, to keep it quick.
    for name, group in itertools.groupby(
        sorted(inputs, key=lambda found: found[3]), key=lambda found: found[3]
    ):
        operations = itertools.cycle(list(group))
        for value in values_for(name):
            method, path, where, _ = next(operations)
            filled = {"user_id": MEMBER_USER, "job_id": "no-such-job"}
            if where == "path":
                filled[name] = quote(value, safe="")
            url = path.format(**filled)
            params = {name: value} if where == "query" else {}
            body = {"user_ids": [MEMBER_USER]} if path == "/analytics/compare" else None
            response = hostile_api.client.request(
                method, url, params=params, json=body, headers=hostile_api.headers("admin")
            )
            statuses[response.status_code] += 1
            assert_answered(response)
    assert unchanged(hostile_api.db, before)
    print(f"figure: {statuses.total()} injected path/query values, statuses {dict(sorted(statuses.items()))}")


@pytest.mark.parametrize("text", INJECTIONS)
def test_injections_in_request_bodies(hostile_api, text):
    before = fingerprint(hostile_api.db)
    admin = hostile_api.headers("admin")
    requests = [
        ("/analytics/compare", {"user_ids": [MEMBER_USER, text]}),
        ("/analytics/recommendations", {"user_ids": [text]}),
        ("/analytics/export", {"dataset": text}),
        ("/analytics/export", {"dataset": "events", "segment": {"plan": text, "attr.level": text}}),
        ("/analytics/export", {"dataset": "events", "activity_types": [text], "columns": ["user_id"]}),
        ("/analytics/export", {"dataset": "events", "columns": [text]}),
        ("/analytics/export", {"dataset": "metric", "options": {"metric": f"count:{text}"}}),
        ("/analytics/export", {"dataset": "metric", "options": {"grain": text}}),
        ("/analytics/export", {"dataset": "funnel", "options": {"steps": [text, "lesson"], "order": text}}),
        ("/analytics/export", {"dataset": "retention", "options": {"period": text, "cohort_mode": text}}),
        (
            "/analytics/export",
            {"dataset": "users", "format": "xlsx", "anonymise": True, "segment": {"country": text}},
        ),
    ]
    for path, body in requests:
        assert_answered(hostile_api.client.post(path, json=body, headers=admin))
    assert unchanged(hostile_api.db, before)


@pytest.mark.parametrize("text", INJECTIONS)
def test_injections_in_searches_and_specs(hostile_api, text):
    before = fingerprint(hostile_api.db)
    assert find_users(hostile_api.db, SYSTEM, text).users.empty
    assert search_users(hostile_api.db, SYSTEM, text).empty
    with pytest.raises(AnalyticsError, match="not allowed|Unknown metric|must look like"):
        parse_metric(text)
    with pytest.raises(AnalyticsError, match="not allowed"):
        parse_metric(f"count:{text}")
    assert unchanged(hostile_api.db, before)


def test_injections_are_stored_as_data_by_tracking(hostile_api):
    tables = set(fingerprint(hostile_api.db))
    users_before = hostile_api.db.scalar("SELECT count(*) FROM users")
    events = [
        {
            "event_id": f"injection-{number}",
            "user_id": text,
            "activity_type": text,
            "timestamp": "2025-06-30T12:00:00Z",
            "session_id": text,
            "city": text,
            "user_agent": text,
            "properties": {text: text},
        }
        for number, text in enumerate(INJECTIONS)
    ]
    response = hostile_api.client.post(
        "/analytics/track", json=events, headers=hostile_api.headers("tracker")
    )
    assert response.status_code == 200, response.text
    stored = hostile_api.db.rows(
        "SELECT user_id, activity_type, city, properties ->> '$.*' FROM events WHERE event_id LIKE 'injection-%' "
        "ORDER BY event_id"
    )
    assert sorted(stored) == sorted((text, text, text, [text]) for text in INJECTIONS)
    assert set(fingerprint(hostile_api.db)) == tables  # no table was dropped or made
    assert hostile_api.db.scalar("SELECT count(*) FROM users") == users_before + len(set(INJECTIONS))
