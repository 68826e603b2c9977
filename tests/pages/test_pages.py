"""Every role × every page through the entry script: allowed pages render, the others are out of reach."""

from __future__ import annotations

import pytest

from analytics.auth.demo import DEMO_ACCOUNTS
from tests.pages.signin import sign_in
from ui.navigation import PAGES, allowed_pages


def refused(app, path: str) -> bool:
    """Opening `path` fails (not in the navigation) or the page itself says 'Not allowed'."""
    try:
        app.switch_page(path).run()
    except ValueError:
        return True
    return any("Not allowed" in error.value for error in app.error)


@pytest.mark.parametrize("demo", DEMO_ACCOUNTS, ids=[d.username for d in DEMO_ACCOUNTS])
def test_each_role_opens_exactly_its_pages(seeded_app_env, demo):
    app = sign_in(demo.username, demo.password)
    viewer = app.session_state["viewer"]
    assert viewer.role == demo.role
    allowed = [spec.path for spec in allowed_pages(viewer)]
    forbidden = [spec.path for spec in PAGES if spec.path not in allowed]
    assert app.title[0].value == PAGES[[s.path for s in PAGES].index(allowed[0])].title
    for path in forbidden:  # the navigation app.py built holds only the allowed pages
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(path)
    for spec in PAGES:
        if spec.path in allowed:
            app.switch_page(spec.path).run()
            assert not app.exception, (spec.path, app.exception)
            assert not app.error, (spec.path, [e.value for e in app.error])
            assert app.title[0].value == spec.title
    for path in forbidden:
        assert refused(app, path), path
