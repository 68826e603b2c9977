"""Incidents the analytics must later find: an outage, a traffic spike and a feature launch.

Days are UTC days (`Calendar` day indexes). The outage and the spike act on planned sessions whose UTC
start falls on their day, so the UTC daily event count drops by ~80% or roughly triples.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from analytics.seed.calendar import SECONDS_PER_DAY, Calendar
from analytics.seed.catalog import FEATURES, LAUNCHED_FEATURE

OUTAGE_LOSS = 0.8
SPIKE_EXTRA_SESSIONS = 2.0  # extra sessions per session that day, on average
MIN_DAYS = 60  # room for the incidents, the launch's adoption and a weekly pattern


@dataclass(frozen=True)
class Incidents:
    """The day index of each incident."""

    spike_day: int
    outage_day: int
    launch_day: int

    def rows(self, calendar: Calendar) -> list[tuple[dt.date, str, str]]:
        """Ground-truth rows: (day, kind, description)."""
        feature = FEATURES[LAUNCHED_FEATURE].name
        return [
            (
                calendar.date(self.spike_day),
                "spike",
                "Traffic spike: a viral post brought about three times the usual activity and signups.",
            ),
            (
                calendar.date(self.outage_day),
                "outage",
                f"Tracking outage: about {OUTAGE_LOSS:.0%} of the day's events were lost.",
            ),
            (
                calendar.date(self.launch_day),
                "feature_launch",
                f"Feature launch: {feature} released; it is adopted over the following weeks.",
            ),
        ]


def plan_incidents(calendar: Calendar, seed: int) -> Incidents:
    """Spike, outage and launch at about 45%, 62% and 82% of the period, a few days apart at random."""
    rng = np.random.default_rng([seed, 3])
    jitter = rng.integers(0, 7, size=3)
    spike, outage, launch = (
        int(share * calendar.days) + int(j) for share, j in zip((0.45, 0.62, 0.82), jitter, strict=True)
    )
    return Incidents(spike_day=spike, outage_day=outage, launch_day=launch)


def utc_day(calendar: Calendar, start_ms: np.ndarray) -> np.ndarray:
    """Calendar day index of UTC epoch milliseconds."""
    return (start_ms // 1000 - calendar.midnight_s[0]) // SECONDS_PER_DAY


def outage_losses(
    calendar: Calendar, incidents: Incidents, start_ms: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Mask of sessions lost to the outage (drawn for every session, so the stream stays aligned)."""
    lost = rng.random(len(start_ms)) < OUTAGE_LOSS
    return lost & (utc_day(calendar, start_ms) == incidents.outage_day)


def spike_sessions(
    calendar: Calendar,
    incidents: Incidents,
    start_ms: np.ndarray,
    signup: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Extra sessions on the spike day: (index of the session each repeats, its start in UTC ms).

    The k-th repeat of a session starts k times 50-110 minutes after it, like someone coming back, or
    as long before it when that would cross midnight (so the extra activity stays on the spike day),
    unless it repeats a signup session, which stays first.
    """
    on_spike = np.flatnonzero(utc_day(calendar, start_ms) == incidents.spike_day)
    repeats = rng.poisson(SPIKE_EXTRA_SESSIONS, len(on_spike))
    source = np.repeat(on_spike, repeats)
    nth = np.arange(len(source)) - np.repeat(np.cumsum(repeats) - repeats, repeats) + 1
    shift_ms = nth * rng.integers(50 * 60_000, 110 * 60_000, len(source))
    later = start_ms[source] + shift_ms
    stays = (utc_day(calendar, later) == incidents.spike_day) | signup[source]
    return source, np.where(stays, later, start_ms[source] - shift_ms)
