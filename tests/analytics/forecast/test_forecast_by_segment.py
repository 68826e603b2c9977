"""One forecast per segment value: the largest segments, each fitted like a single forecast."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import cli
from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.forecast.by_segment import COLUMNS, forecast_by_segment
from analytics.forecast.forecaster import forecast_series
from analytics.metrics import parse_metric
from analytics.metrics.series import metric_series
from analytics.viewer import SYSTEM

HISTORY = Filters(start=date(2025, 1, 1), end=date(2025, 6, 30))
TODAY = date(2025, 7, 1)


def test_each_of_the_largest_segments_gets_the_forecast_it_would_get_alone(seeded_db: Database):
    found = forecast_by_segment(
        seeded_db, SYSTEM, parse_metric("events"), HISTORY, by="plan", top_n=2, horizon_days=7, today=TODAY
    )
    assert list(found.columns) == COLUMNS
    sizes = seeded_db.query("SELECT plan, count(*) AS n FROM users GROUP BY plan ORDER BY n DESC, plan")
    assert list(dict.fromkeys(found["segment"])) == list(sizes["plan"][:2])
    assert (found.groupby("segment").size() == 7).all()

    largest = sizes["plan"][0]
    alone = metric_series(
        seeded_db,
        SYSTEM,
        parse_metric("events"),
        Filters(HISTORY.start, HISTORY.end, segment=(("plan", largest),)),
        today=TODAY,
    )
    expected = forecast_series(
        alone[alone["complete"]], horizon_days=7, non_negative=True, date_col="period", value_col="value"
    )
    mine = found[found["segment"] == largest].reset_index(drop=True)
    pd.testing.assert_series_equal(mine["yhat"], expected.forecast["yhat"], check_names=False)
    assert set(mine["model"]) == {expected.model}
    assert mine["prophet_mape"].iloc[0] == pytest.approx(expected.backtest.score("prophet", "mape"))


def test_a_segment_too_short_to_forecast_says_why(seeded_db: Database):
    short = Filters(start=date(2025, 6, 25), end=date(2025, 6, 30))
    found = forecast_by_segment(
        seeded_db, SYSTEM, parse_metric("events"), short, by="platform", top_n=1, today=TODAY
    )
    assert len(found) == 1 and "needs at least" in found["problem"].iloc[0]


@pytest.mark.parametrize(
    ("options", "message"), [({"by": "city"}, "'by' option"), ({"by": "plan", "top_n": 0}, "'top_n'")]
)
def test_bad_options_are_named(seeded_db: Database, options: dict, message: str):
    with pytest.raises(AnalyticsError, match=message):
        forecast_by_segment(seeded_db, SYSTEM, parse_metric("events"), HISTORY, **options)


def test_cli_forecast_by_prints_one_block_per_segment(
    seeded_db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
):
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("forecast",))
    out = tmp_path / "by.csv"
    argv = ["forecast", "--metric", "events", "--db", str(seeded_db.path), "--by", "plan", "--top", "2"]
    assert cli.main([*argv, "--horizon-days", "7", "--out", str(out)]) == 0
    assert "2 segments by plan; 0 not forecast." in capsys.readouterr().out
    written = pd.read_csv(out)
    assert list(written.columns) == COLUMNS and len(written) == 14
