"""Demo data: a practice app's users and their activity, with ground truth the analytics must recover.

`generate` draws the users (`users`), plans their sessions (`activity`, with the `incidents`), expands
the sessions into events (`events`) and loads it all in one transaction (`writer`), rollups included.
The same (users, days, seed, end_date) always gives identical tables.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from analytics import rollups
from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.seed import writer
from analytics.seed.activity import plan_sessions
from analytics.seed.calendar import Calendar
from analytics.seed.events import event_blocks, max_events
from analytics.seed.incidents import MIN_DAYS, plan_incidents
from analytics.seed.users import draw_population
from config.settings import load_settings

MAX_USERS = 2_000_000
# DuckDB memory limit for seeding when none is configured; without one DuckDB may cache up to 80% of
# RAM, and 200,000 users peaked at 3.6 GB instead of 3.1 GB, at the same speed.
SEED_MEMORY_LIMIT = "2GB"
MAX_DAYS = 3_653
PROGRESS_STEPS = 5

__all__ = ["SEED_MEMORY_LIMIT", "SeedSummary", "generate"]


@dataclass(frozen=True)
class SeedSummary:
    """What one `generate` call wrote and how long it took."""

    users: int
    events: int
    sessions: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"{self.users:,} users, {self.events:,} events, {self.sessions:,} sessions "
            f"in {self.seconds:.1f} s ({self.events_per_s:,.0f} events/s)"
        )


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AnalyticsError(
            f"The '{name}' parameter of the demo generator must be an int in [{low:,}, {high:,}]. Got {value!r} instead."
        )


def generate(
    db: Database,
    *,
    users: int,
    days: int,
    seed: int,
    end_date: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    replace: bool = False,
) -> SeedSummary:
    """Fill `db` with `users` demo users and `days` days of their activity ending on `end_date`.

    Parameters
    ----------
    end_date
        Last day of activity (UTC, included); default yesterday, the last whole day: a day generated
        up to 23:59 would put events in the future.
    progress
        Called with a short line at each stage (about ten lines in all).
    replace
        Clear existing users, events, derived tables and ground truth first, in the same transaction.
        Without it a database that holds events or users is refused with an AnalyticsError.
    """
    _check_int("users", users, 1, MAX_USERS)
    _check_int("days", days, MIN_DAYS, MAX_DAYS)
    _check_int("seed", seed, 0, 2**63 - 1)
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    calendar = Calendar(end_date or dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1), days)
    zone = load_settings().reporting_timezone
    with db.transaction() as cursor:
        writer.clear_or_refuse(cursor, replace=replace)
        incidents = plan_incidents(calendar, seed)
        population = draw_population(users, calendar, incidents, seed)
        plan = plan_sessions(population, calendar, incidents, seed, say)
        writer.insert_users(cursor, population, plan)
        say(f"inserted {users:,} users")
        events = writer.EventWriter(cursor, sessions=len(plan.sessions), max_events=max_events(plan))
        next_report = 1
        for rows in event_blocks(plan, population, calendar.end_ms, seed):
            events.write(rows)
            done = rows["session"][-1] / len(plan.sessions) if len(rows["session"]) else 0
            if done * PROGRESS_STEPS >= next_report:
                say(f"wrote {events.written:,} events ({done:.0%} of sessions)")
                next_report = int(done * PROGRESS_STEPS) + 1
        say("rebuilding sessions and daily rollups")
        rollups.rebuild_all(cursor, zone)
        writer.insert_ground_truth(cursor, population, plan, calendar, incidents)
        writer.drop_temporary(cursor)
    return SeedSummary(
        users=users, events=events.written, sessions=len(plan.sessions), seconds=time.perf_counter() - started
    )
