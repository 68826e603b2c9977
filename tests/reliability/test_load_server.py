"""The real server under load for 60 s: UI sessions and tracking clients at once, then every acknowledged
event stored exactly once. `python -m bench.load` runs the same and prints the same figures."""

from __future__ import annotations

import pytest

from bench.load import LoadConfig, figures, run

CONFIG = LoadConfig()


@pytest.mark.slow
def test_load_keeps_every_acknowledged_event_exactly_once_and_every_page_answers(tmp_path):
    result, check = run(CONFIG, tmp_path)
    for line in figures(result, check, CONFIG):
        print(line)
    assert check.acknowledged > 0 and check.exact, check
    for tally in (result.batches, result.singles):
        assert not tally.failures, tally.failures[:5]
        assert set(tally.statuses) <= {200, 429}, tally.statuses
    assert not result.pages.failures, result.pages.failures[:5]
    assert len(result.pages.latencies_s) >= CONFIG.ui_sessions, "a UI session opened no page"
