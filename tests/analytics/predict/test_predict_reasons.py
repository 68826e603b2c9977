"""Reasons in words: the signs on which a user looks riskier than most users who stayed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.predict.reasons import SIGNS, ReasonReference

COLUMNS = [sign.feature for sign in SIGNS] + [
    "active_days_7",
    "active_days_prev_21",
    "active_days_90",
    "events_per_session_28",
    "events_per_session_90",
    "accuracy_30",
]


def frame(**columns: list[float]) -> pd.DataFrame:
    size = len(next(iter(columns.values())))
    data = {column: columns.get(column, [np.nan] * size) for column in COLUMNS}
    return pd.DataFrame(data)


STAYERS = frame(
    recency_days=[0, 1, 2, 3],
    recent_change_per_week=[-1, 0, 0, 1],
    active_share_90=[0.1, 0.2, 0.3, 0.4],
    tenure_days=[30, 60, 90, 120],
)


def test_extremeness_is_the_share_of_stayers_who_look_safer():
    reference = ReasonReference.from_stayers(STAYERS)
    user = frame(recency_days=[2], recent_change_per_week=[-1], active_share_90=[0.25], tenure_days=[200])
    shares = reference.extremeness(user).iloc[0]
    assert shares["recency_days"] == 0.5  # stayers with fewer idle days: 0 and 1
    assert shares["recent_change_per_week"] == 0.75  # stayers whose activity changed more favourably
    assert shares["active_share_90"] == 0.5
    assert shares["tenure_days"] == 0.0
    assert np.isnan(shares["session_minutes_28"])


def test_strongest_signs_in_words_with_the_users_numbers():
    reference = ReasonReference.from_stayers(STAYERS)
    users = frame(
        recency_days=[10, 1],
        recent_change_per_week=[1 - 15 / 3, 0],
        active_days_7=[1, 1],
        active_days_prev_21=[15, 3],
        active_share_90=[0.05, 0.3],
        active_days_90=[3, 27],
        tenure_days=[60, 100],
    )
    first, second = reference.reasons(users)
    assert first == [
        "no activity for 10 days",
        "active days fell from 5 to 1 per week",
        "active on only 3 days of the last 61",
    ]
    assert second == []


@pytest.mark.parametrize(("days", "words"), [(1, "no activity for 1 day"), (19, "no activity for 19 days")])
def test_counts_are_pluralised(days, words):
    reference = ReasonReference.from_stayers(frame(recency_days=[0, 0, 0, 0]))
    assert reference.reasons(frame(recency_days=[days])) == [[words]]


def test_accuracy_drop_reads_as_percentages():
    reference = ReasonReference.from_stayers(frame(accuracy_change_30=[0.0, 0.1]))
    user = frame(accuracy_30=[0.64], accuracy_change_30=[-0.14])
    assert reference.reasons(user) == [["accuracy fell from 78% to 64%"]]
