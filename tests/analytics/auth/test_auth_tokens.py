"""API tokens: shown once, stored hashed, expiring, revocable at once, tracking tokens only track."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics.auth import tokens
from analytics.auth.clock import utc_now
from analytics.errors import AuthenticationError, NotFoundError, PermissionDenied, ValidationError
from analytics.viewer import Viewer
from config.permissions import Permission

ADMIN = Viewer.for_role("admin", "admin")
ANALYST = Viewer.for_role("analyst", "analyst")
PM = Viewer.for_role("pm", "product_manager")
MEMBER = Viewer.for_role("member", "member", "u1")


def test_token_is_stored_only_as_its_digest(auth_db):
    created = tokens.create_token(auth_db, PM, name="report script", days=30)
    assert created.token.startswith("pulse_") and len(created.token) > 40
    stored = auth_db.rows("SELECT secret_sha256, username, kind FROM api_tokens")
    assert stored == [(tokens.digest(created.token), "pm", "personal")]
    assert created.token not in auth_db.query("SELECT * FROM api_tokens").to_csv()


def test_personal_token_carries_the_owners_role_and_user(auth_db):
    created = tokens.create_token(auth_db, MEMBER, name="my phone", days=1)
    viewer = tokens.authenticate_token(auth_db, created.token).viewer
    assert (viewer.account, viewer.role, viewer.user_id) == ("member", "member", "u1")


def test_tracking_token_may_only_track(auth_db):
    created = tokens.create_token(auth_db, ANALYST, name="billing backend", days=90, kind="tracking")
    viewer = tokens.authenticate_token(auth_db, created.token).viewer
    assert (viewer.role, viewer.permissions) == ("tracker", frozenset({Permission.TRACK_ANALYTICS}))


@pytest.mark.parametrize("viewer", [PM, MEMBER])
def test_only_trackers_create_tracking_tokens(auth_db, viewer):
    with pytest.raises(PermissionDenied, match="TRACK_ANALYTICS"):
        tokens.create_token(auth_db, viewer, name="backend", days=90, kind="tracking")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"days": 0}, "1 to 365 days. Got 0"),
        ({"days": 366}, "1 to 365 days. Got 366"),
        ({"name": "  "}, "Give the token a name"),
        ({"kind": "master"}, "kind must be one of"),
    ],
)
def test_bad_token_requests(auth_db, fields, message):
    with pytest.raises(ValidationError, match=message):
        tokens.create_token(auth_db, PM, **{"name": "x", "days": 1, **fields})


def test_tokens_for_others_need_account_management(auth_db):
    with pytest.raises(PermissionDenied, match="MANAGE_ACCOUNTS"):
        tokens.create_token(auth_db, PM, name="x", days=1, owner="analyst")
    created = tokens.create_token(auth_db, ADMIN, name="x", days=1, owner="analyst")
    assert tokens.authenticate_token(auth_db, created.token).viewer.account == "analyst"
    with pytest.raises(NotFoundError, match="no enabled account named 'ghost'"):
        tokens.create_token(auth_db, ADMIN, name="x", days=1, owner="ghost")


def test_expired_token_is_refused_even_when_cached(auth_db):
    created = tokens.create_token(auth_db, PM, name="x", days=1)
    tokens.authenticate_token(auth_db, created.token)
    with pytest.raises(AuthenticationError, match=f"{created.token_id} expired"):
        tokens.authenticate_token(auth_db, created.token, now=utc_now() + timedelta(days=1, seconds=1))


def test_revocation_applies_at_once_despite_the_cache(auth_db):
    created = tokens.create_token(auth_db, PM, name="x", days=1)
    tokens.authenticate_token(auth_db, created.token)
    tokens.revoke_token(auth_db, PM, created.token_id)
    with pytest.raises(AuthenticationError, match=f"{created.token_id} was revoked"):
        tokens.authenticate_token(auth_db, created.token)


def test_only_the_owner_or_an_admin_revokes(auth_db):
    created = tokens.create_token(auth_db, PM, name="x", days=1)
    with pytest.raises(PermissionDenied, match="MANAGE_ACCOUNTS"):
        tokens.revoke_token(auth_db, ANALYST, created.token_id)
    tokens.revoke_token(auth_db, ADMIN, created.token_id)
    with pytest.raises(NotFoundError, match="no token 'tok_nope'"):
        tokens.revoke_token(auth_db, ADMIN, "tok_nope")


def test_unknown_token(auth_db):
    with pytest.raises(AuthenticationError, match="not recognised"):
        tokens.authenticate_token(auth_db, "pulse_guessed")


def test_listing_shows_own_tokens_and_admins_see_all(auth_db):
    tokens.create_token(auth_db, PM, name="a", days=1)
    tokens.create_token(auth_db, ANALYST, name="b", days=1)
    assert tokens.list_tokens(auth_db, PM)["name"].tolist() == ["a"]
    assert sorted(tokens.list_tokens(auth_db, ADMIN, all_accounts=True)["name"]) == ["a", "b"]
    with pytest.raises(PermissionDenied):
        tokens.list_tokens(auth_db, PM, all_accounts=True)
    assert "secret_sha256" not in tokens.list_tokens(auth_db, PM).columns
