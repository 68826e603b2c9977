"""Why a user's churn risk is high, in words: the features where they look least like users who stayed.

For each warning sign (a feature and the direction that means risk), a user's extremeness is the share
of "stayers" (users of the labelled windows who were active in the following horizon) who look safer
than them on that feature. A sign counts when the user is riskier than SIGNAL_SHARE of stayers; the
strongest signs come first, at most MAX_REASONS; ties keep the order of SIGNS. The method needs no model internals, so it reads the
same whichever model wins, and every sentence quotes the user's own numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SIGNAL_SHARE = 0.75
MAX_REASONS = 3


def _count(value: float, unit: str) -> str:
    number = int(round(value))
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def _per_week(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Sign:
    """A warning sign: a feature, whether high values mean risk, and its sentence ("" to say nothing)."""

    feature: str
    high_is_risky: bool
    words: Callable[[Any], str]


SIGNS = (
    Sign("recency_days", True, lambda u: f"no activity for {_count(u.recency_days, 'day')}"),
    Sign(
        "recent_change_per_week",
        False,
        lambda u: (
            f"active days fell from {_per_week(u.active_days_prev_21 / 3)} "
            f"to {_per_week(u.active_days_7)} per week"
        ),
    ),
    Sign(
        "active_share_90",
        False,
        lambda u: (
            f"active on only {_count(u.active_days_90, 'day')} of the last {int(min(u.tenure_days + 1, 90))}"
            if u.active_days_90
            else ""
        ),
    ),
    Sign(
        "weekly_trend",
        False,
        lambda u: f"active days per week trended down over 8 weeks ({u.weekly_trend:+.2f} a week)",
    ),
    Sign(
        "session_depth_change",
        False,
        lambda u: (
            f"sessions got shorter: {u.events_per_session_28:.1f} actions per session in the last 28 days "
            f"against {u.events_per_session_90:.1f} over 90 days"
        ),
    ),
    Sign(
        "session_minutes_28",
        False,
        lambda u: f"short sessions: {u.session_minutes_28:.0f} minutes on average in the last 28 days",
    ),
    Sign(
        "accuracy_change_30",
        False,
        lambda u: f"accuracy fell from {u.accuracy_30 - u.accuracy_change_30:.0%} to {u.accuracy_30:.0%}",
    ),
    Sign("tenure_days", False, lambda u: f"new: first active {_count(u.tenure_days, 'day')} ago"),
)


@dataclass(frozen=True)
class ReasonReference:
    """The stayers' sorted values of each sign's feature (NaN dropped)."""

    stayers: dict[str, np.ndarray]

    @classmethod
    def from_stayers(cls, stayers: pd.DataFrame) -> ReasonReference:
        return cls({sign.feature: np.sort(stayers[sign.feature].dropna().to_numpy(float)) for sign in SIGNS})

    def extremeness(self, users: pd.DataFrame) -> pd.DataFrame:
        """Per user and sign: the share of stayers who look safer (NaN where the feature is missing)."""
        shares = {}
        for sign in SIGNS:
            reference = self.stayers[sign.feature]
            values = users[sign.feature].to_numpy(float)
            if not len(reference):
                shares[sign.feature] = np.full(len(users), np.nan)
                continue
            if sign.high_is_risky:
                safer = np.searchsorted(reference, values, side="left")
            else:
                safer = len(reference) - np.searchsorted(reference, values, side="right")
            shares[sign.feature] = np.where(np.isnan(values), np.nan, safer / len(reference))
        return pd.DataFrame(shares, index=users.index)

    def reasons(self, users: pd.DataFrame) -> list[list[str]]:
        """Up to MAX_REASONS sentences per user, strongest sign first; [] when nothing stands out."""
        shares = np.nan_to_num(self.extremeness(users).to_numpy(), nan=-1.0)
        order = np.argsort(-shares, axis=1, kind="stable")[:, :MAX_REASONS]
        strong = np.take_along_axis(shares, order, axis=1) >= SIGNAL_SHARE
        found: list[list[str]] = []
        for user, picks, keep in zip(users.itertuples(index=False), order, strong, strict=True):
            sentences = (SIGNS[k].words(user) for k, kept in zip(picks, keep, strict=True) if kept)
            found.append([sentence for sentence in sentences if sentence])
        return found
