"""When each user practises: the sessions of the whole period, planned per chunk of users.

A user's chance to practise on local day d is their base rate times seasonality, a novelty boost after
signup (and after coming back from dormancy), and an engagement factor that fades linearly to 15% in
the weeks before churn (and before dormancy). Fading engagement also makes sessions shorter, so churn
shows in behaviour before it happens. Everything is vectorised over a chunk of users by days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from analytics.seed import incidents as inc
from analytics.seed.calendar import Calendar
from analytics.seed.users import Population, typical_hours

CHUNK_USERS = 4096
HABIT_SHARE = 0.65  # sessions that start near the user's preferred hour
STREAK_DAYS = 7
FIRST_WEEK_DAYS = 7
EXERCISE_SHARE = 0.68  # of a session's items that are not feature uses
MAX_ACTIVE_SHARE = 0.9  # of days, for the most active users at their most active
EXTRA_SESSIONS = 0.12  # mean further sessions on an active day


@dataclass
class Sessions:
    """Planned sessions as parallel arrays."""

    user: np.ndarray  # int32 index into the Population
    start_ms: np.ndarray  # int64 UTC epoch milliseconds
    day: np.ndarray  # int32 local calendar day
    engagement: np.ndarray  # float32 in (0, 1]
    exercises: np.ndarray  # int16 counts of the session's items
    lessons: np.ndarray
    features: np.ndarray
    exercises_before: np.ndarray  # int32: the user's exercises in earlier sessions
    signup: np.ndarray  # bool: the user's first session, carrying the signup event
    first_week: np.ndarray  # bool: carries the first_week achievement
    streak: np.ndarray  # bool: carries the streak_7 achievement
    upgrade: np.ndarray  # bool: ends with the user's upgrade

    def __len__(self) -> int:
        return len(self.user)

    def take(self, index: np.ndarray | slice) -> Sessions:
        """The sessions at `index` (an index array, mask or slice)."""
        return Sessions(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Sessions]) -> Sessions:
        return Sessions(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Sessions)}
        )

    @property
    def items(self) -> np.ndarray:
        """Lessons, exercises and feature uses per session."""
        return self.exercises.astype(np.int64) + self.lessons + self.features


@dataclass(frozen=True)
class Plan:
    """All sessions (ordered by start, then user) and what they imply per user."""

    sessions: Sessions
    signup_ms: np.ndarray  # int64 per user: time of the signup event
    plan_at_end: np.ndarray  # int8 per user: index into catalog.PLANS after any upgrade
    resurrect_ms: np.ndarray  # int64 per user: first session after dormancy, -1 if none
    churn_ms: np.ndarray  # int64 per user: local midnight starting the churn day, -1 if none


def plan_sessions(
    population: Population,
    calendar: Calendar,
    incidents: inc.Incidents,
    seed: int,
    progress: Callable[[str], None],
) -> Plan:
    """Plan every user's sessions, chunk by chunk, each chunk from its own seeded stream."""
    n = len(population)
    parts = []
    chunks = range(0, n, CHUNK_USERS)
    report_every = max(1, len(chunks) // 5)
    for number, low in enumerate(chunks):
        rng = np.random.default_rng([seed, 1, number])
        users = np.arange(low, min(low + CHUNK_USERS, n), dtype=np.int32)
        parts.append(_chunk_sessions(population, users, calendar, incidents, rng))
        if (number + 1) % report_every == 0 or low + CHUNK_USERS >= n:
            progress(f"planned sessions for {min(low + CHUNK_USERS, n):,} of {n:,} users")
    sessions = Sessions.concat(parts)
    signup_ms = np.zeros(n, dtype=np.int64)
    signup_ms[sessions.user[sessions.signup]] = sessions.start_ms[sessions.signup] + 1000
    plan_at_end = population.plan_at_signup.copy()
    upgraded = sessions.user[sessions.upgrade]
    plan_at_end[upgraded] = population.upgrade_to[upgraded]
    resurrect_ms = _first_start_from(sessions, population.dormant_until, n)
    churned = population.churn_day < calendar.days
    churn_day = np.where(churned, population.churn_day, 0)
    churn_s = calendar.midnight_s[churn_day] - calendar.utc_offset_s[population.city, churn_day]
    churn_ms = np.where(churned, churn_s * 1000, -1)
    order = np.argsort(sessions.start_ms, kind="stable")
    return Plan(sessions.take(order), signup_ms, plan_at_end, resurrect_ms, churn_ms)


def _first_index_per_user(users: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Of the `candidates` (indexes in user-then-time order), the first one of each user."""
    _, first = np.unique(users[candidates], return_index=True)
    return candidates[first]


def _first_start_from(sessions: Sessions, day: np.ndarray, n: int) -> np.ndarray:
    """Per user, the start of their first session on or after local `day`, or -1."""
    found = np.full(n, -1, dtype=np.int64)
    first = _first_index_per_user(sessions.user, np.flatnonzero(sessions.day >= day[sessions.user]))
    found[sessions.user[first]] = sessions.start_ms[first]
    return found


def _engagement(population: Population, users: np.ndarray, days: int) -> tuple[np.ndarray, np.ndarray]:
    """(engagement, novelty) per user and local day, both (users, days) float32."""
    day = np.arange(days, dtype=np.int32)[None, :]
    churn = population.churn_day[users][:, None]
    fade = population.fade_days[users][:, None].astype(np.float32)
    before_churn = np.clip((churn - day) / fade, 0.15, 1.0, dtype=np.float32)
    engagement = np.where(day < churn, before_churn, np.float32(0))
    dormant_from = population.dormant_from[users][:, None]
    dormant_until = population.dormant_until[users][:, None]
    before_dormancy = np.clip((dormant_from - day) / np.float32(14), 0.2, 1.0, dtype=np.float32)
    dormancy = np.where(day < dormant_from, before_dormancy, np.where(day >= dormant_until, 1, 0))
    engagement = np.minimum(engagement, dormancy, dtype=np.float32)
    age = day - population.signup_day[users][:, None]
    since_return = np.maximum(day - dormant_until, 0).astype(np.float32)
    novelty = (
        1
        + 0.8 * np.exp(-np.maximum(age, 0) / np.float32(10))
        + np.where(day >= dormant_until, 0.6 * np.exp(-since_return / np.float32(14)), 0)
    )
    novelty = np.where(age >= 0, novelty, 0).astype(np.float32)
    return engagement, novelty


def _milestone_days(active: np.ndarray, signup_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per user, the first day of a 7-day streak and the first active day a week after signup (-1: none)."""
    count = np.cumsum(active, axis=1, dtype=np.int32)
    last_reset = np.maximum.accumulate(np.where(active, 0, count), axis=1)
    streak_hit = (count - last_reset) == STREAK_DAYS
    streak_day = np.where(streak_hit.any(axis=1), streak_hit.argmax(axis=1), -1)
    week_on = active & (np.arange(active.shape[1])[None, :] >= signup_day[:, None] + FIRST_WEEK_DAYS)
    first_week_day = np.where(week_on.any(axis=1), week_on.argmax(axis=1), -1)
    return streak_day, first_week_day


def _chunk_sessions(
    population: Population,
    users: np.ndarray,
    calendar: Calendar,
    incidents: inc.Incidents,
    rng: np.random.Generator,
) -> Sessions:
    """The sessions of one chunk of users, ordered by user then start."""
    engagement, novelty = _engagement(population, users, calendar.local_days)
    rate = population.sessions_per_day[users][:, None] * calendar.activity[None, :] * novelty * engagement
    # Practice is a habit: a day is active with probability ~rate, and an active day has 1 + Poisson
    # sessions; so frequent users practise on most days (streaks) rather than in bursts.
    active = rng.random(rate.shape, dtype=np.float32) < np.minimum(rate, MAX_ACTIVE_SHARE)
    extra = rng.poisson(EXTRA_SESSIONS + np.maximum(rate - MAX_ACTIVE_SHARE, 0))
    counts = np.where(active, 1 + extra, 0).astype(np.int16)
    rows = np.arange(len(users))
    signup_day = population.signup_day[users]
    counts[rows, signup_day] = np.maximum(counts[rows, signup_day], 1)
    streak_day, first_week_day = _milestone_days(counts > 0, signup_day)

    local_user, day = np.nonzero(counts)
    per_day = counts[local_user, day]
    cell = np.repeat(np.arange(len(day)), per_day)
    nth = (np.arange(len(cell)) - np.repeat(np.cumsum(per_day) - per_day, per_day)).astype(np.int16)
    day_engagement = np.maximum(engagement[local_user, day], 0.15)[cell]
    local_user, day = local_user[cell], day[cell]
    user = users[local_user]

    offset_s = calendar.utc_offset_s[population.city[user], day]
    second = _start_seconds(population, user, day, nth, cell, offset_s, calendar.days, rng)
    start_ms = (calendar.midnight_s[day] + second - offset_s) * 1000 + rng.integers(0, 1000, len(day))
    first = nth == 0
    sessions = Sessions(
        user=user,
        start_ms=start_ms,
        day=day.astype(np.int32),
        engagement=day_engagement.astype(np.float32),
        exercises=np.zeros(len(user), np.int16),
        lessons=np.zeros(len(user), np.int16),
        features=np.zeros(len(user), np.int16),
        exercises_before=np.zeros(len(user), np.int32),
        signup=first & (day == signup_day[local_user]),
        first_week=first & (day == first_week_day[local_user]),
        streak=first & (day == streak_day[local_user]),
        upgrade=np.zeros(len(user), bool),
    )
    sessions = _apply_incidents(sessions.take(sessions.start_ms < calendar.end_ms), calendar, incidents, rng)
    _fill_items(sessions, population, rng)
    first_upgrade = _first_index_per_user(
        sessions.user, np.flatnonzero(sessions.day >= population.upgrade_day[sessions.user])
    )
    sessions.upgrade[first_upgrade] = True
    return sessions


def _start_seconds(
    population: Population,
    user: np.ndarray,
    day: np.ndarray,
    nth: np.ndarray,
    cell: np.ndarray,
    offset_s: np.ndarray,
    days: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Local start second of each session: near the user's habit or at a typical hour, spaced out.

    Signup sessions fall inside the period in UTC (from its first midnight to an hour before its end).
    """
    count = len(user)
    habit = population.preferred_hour[user] + rng.normal(0, 1.2, count)
    typical = typical_hours(rng, count)
    hour = np.where(rng.random(count) < HABIT_SHARE, habit, typical) % 24
    second = (hour * 3600).astype(np.int64)
    second = second[np.argsort(cell.astype(np.int64) * 200_000 + second, kind="stable")]
    signup = (nth == 0) & (day == population.signup_day[user])
    earliest = np.where(day == 0, offset_s + 60, 0)
    latest = (days - day) * 86_400 + offset_s - 3600
    signup_second = (population.signup_hour[user] * 3600).astype(np.int64)
    second[signup] = np.clip(signup_second, earliest, latest)[signup]
    # Sessions of one day keep 45 minutes to 2.5 hours apart (a late one may cross midnight).
    spacing = rng.integers(45 * 60, 150 * 60, count)
    for later in range(1, int(nth.max(initial=0)) + 1):
        index = np.flatnonzero(nth == later)
        second[index] = np.maximum(second[index], second[index - 1] + spacing[index])
    return second


def _apply_incidents(
    sessions: Sessions, calendar: Calendar, incidents: inc.Incidents, rng: np.random.Generator
) -> Sessions:
    """Drop sessions lost to the outage (never a signup) and add the spike day's repeat visits."""
    kept = sessions.take(~(inc.outage_losses(calendar, incidents, sessions.start_ms, rng) & ~sessions.signup))
    source, start_ms = inc.spike_sessions(calendar, incidents, kept.start_ms, kept.signup, rng)
    signup_ms = np.zeros(int(kept.user.max(initial=0)) + 1, dtype=np.int64)
    signup_ms[kept.user[kept.signup]] = kept.start_ms[kept.signup]
    after_signup = start_ms > signup_ms[kept.user[source]]
    repeats = kept.take(source[after_signup])
    repeats.start_ms = start_ms[after_signup]
    for flag in (repeats.signup, repeats.first_week, repeats.streak):
        flag[:] = False
    merged = Sessions.concat([kept, repeats])
    return merged.take(np.lexsort((merged.start_ms, merged.user)))


def _fill_items(sessions: Sessions, population: Population, rng: np.random.Generator) -> None:
    """Draw each session's lessons, exercises and feature uses; count exercises before it."""
    user = sessions.user
    mean_items = population.items_per_session[user] * (0.35 + 0.65 * sessions.engagement)
    items = 1 + rng.poisson(np.maximum(mean_items - 1, 0))
    any_feature = sessions.day >= population.adoption_day[user].min(axis=1)
    features = rng.binomial(items, np.where(any_feature, population.feature_share[user], 0))
    exercises = rng.binomial(items - features, EXERCISE_SHARE)
    sessions.features = features.astype(np.int16)
    sessions.exercises = exercises.astype(np.int16)
    sessions.lessons = (items - features - exercises).astype(np.int16)
    done = np.cumsum(exercises) - exercises
    _, first, per_user = np.unique(user, return_index=True, return_counts=True)
    sessions.exercises_before = (done - np.repeat(done[first], per_user)).astype(np.int32)
