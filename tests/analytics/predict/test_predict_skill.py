"""Next skill level: hand-computed forecasts, the censored interval estimate, plain words, holdout figures."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from analytics.predict.skill import (
    _kaplan_meier,
    _quantile,
    _share_by,
    forecast_levels,
    skill_predictions,
    skill_words,
)
from tests.analytics.predict.predict_data import LEARNING_END

AS_OF = date(2024, 3, 31)


def practice(user: str, day: str, count: int, level: int) -> list[tuple]:
    """`count` exercises of `user` on `day` at `level`."""
    return [(user, "exercise", f"{day} 10:{n:02d}", f"{user}-{day}", {"level": level}) for n in range(count)]


def history() -> list[tuple]:
    events = []
    for user in (
        "q1",
        "q2",
        "q3",
        "q4",
        "q5",
    ):  # level 2 ten exercises and ten days after level 1, months ago
        events += practice(user, "2023-10-01", 1, 1) + practice(user, "2023-10-11", 10, 2)
    events += (
        practice("z", "2024-01-01", 1, 1)
        + practice("z", "2024-01-11", 10, 2)
        + practice("z", "2024-01-21", 10, 3)
    )
    # y took 20 exercises (40 days) for level 1, twice the usual, and has done 3 at level 2 since.
    events += (
        practice("y", "2024-01-01", 1, 1)
        + practice("y", "2024-02-10", 20, 2)
        + practice("y", "2024-03-30", 3, 2)
    )
    events += (
        practice("x", "2024-03-01", 1, 1)
        + practice("x", "2024-03-25", 2, 1)
        + practice("x", "2024-03-31", 2, 1)
    )
    events += practice("w", "2023-11-01", 1, 1)  # has not practised for months
    return events


def test_forecast_by_hand(add):
    db = add(history())
    found = forecast_levels(db, as_of=AS_OF).users.set_index("user_id")
    # Level 1 takes a median 10 exercises and 10 days (7 level-ups); level 2 has one level-up, so it
    # borrows level 1's medians. z is at the top level seen (3); q1..q5 and w no longer practise.
    assert sorted(found.index) == ["x", "y"]
    # x: pace 1, 4 exercises done at level 1, 4 in the last 28 days: (10 - 4) / (4 / 28) days.
    assert found.loc["x", "days"] == pytest.approx(6 / (4 / 28))
    # y: pace (20 + 10) / (10 + 10) = 1.5, 3 done at level 2, 3 in the last 28 days.
    assert found.loc["y", "days"] == pytest.approx((10 * 1.5 - 3) / (3 / 28))
    assert found["baseline_days"].tolist() == [10.0, 10.0]
    assert found["level"].to_dict() == {"x": 1, "y": 2}


def test_kaplan_meier_with_a_censored_user():
    times, reached = _kaplan_meier(np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, True, False, True]))
    assert reached.tolist() == pytest.approx([0.25, 0.5, 0.5, 1.0])
    assert (_quantile(times, reached, 0.1), _quantile(times, reached, 0.9)) == (1.0, 4.0)
    assert _share_by(times, reached, 2.5) == 0.5 and _share_by(times, reached, 0.5) == 0.0
    assert np.isnan(_quantile(times[:3], reached[:3], 0.9))


@pytest.mark.parametrize(
    ("earliest", "latest", "words"),
    [
        (date(2025, 3, 2), date(2025, 3, 25), "around 12 March (between 2 and 25 March)"),
        (date(2025, 2, 20), date(2026, 1, 5), "around 12 March (between 20 February and 5 January 2026)"),
        (date(2025, 3, 2), None, "around 12 March (2 March at the earliest)"),
    ],
)
def test_plain_words(earliest, latest, words):
    text = skill_words(5, date(2025, 3, 12), earliest, latest, date(2025, 1, 1))
    assert text == f"at this pace you reach level 5 {words}"


def test_holdout_figures_on_generated_users(learning_db):
    found = skill_predictions(learning_db, as_of=LEARNING_END)
    quality = found.quality["next_level"]
    assert quality["rows"] > 500
    assert quality["mae_days"] < quality["baseline_mae_days"]
    assert 0.7 <= quality["interval_coverage"] <= 0.95
    first = found.data[0]
    assert first["next_level"] == first["current_level"] + 1
    assert first["words"].startswith(f"at this pace you reach level {first['next_level']} around ")
