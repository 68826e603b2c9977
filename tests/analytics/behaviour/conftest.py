"""Fixtures of the behaviour tests: a loader for hand-made events and the roles that read them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from analytics.db import Database
from analytics.viewer import Viewer
from tests.analytics.behaviour.loading import load_events


@pytest.fixture
def load(db: Database) -> Callable[..., Database]:
    """`load(events, withdrawn=..., plans=..., zone=...)` fills the empty test database and returns it."""
    return lambda events, **options: load_events(db, events, **options)


@pytest.fixture
def member() -> Viewer:
    return Viewer.for_role("mia", "member", user_id="a")
