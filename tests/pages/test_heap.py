"""ui.heap: the server's start-up objects are set aside from full collection passes, and handed back at exit."""

from __future__ import annotations

import gc
import sys

from analytics.db import Database
from ui import heap


def test_settle_loads_the_page_modules_and_freezes_what_is_alive_then(tmp_path):
    alive = object.__new__(type("Alive", (), {}))
    try:
        frozen = heap.settle(Database(tmp_path / "heap.duckdb"))
        assert frozen > 100_000 and gc.get_freeze_count() > 100_000
        assert not any(found is alive for found in gc.get_objects())  # set aside, not walked
        assert {"ui.charts", "ui.panels", "analytics.funnels.funnel"} <= set(sys.modules)
    finally:
        heap.release()
    assert gc.get_freeze_count() == 0 and any(found is alive for found in gc.get_objects())
