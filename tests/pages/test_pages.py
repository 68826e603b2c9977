"""Every page renders under AppTest through the entry script, with demo-like data."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.navigation import PAGES


def test_every_page_renders_for_admin(seeded_app_env):
    app = AppTest.from_file("app.py", default_timeout=60).run()
    assert not app.exception, app.exception
    for spec in PAGES:
        app.switch_page(spec.path).run()
        assert not app.exception, (spec.path, app.exception)
        assert not app.error, (spec.path, [e.value for e in app.error])
        assert app.title[0].value == spec.title
