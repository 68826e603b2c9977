"""The real server under load: UI sessions and tracking clients at once, then every acknowledged event
stored exactly once. A 20-second version of `python -m bench.load` (which runs 60 s and prints the same figures)."""

from __future__ import annotations

import pytest

from bench.load import LoadConfig, figures, run

CONFIG = LoadConfig(
    seconds=20.0, ui_sessions=20, think_s=(5.0, 15.0), batch_clients=1, batch_events=1_000, single_clients=16,
    users=400,
)  # fmt: skip


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
