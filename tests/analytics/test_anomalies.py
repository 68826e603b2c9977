"""Anomalies: hand-computed robust z-scores, the forecast band, and the generated data's incidents found."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.anomalies import anomalies_in_series, detect_anomalies
from analytics.db import Database, forget_database, open_database
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.forecast import cache
from analytics.metrics import parse_metric
from analytics.viewer import SYSTEM, Viewer

MONDAY = date(2024, 1, 1)
WINDOW = MONDAY + timedelta(weeks=12)  # Monday 2024-03-25, after 84 days of history
EVENTS = parse_metric("events")


def series(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.date_range(MONDAY, periods=len(values)), "y": values})


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_robust_z_on_a_steady_count():
    # sqrt(100) = 10 every day, so the spread is the Poisson floor 0.5 and the band 10 +- 1.75.
    found = anomalies_in_series(
        series([100] * 84 + [100, 144, 121, 64]), start=WINDOW, method="robust_z", is_count=True
    )
    assert found["date"].tolist() == [WINDOW + timedelta(days=n) for n in range(4)]
    assert found["expected"].tolist() == [100] * 4
    assert found["lower"].tolist() == [8.25**2] * 4
    assert found["upper"].tolist() == [11.75**2] * 4
    # z = (12 - 10) / 0.5, (11 - 10) / 0.5 and (8 - 10) / 0.5.
    assert found["score"].tolist() == [0, 4, 2, 4]
    assert found["is_anomaly"].tolist() == [False, True, False, True]


def test_robust_z_expects_each_weekday_its_own_level():
    # Mondays sqrt 11 (121), Saturdays sqrt 9 (81), other days 10 (100).
    week = [121, 100, 100, 100, 100, 81, 100]
    found = anomalies_in_series(
        series(week * 12 + [121, 100, 100, 100, 100, 121, 100]),
        start=WINDOW,
        method="robust_z",
        is_count=True,
    )
    assert found["expected"].tolist() == week
    saturday = found.iloc[5]
    # A Saturday as busy as a Monday: z = (11 - 9) / 0.5; the band is 9 +- 1.75.
    assert (saturday["score"], saturday["lower"], saturday["upper"]) == (4, 7.25**2, 10.75**2)
    assert found["is_anomaly"].tolist() == [False] * 5 + [True, False]


def test_ratios_are_judged_on_their_own_scale_with_a_one_percent_floor():
    found = anomalies_in_series(series([0.5] * 84 + [0.51, 0.6]), start=WINDOW, method="robust_z")
    # Spread 1% of 0.5 = 0.005: 0.51 is 2 spreads away, 0.6 is 20.
    np.testing.assert_allclose(found["score"], [2, 20])
    assert found["is_anomaly"].tolist() == [False, True]
    np.testing.assert_allclose(found["lower"], [0.5 - 3.5 * 0.005] * 2)


def test_periods_without_enough_history_are_not_judged():
    found = anomalies_in_series(series([100] * 10 + [500]), start=MONDAY + timedelta(days=10), is_count=True)
    assert np.isnan(found["expected"].iloc[0]) and np.isnan(found["score"].iloc[0])
    assert not found["is_anomaly"].iloc[0]


def test_leading_empty_days_are_not_history():
    # 80 days before the product had any events, then 30 days of data: too little for the forecast.
    found = anomalies_in_series(
        series([0] * 80 + [100] * 30 + [300]), start=MONDAY + timedelta(days=110), is_count=True
    )
    assert found["score"].tolist() == [(np.sqrt(300) - 10) / 0.5]
    with pytest.raises(AnalyticsError, match="needs at least 56 days of history before the window, got 30"):
        anomalies_in_series(
            series([0] * 80 + [100] * 30 + [300]), start=MONDAY + timedelta(days=110), method="forecast"
        )


@pytest.fixture(scope="module")
def noisy_week_with_incidents() -> pd.DataFrame:
    generator = np.random.default_rng(42)
    weekday = np.array([1.1, 1.1, 1.0, 1.0, 0.9, 0.8, 1.1])
    mean = 400 * weekday[np.arange(91) % 7]
    values = generator.poisson(mean).astype(float)
    values[84 + 2] *= 3  # a spike on Wednesday of the judged week
    values[84 + 4] *= 0.2  # an outage on Friday
    return series(list(values))


def test_forecast_band_flags_the_spike_and_the_outage_only(noisy_week_with_incidents):
    found = anomalies_in_series(noisy_week_with_incidents, start=WINDOW, method="forecast", is_count=True)
    assert found["is_anomaly"].tolist() == [False, False, True, False, True, False, False]
    assert (found["score"][found["is_anomaly"]] > 0).all()
    assert (found["score"][~found["is_anomaly"]] == 0).all()
    assert (found["lower"] < found["expected"]).all() and (found["expected"] < found["upper"]).all()
    # A week after 12 weeks of history is what "auto" hands to the forecast.
    auto = anomalies_in_series(noisy_week_with_incidents, start=WINDOW, is_count=True)
    pd.testing.assert_frame_equal(auto, found)


def test_unknown_method_is_refused():
    with pytest.raises(
        AnalyticsError, match="The 'method' option must be one of auto, forecast, robust_z. Got 'magic'."
    ):
        anomalies_in_series(series([1.0] * 20), start=MONDAY, method="magic")


def test_members_may_not_look_for_product_anomalies(db):
    member = Viewer.for_role("m", "member", user_id="a")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        detect_anomalies(db, member, EVENTS, Filters(start=MONDAY, end=MONDAY))


def recall_and_precision(db: Database, flagged: set[date]) -> tuple[dict[str, bool], float]:
    """Whether each outage/spike day was flagged, and the share of flagged days that are incidents."""
    truth = {
        kind: pd.Timestamp(day).date()
        for day, kind in db.rows("SELECT day, kind FROM ground_truth_incidents")
    }
    found = {kind: truth[kind] in flagged for kind in ("outage", "spike")}
    return found, len(flagged & set(truth.values())) / max(len(flagged), 1)


JUDGED = Filters(start=date(2025, 1, 1), end=date(2025, 6, 30))
"""Everything after the generated data's first 8 weeks (it starts 2024-11-03)."""


def test_the_spike_stands_out_in_the_small_shared_data_set(seeded_db):
    # 400 users make about 65 events a day with a day-to-day spread near 30%: the tripled day stands
    # out, but the outage (about 27 events on a day expecting about 75) is within that noise, so the
    # full requirement is checked on the larger data set below.
    found = detect_anomalies(seeded_db, SYSTEM, EVENTS, JUDGED, today=date(2025, 7, 1))
    recall, precision = recall_and_precision(seeded_db, set(found.loc[found["is_anomaly"], "date"]))
    assert recall["spike"]
    assert precision >= 0.5


@pytest.fixture(scope="module")
def larger_generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """2,000 users over the shared data set's 240 days (same seed and end): about 400 events a day."""
    from analytics.seed import generate

    database = open_database(Path(tmp_path_factory.mktemp("anomalies")) / "pulse.duckdb")
    generate(database, users=2000, days=240, seed=42, end_date=date(2025, 6, 30))
    yield database
    forget_database(database.path)


def test_generated_incidents_are_found_over_half_a_year(larger_generated):
    found = detect_anomalies(larger_generated, SYSTEM, EVENTS, JUDGED, today=date(2025, 7, 1))
    recall, precision = recall_and_precision(larger_generated, set(found.loc[found["is_anomaly"], "date"]))
    assert recall == {"outage": True, "spike": True}
    assert precision >= 0.5  # 2 of 2 when written (the robust z-score: the window is long)


def test_generated_incidents_are_found_week_by_week(larger_generated):
    # What a daily alert job sees: each week judged by a forecast fitted on the data before it.
    flagged: set[date] = set()
    for start in pd.date_range(JUDGED.start, JUDGED.end, freq="7D").date:
        week = Filters(start=start, end=min(start + timedelta(days=6), JUDGED.end))
        found = detect_anomalies(larger_generated, SYSTEM, EVENTS, week, today=date(2025, 7, 1))
        flagged |= set(found.loc[found["is_anomaly"], "date"])
    recall, precision = recall_and_precision(larger_generated, flagged)
    assert recall == {"outage": True, "spike": True}
    assert precision >= 0.5  # 2 of 2 when written
