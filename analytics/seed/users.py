"""Who the demo users are: identity, place, plan and the hidden behaviour parameters of each.

All draws are vectorised over users from one seeded stream. Behaviour parameters (archetype, churn and
dormancy days, learning speed) drive the activity model; only the identity columns reach the app tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.seed import catalog as c
from analytics.seed.calendar import Calendar
from analytics.seed.incidents import Incidents

NEVER = 1 << 30  # a day index beyond any period
CONSENT_SHARE = 0.98


@dataclass(frozen=True)
class Population:
    """One array per attribute, indexed by user (user k is "u" + k+1 zero-padded)."""

    archetype: np.ndarray
    city: np.ndarray
    platform: np.ndarray
    plan_at_signup: np.ndarray
    consent: np.ndarray
    signup_day: np.ndarray
    signup_hour: np.ndarray
    preferred_hour: np.ndarray
    sessions_per_day: np.ndarray
    items_per_session: np.ndarray
    learn_exercises: np.ndarray
    accuracy_logit: np.ndarray
    feature_share: np.ndarray
    churn_day: np.ndarray
    fade_days: np.ndarray
    dormant_from: np.ndarray
    dormant_until: np.ndarray
    upgrade_day: np.ndarray
    upgrade_to: np.ndarray
    adoption_day: np.ndarray  # (users, features): first local day the user may use each feature
    first_name: np.ndarray
    last_name: np.ndarray
    email_domain: np.ndarray
    referrer: np.ndarray
    age_band: np.ndarray
    goal: np.ndarray
    user_agent: np.ndarray  # index within the platform's user agents
    ipv6: np.ndarray
    ip_parts: np.ndarray  # (users, 8): four IPv4 octets, then four IPv6 groups (used when ipv6)

    def __len__(self) -> int:
        return len(self.archetype)

    @property
    def country(self) -> np.ndarray:
        """Index into catalog.COUNTRIES of each user's country."""
        codes = [country.code for country in c.COUNTRIES]
        return np.array([codes.index(city.country) for city in c.CITIES], dtype=np.int8)[self.city]


def _choice(rng: np.random.Generator, shares: tuple[float, ...] | np.ndarray, size: int) -> np.ndarray:
    shares = np.asarray(shares, dtype=float)
    return rng.choice(len(shares), size=size, p=shares / shares.sum()).astype(np.int8)


def _varied(rng: np.random.Generator, mean: np.ndarray, sigma: float) -> np.ndarray:
    """`mean` times a log-normal factor whose mean is 1."""
    return (mean * rng.lognormal(-(sigma**2) / 2, sigma, len(mean))).astype(np.float32)


def draw_population(users: int, calendar: Calendar, incidents: Incidents, seed: int) -> Population:
    """Draw `users` users who sign up during the calendar's period."""
    rng = np.random.default_rng([seed, 0])
    n = users
    archetype = _choice(rng, [a.share for a in c.ARCHETYPES], n)
    params = {
        field: np.array([getattr(a, field) for a in c.ARCHETYPES])[archetype]
        for field in c.Archetype._fields[2:]
    }
    country_share = {country.code: country.share for country in c.COUNTRIES}
    agents_per_platform = np.array([len(agents) for agents in c.USER_AGENTS])
    city = _choice(rng, [country_share[city.country] * city.share for city in c.CITIES], n)
    platform = _choice(rng, c.PLATFORM_SHARES, n)
    plan = _choice(rng, c.PLAN_SHARES_AT_SIGNUP, n)
    signup_weights = calendar.signup_weights(incidents.spike_day)
    signup_day = rng.choice(calendar.days, size=n, p=signup_weights).astype(np.int32)
    churn_day, fade_days = _churn(rng, archetype, params["churn_share"], signup_day)
    dormant_from, dormant_until = _dormancy(rng, archetype, signup_day)
    upgrade_day, upgrade_to = _upgrades(rng, plan, params["upgrade_share"], signup_day)
    return Population(
        archetype=archetype,
        city=city,
        platform=platform,
        plan_at_signup=plan,
        consent=rng.random(n) < CONSENT_SHARE,
        signup_day=signup_day,
        signup_hour=typical_hours(rng, n),
        preferred_hour=_preferred_hours(rng, n),
        sessions_per_day=_varied(rng, params["sessions_per_day"], 0.35),
        items_per_session=_varied(rng, params["items_per_session"], 0.2),
        learn_exercises=_varied(rng, params["learn_exercises"], 0.25),
        accuracy_logit=(params["accuracy_logit"] + rng.normal(0, 0.4, n)).astype(np.float32),
        feature_share=(params["feature_share"] * rng.uniform(0.6, 1.4, n)).astype(np.float32),
        churn_day=churn_day,
        fade_days=fade_days,
        dormant_from=dormant_from,
        dormant_until=dormant_until,
        upgrade_day=upgrade_day,
        upgrade_to=upgrade_to,
        adoption_day=_adoption(rng, calendar, incidents, signup_day),
        first_name=rng.integers(0, len(c.FIRST_NAMES), n, dtype=np.int16),
        last_name=rng.integers(0, len(c.LAST_NAMES), n, dtype=np.int16),
        email_domain=_choice(rng, (0.55, 0.2, 0.15, 0.1), n),
        referrer=_choice(rng, c.REFERRER_SHARES, n),
        age_band=_choice(rng, c.AGE_BAND_SHARES, n),
        goal=_choice(rng, c.GOAL_SHARES, n),
        user_agent=(rng.random(n) * agents_per_platform[platform]).astype(np.int8),
        ipv6=rng.random(n) < np.asarray(c.IPV6_SHARE_BY_PLATFORM)[platform],
        ip_parts=_ip_parts(rng, city),
    )


def typical_hours(rng: np.random.Generator, size: int) -> np.ndarray:
    """Local hours (with fraction) drawn from the day's typical usage curve."""
    return (_choice(rng, c.START_HOUR_WEIGHTS, size) + rng.random(size)).astype(np.float32)


def _preferred_hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Each user's habitual local start hour: mostly evening, some mornings and lunch breaks."""
    kind = _choice(rng, (0.60, 0.22, 0.18), n)
    centre = np.array([20.0, 7.5, 12.8])[kind]
    spread = np.array([1.3, 0.8, 1.5])[kind]
    return ((centre + rng.normal(0, 1, n) * spread) % 24).astype(np.float32)


def _churn(
    rng: np.random.Generator, archetype: np.ndarray, churn_share: np.ndarray, signup_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Day each churner leaves for good, and how many days their activity fades before it."""
    n = len(archetype)
    churns = rng.random(n) < churn_share
    declining = archetype == c.DECLINING
    # Declining users fade over 3-9 weeks after a few normal months; casual churners fade over 1.5-4 weeks.
    fade = np.where(declining, rng.integers(21, 64, n), rng.integers(10, 29, n))
    lifetime = np.where(declining, 14 + fade + rng.gamma(2.0, 35.0, n), 7 + rng.exponential(35.0, n))
    churn_day = np.where(churns, signup_day + lifetime.astype(np.int32), NEVER)
    fade = np.minimum(fade, np.maximum(churn_day - signup_day - 3, 1))
    return churn_day.astype(np.int32), fade.astype(np.int32)


def _dormancy(
    rng: np.random.Generator, archetype: np.ndarray, signup_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Days a resurrecting user goes quiet (4 weeks to several months) and comes back."""
    n = len(archetype)
    resurrecting = archetype == c.RESURRECTING
    start = signup_day + 21 + rng.gamma(2.0, 40.0, n).astype(np.int32)
    until = start + 28 + rng.gamma(2.0, 20.0, n).astype(np.int32)
    start = np.where(resurrecting, start, NEVER).astype(np.int32)
    return start, np.where(resurrecting, until, NEVER).astype(np.int32)


def _upgrades(
    rng: np.random.Generator, plan: np.ndarray, upgrade_share: np.ndarray, signup_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Day each upgrading user upgrades (first session from then on) and the plan they move to."""
    n = len(plan)
    share = np.where(plan == c.FREE, upgrade_share, np.where(plan == c.PRO, 0.04, 0.0))
    upgrades = rng.random(n) < share
    to_plan = np.where((plan == c.FREE) & (rng.random(n) < 0.85), c.PRO, c.TEAM).astype(np.int8)
    day = signup_day + 2 + rng.exponential(50.0, n).astype(np.int32)
    return np.where(upgrades, day, NEVER).astype(np.int32), to_plan


def _adoption(
    rng: np.random.Generator, calendar: Calendar, incidents: Incidents, signup_day: np.ndarray
) -> np.ndarray:
    """First day each user may use each feature: an S-curve over the period, never before signup.

    The launched feature starts at its launch day + 1 (local), so none of its uses precede the launch in UTC.
    """
    n = len(signup_day)
    days = calendar.days
    adoption = np.empty((n, len(c.FEATURES)), dtype=np.float32)
    for index, feature in enumerate(c.FEATURES):
        if index == c.LAUNCHED_FEATURE:
            curve = rng.logistic(c.LAUNCH_ADOPTION_MIDPOINT_DAYS, c.LAUNCH_ADOPTION_WIDTH_DAYS, n)
            threshold = incidents.launch_day + 1 + np.maximum(curve, 0)
        else:
            threshold = rng.logistic(feature.midpoint * days, feature.width * days, n)
        discovered = signup_day + 1 + rng.exponential(10.0, n)
        reached = rng.random(n) < feature.reach
        adoption[:, index] = np.where(reached, np.maximum(threshold, discovered), np.inf)
    return adoption


def _ip_parts(rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
    """Per user: IPv4 octets (the first from their country's blocks), then four random IPv6 groups."""
    n = len(city)
    codes = [country.code for country in c.COUNTRIES]
    country = np.array([codes.index(place.country) for place in c.CITIES])[city]
    blocks = [country.ipv4_first_octets for country in c.COUNTRIES]
    widest = max(len(block) for block in blocks)
    table = np.array([block + block[:1] * (widest - len(block)) for block in blocks])
    sizes = np.array([len(block) for block in blocks])
    first = table[country, (rng.random(n) * sizes[country]).astype(int)]
    rest = rng.integers(0, 256, (n, 3))
    rest[:, 2] = rng.integers(1, 255, n)
    ipv4 = np.column_stack([first, rest])
    ipv6 = rng.integers(0, 1 << 16, (n, 4))
    return np.concatenate([ipv4, ipv6], axis=1).astype(np.int32)
