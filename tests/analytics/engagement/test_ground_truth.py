"""The generated data's ground truth recovered: declining users who churned end up dormant.

Only these tests read ground_truth_users; the analytics never do.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from analytics.engagement import (
    dau_mau,
    engagement_scores,
    feature_adoption,
    lifecycle,
    retention_average,
    retention_matrix,
    stickiness,
    time_to_adopt,
)
from analytics.filters import Filters
from analytics.viewer import SYSTEM
from tests.conftest import SEEDED_END

WEEKS = Filters(start=date(2024, 11, 4), end=SEEDED_END - timedelta(days=1), grain="week")
TODAY = SEEDED_END + timedelta(days=2)


def churned_declining(db) -> pd.DataFrame:
    return db.query(
        "SELECT user_id, CAST(churn_at AS DATE) AS churn_day FROM ground_truth_users "
        "JOIN users USING (user_id) WHERE archetype = 'declining' AND churn_at IS NOT NULL AND consent_analytics"
    )


def test_declining_users_are_dormant_after_churning(seeded_db):
    churned = churned_declining(seeded_db)
    long_gone = churned[pd.to_datetime(churned["churn_day"]).dt.date < SEEDED_END - timedelta(days=28)]
    assert len(long_gone) >= 10
    scores = engagement_scores(seeded_db, SYSTEM, Filters(start=date(2024, 11, 1), end=SEEDED_END)).set_index(
        "user_id"
    )
    theirs = scores.loc[long_gone["user_id"]]
    assert (theirs["band"] == "dormant").all()
    assert (theirs["frequency"] == 0).all() and (theirs["recency_days"] >= 28).all()


def test_lifecycle_counts_each_churner_dormant_the_week_after(seeded_db):
    churned = churned_declining(seeded_db)
    churn_week = pd.to_datetime(churned["churn_day"]).dt.to_period("W-SUN").dt.start_time.dt.date
    following = (churn_week + timedelta(days=7)).value_counts()
    found = lifecycle(seeded_db, SYSTEM, WEEKS, today=TODAY)
    dormant = found[found["status"] == "dormant"].set_index("period")["users"]
    for week, churners in following.items():
        if week in dormant.index:
            assert -dormant[week] >= churners, week


def test_lifecycle_balances_week_to_week(seeded_db):
    found = lifecycle(seeded_db, SYSTEM, WEEKS, today=TODAY).pivot(
        index="period", columns="status", values="users"
    )
    active = found["new"] + found["returning"] + found["resurrecting"]
    # Everyone active last week is either returning or dormant this week.
    pd.testing.assert_series_equal(
        (found["returning"] - found["dormant"]).iloc[1:],
        active.shift(1).iloc[1:].astype("int64"),
        check_names=False,
    )


@pytest.mark.parametrize("return_mode", ["on", "on_or_after"])
def test_retention_on_generated_data_is_plausible(seeded_db, return_mode):
    matrix = retention_matrix(seeded_db, SYSTEM, WEEKS, return_mode=return_mode, periods=8, today=TODAY)
    assert (matrix[matrix["period_number"] == 0]["retention_pct"] == 100.0).all()
    average = retention_average(matrix)["retention_pct"].tolist()
    assert 0 < average[-1] < average[1] < 100
    if return_mode == "on_or_after":
        assert average == sorted(average, reverse=True)


def test_other_metrics_run_on_generated_data(seeded_db):
    last_month = Filters(start=date(2025, 6, 1), end=SEEDED_END - timedelta(days=1), grain="week")
    assert stickiness(seeded_db, SYSTEM, last_month, today=TODAY)["share_pct"].sum() == pytest.approx(
        100, abs=0.5
    )
    assert (dau_mau(seeded_db, SYSTEM, last_month, today=TODAY)["mau"] > 0).all()
    adoption = feature_adoption(seeded_db, SYSTEM, last_month, today=TODAY)
    assert adoption["adoption_pct"].between(0, 100).all() and adoption["feature"].nunique() >= 3
    adopt = time_to_adopt(seeded_db, SYSTEM, WEEKS)
    assert (adopt["median_days"] <= adopt["p90_days"]).all() and adopt["adopted_pct"].between(0, 100).all()
