"""Bearer tokens on the API: 401 for missing or bad ones, 429 over the budget, security headers everywhere."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from analytics.auth import accounts, tokens
from analytics.viewer import SYSTEM

ROLES = ("admin", "analyst", "product_manager", "member", "tracker")


@pytest.mark.parametrize("role", ROLES)
def test_me_describes_the_token(api_env, role):
    body = api_env.client.get("/me", headers=api_env.headers(role)).json()
    assert body["role"] == role
    assert (body["user_id"] == "u1") == (role == "member")
    assert body["token_kind"] == ("tracking" if role == "tracker" else "personal")
    if role == "tracker":
        assert body["permissions"] == ["TRACK_ANALYTICS"]


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Send an API token as 'Authorization: Bearer TOKEN'"),
        ("Basic dXNlcjpwYXNz", "must be 'Bearer TOKEN'"),
        ("Bearer ", "must be 'Bearer TOKEN'"),
        ("Bearer pulse_not-a-real-token", "not recognised"),
    ],
)
def test_missing_or_bad_tokens_get_401(api_env, authorization, message):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = api_env.client.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert message in response.json()["error"]["message"]


def test_revoked_and_disabled_get_401_at_once(api_env):
    pm = api_env.headers("product_manager")
    assert api_env.client.get("/me", headers=pm).status_code == 200
    token_id = api_env.client.get("/me", headers=pm).json()["token_id"]
    tokens.revoke_token(api_env.db, SYSTEM, token_id)
    assert "was revoked" in api_env.client.get("/me", headers=pm).json()["error"]["message"]
    analyst = api_env.headers("analyst")
    assert api_env.client.get("/me", headers=analyst).status_code == 200
    accounts.set_enabled(api_env.db, SYSTEM, "analyst", False)
    assert api_env.client.get("/me", headers=analyst).status_code == 401
    assert api_env.client.get("/me", headers=api_env.headers("tracker")).status_code == 401


def test_rate_limit_answers_429_with_retry_after(api_env, monkeypatch):
    from api import create_api

    monkeypatch.setenv("PULSE_API_RATE_LIMIT_PER_MINUTE", "2")
    client = TestClient(create_api())  # settings are read when the API is built
    headers = api_env.headers("analyst")
    assert [client.get("/me", headers=headers).status_code for _ in range(2)] == [200, 200]
    limited = client.get("/me", headers=headers)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "30"
    assert limited.json()["error"]["type"] == "RateLimited"
    assert client.get("/me", headers=api_env.headers("admin")).status_code == 200


def test_security_headers(api_env):
    anonymous = api_env.client.get("/analytics/health")
    signed = api_env.client.get("/analytics/health", headers=api_env.headers("admin"))
    for response in (anonymous, signed):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert signed.headers["Cache-Control"] == "no-store"
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
