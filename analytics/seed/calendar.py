"""The generated period: its days, their seasonality, and each city's UTC offset on each day.

Day `d` is `start + d`. Users live by their local calendar (day `d` in their city), so each city's
offset per day (daylight saving included) turns local session times into UTC. One local day more than
the period is simulated: east of UTC, the day after `end` starts before `end` ends in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from analytics.seed.catalog import CITIES

SECONDS_PER_DAY = 86_400
# Monday..Sunday: practice peaks at the start of the week and on Sunday evening, dips Friday/Saturday.
WEEKDAY_ACTIVITY = (1.12, 1.08, 1.04, 1.00, 0.84, 0.78, 1.10)
WEEKDAY_SIGNUPS = (1.20, 1.10, 1.05, 1.00, 0.90, 0.80, 0.95)
# Signups at the end of the period relative to its start.
SIGNUP_GROWTH = 3.0


def _bump(day_of_year: np.ndarray, centre: float, width_days: float) -> np.ndarray:
    """A Gaussian bump around `centre` on the circular calendar year."""
    distance = np.abs(day_of_year - centre)
    distance = np.minimum(distance, 365.25 - distance)
    return np.exp(-0.5 * (distance / width_days) ** 2)


@dataclass(frozen=True)
class Calendar:
    """The `days` days ending on `end` (inclusive)."""

    end: dt.date
    days: int

    @property
    def start(self) -> dt.date:
        return self.end - dt.timedelta(days=self.days - 1)

    @property
    def local_days(self) -> int:
        """Local days simulated (the arrays below have this length)."""
        return self.days + 1

    @property
    def end_ms(self) -> int:
        """UTC epoch milliseconds at which the period ends (midnight after `end`)."""
        return int(self.midnight_s[self.days]) * 1000

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    @cached_property
    def midnight_s(self) -> np.ndarray:
        """UTC epoch seconds of each day's midnight (int64)."""
        first = dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC).timestamp()
        return int(first) + SECONDS_PER_DAY * np.arange(self.local_days, dtype=np.int64)

    @cached_property
    def _weekday(self) -> np.ndarray:
        return (self.start.weekday() + np.arange(self.local_days)) % 7

    @cached_property
    def _day_of_year(self) -> np.ndarray:
        return (self.start.timetuple().tm_yday - 1 + np.arange(self.local_days)) % 365.25

    @cached_property
    def yearly_activity(self) -> np.ndarray:
        """New-year resolution peak, summer dip and Christmas dip (multiplier per day)."""
        doy = self._day_of_year
        return 1 + 0.35 * _bump(doy, 8, 20) - 0.22 * _bump(doy, 215, 35) - 0.30 * _bump(doy, 358, 5)

    @cached_property
    def activity(self) -> np.ndarray:
        """Session-rate multiplier per day: weekday times time of year (float32)."""
        weekly = np.asarray(WEEKDAY_ACTIVITY)[self._weekday]
        return (weekly * self.yearly_activity).astype(np.float32)

    def signup_weights(self, spike_day: int) -> np.ndarray:
        """Share of signups on each day of the period: growth, a January peak, weekdays, the spike day."""
        growth = SIGNUP_GROWTH ** (np.arange(self.days) / max(self.days - 1, 1))
        doy = self._day_of_year[: self.days]
        season = 1 + 0.9 * _bump(doy, 8, 18) - 0.2 * _bump(doy, 215, 35)
        weights = growth * season * np.asarray(WEEKDAY_SIGNUPS)[self._weekday[: self.days]]
        weights[spike_day] *= 3
        return weights / weights.sum()

    @cached_property
    def utc_offset_s(self) -> np.ndarray:
        """Seconds each city is ahead of UTC at local noon of each day, shape (cities, local days), int64."""
        offsets = np.empty((len(CITIES), self.local_days), dtype=np.int64)
        by_zone: dict[str, np.ndarray] = {}
        for index, city in enumerate(CITIES):
            if city.zone not in by_zone:
                zone = ZoneInfo(city.zone)
                by_zone[city.zone] = np.array(
                    [
                        dt.datetime.combine(self.date(day), dt.time(12), tzinfo=zone)
                        .utcoffset()
                        .total_seconds()
                        for day in range(self.local_days)
                    ],
                    dtype=np.int64,
                )
            offsets[index] = by_zone[city.zone]
        return offsets
