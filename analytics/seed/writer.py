"""Loading generated data into DuckDB: users, events, ground truth, inside the caller's transaction.

Numeric arrays go to DuckDB as Arrow tables; ids, JSON properties and per-user strings are built in
SQL (`concat` measured about twice as fast as `json_object`, and faster than `||` chains). Catalog names travel
as list parameters, so no value is ever formatted into SQL text.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from analytics.db import quote_ident
from analytics.errors import AnalyticsError
from analytics.seed import catalog as c
from analytics.seed.activity import Plan
from analytics.seed.calendar import Calendar
from analytics.seed.incidents import Incidents
from analytics.seed.users import Population

# Everything a new load replaces: the data, what is derived from it, and its ground truth.
REPLACED_TABLES = (
    "events",
    "users",
    "sessions",
    "user_daily",
    "user_daily_activity",
    "predictions",
    "recommendations",
    "ground_truth_users",
    "ground_truth_incidents",
)
_TEMP_TABLES = ("seed_user_rows", "seed_users")


def clear_or_refuse(cursor: duckdb.DuckDBPyConnection, *, replace: bool) -> None:
    """Empty the replaced tables if `replace`; otherwise refuse a database that already holds data."""
    events, users = cursor.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM users)"
    ).fetchall()[0]
    if (events or users) and not replace:
        raise AnalyticsError(
            f"The database already holds {events:,} events and {users:,} users; demo data goes only into an "
            "empty one. Use --replace to clear them (and derived tables and ground truth) first, or another --db."
        )
    for table in REPLACED_TABLES:
        cursor.execute(f"DELETE FROM {quote_ident(table)}")


def _names() -> dict[str, list]:
    """Catalog names by list, passed to SQL as parameters and indexed there by code + 1."""
    return {
        "first": list(c.FIRST_NAMES),
        "last": list(c.LAST_NAMES),
        "domains": list(c.EMAIL_DOMAINS),
        "cities": [city.name for city in c.CITIES],
        "countries": [country.code for country in c.COUNTRIES],
        "platforms": list(c.PLATFORMS),
        "agents": [list(agents) for agents in c.USER_AGENTS],
        "plans": list(c.PLANS),
        "referrers": list(c.REFERRERS),
        "age_bands": list(c.AGE_BANDS),
        "goals": list(c.GOALS),
        "types": list(c.ACTIVITY_TYPES),
        "skills": list(c.SKILLS),
        "features": [feature.name for feature in c.FEATURES],
        "achievements": list(c.ACHIEVEMENTS),
        "archetypes": [archetype.name for archetype in c.ARCHETYPES],
    }


def _parameters(*names: str, **values: object) -> dict[str, object]:
    lists = _names()
    return {**{name: lists[name] for name in names}, **values}


_USER_ROWS_SQL = """
    CREATE OR REPLACE TEMP TABLE seed_user_rows AS
    SELECT idx, 'u' || lpad(CAST(idx + 1 AS VARCHAR), $width, '0') AS user_id,
           * EXCLUDE (idx, p, ipv6, agent),
           CASE WHEN ipv6 THEN printf('2001:db8:%x:%x:%x:%x', p[5], p[6], p[7], p[8])
                ELSE concat_ws('.', p[1], p[2], p[3], p[4]) END AS ip_address,
           $agents[platform + 1][agent + 1] AS user_agent
    FROM seed_user_codes ORDER BY idx"""

_INSERT_USERS_SQL = """
    INSERT INTO users (user_id, display_name, email, signup_at, plan, country, platform,
                       consent_analytics, attributes, created_at)
    SELECT user_id,
           $first[first_name + 1] || ' ' || $last[last_name + 1],
           strip_accents(lower($first[first_name + 1] || '.' || $last[last_name + 1]))
               || (idx + 1) || '@' || $domains[domain + 1],
           signup_at, $plans[plan + 1], $countries[country + 1], $platforms[platform + 1], consent,
           json_object('referrer', $referrers[referrer + 1], 'age_band', $age_bands[age_band + 1],
                       'goal', $goals[goal + 1]),
           signup_at
    FROM seed_user_rows ORDER BY idx"""


def insert_users(cursor: duckdb.DuckDBPyConnection, population: Population, plan: Plan) -> None:
    """Insert the users, and keep a temp table `seed_users` of the strings every event repeats (by idx)."""
    codes = pa.table(
        {
            "idx": np.arange(len(population), dtype=np.int32),
            "first_name": population.first_name,
            "last_name": population.last_name,
            "domain": population.email_domain,
            "signup_at": pa.array(plan.signup_ms.astype("datetime64[ms]")),
            "plan": plan.plan_at_end,
            "city": population.city,
            "country": population.country,
            "platform": population.platform,
            "agent": population.user_agent,
            "consent": population.consent,
            "referrer": population.referrer,
            "age_band": population.age_band,
            "goal": population.goal,
            "ipv6": population.ipv6,
            "p": pa.FixedSizeListArray.from_arrays(population.ip_parts.ravel(), 8),
        }
    )
    cursor.register("seed_user_codes", codes)
    width = max(6, len(str(len(population))))
    cursor.execute(_USER_ROWS_SQL, _parameters("agents", width=width))
    cursor.unregister("seed_user_codes")
    cursor.execute(
        _INSERT_USERS_SQL,
        _parameters(
            "first", "last", "domains", "plans", "countries", "platforms", "referrers", "age_bands", "goals"
        ),
    )
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE seed_users AS SELECT idx, user_id, ip_address, user_agent, "
        "$countries[country + 1] AS country, $cities[city + 1] AS city FROM seed_user_rows ORDER BY idx",
        _parameters("countries", "cities"),
    )


_PROPERTIES_SQL = """CASE b.type
    WHEN $exercise THEN concat('{"content_id":"ex-', lpad(CAST(b.level AS VARCHAR), 2, '0'), '-',
        lpad(CAST(b.content AS VARCHAR), 3, '0'), '","skill":"', $skills[b.content % $skill_count + 1],
        '","level":', b.level, ',"accuracy":', b.accuracy, ',"duration_s":', b.duration_s,
        ',"completed":', b.completed, ',"score":', b.score, '}')
    WHEN $lesson THEN concat('{"content_id":"lesson-', lpad(CAST(b.level AS VARCHAR), 2, '0'), '-',
        lpad(CAST(b.content AS VARCHAR), 2, '0'), '","skill":"', $skills[b.content % $skill_count + 1],
        '","duration_s":', b.duration_s, ',"completed":', b.completed, '}')
    WHEN $feature_use THEN concat('{"feature":"', $features[b.feature + 1], '"}')
    WHEN $achievement THEN concat('{"achievement":"', $achievements[b.achievement + 1], '"}')
    WHEN $upgrade THEN concat('{"from_plan":"', $plans[b.from_plan + 1], '","to_plan":"', $plans[b.to_plan + 1], '"}')
    ELSE '{}' END"""


_INSERT_EVENTS_SQL = f"""
    INSERT INTO events
    SELECT concat('e', lpad(CAST(b.number AS VARCHAR), $event_width, '0')), u.user_id, $types[b.type + 1], b.ts,
           concat('s', lpad(CAST(b.session AS VARCHAR), $session_width, '0')), {_PROPERTIES_SQL},
           u.ip_address, u.user_agent, u.country, u.city, b.ts + to_milliseconds(300 + (b.number * 7919) % 4700)
    FROM seed_block b JOIN seed_users u ON u.idx = b.user
    ORDER BY b.number"""


class EventWriter:
    """Appends blocks of event rows to `events`, numbering them in the order given."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, *, sessions: int, max_events: int) -> None:
        self.cursor = cursor
        self.written = 0
        self._parameters = _parameters(
            "types",
            "skills",
            "features",
            "achievements",
            "plans",
            skill_count=len(c.SKILLS),
            exercise=c.EXERCISE,
            lesson=c.LESSON,
            feature_use=c.FEATURE_USE,
            achievement=c.ACHIEVEMENT,
            upgrade=c.UPGRADE,
            event_width=max(7, len(str(max_events))),
            session_width=max(6, len(str(sessions))),
        )

    def write(self, rows: dict[str, np.ndarray]) -> None:
        """Insert one block (already in timestamp order)."""
        count = len(rows["ts_ms"])
        columns = {name: values for name, values in rows.items() if name != "ts_ms"}
        columns["ts"] = rows["ts_ms"].astype("datetime64[ms]")
        columns["number"] = self.written + 1 + np.arange(count, dtype=np.int64)
        self.cursor.register("seed_block", pa.table(columns))
        # ORDER BY keeps the block's time order through the parallel join (measured at no extra cost),
        # so events are stored in time order and zone maps skip row groups in time-range scans.
        self.cursor.execute(_INSERT_EVENTS_SQL, self._parameters)
        self.cursor.unregister("seed_block")
        self.written += count


def insert_ground_truth(
    cursor: duckdb.DuckDBPyConnection,
    population: Population,
    plan: Plan,
    calendar: Calendar,
    incidents: Incidents,
) -> None:
    """Archetypes, churn and comeback moments per user, and the incidents (after `sessions` is rebuilt).

    churn_at is the local midnight from which a churner never returns (or their last event, if a late
    session ran past it); resurrect_at the start of the first session after a dormancy. Either is NULL
    when it falls outside the period.
    """

    def timestamps(epoch_ms: np.ndarray) -> pa.Array:
        return pa.array(epoch_ms.astype("datetime64[ms]"), mask=epoch_ms < 0)

    cursor.register(
        "seed_truth_codes",
        pa.table(
            {
                "idx": np.arange(len(population), dtype=np.int32),
                "archetype": population.archetype,
                "churn_at": timestamps(plan.churn_ms),
                "resurrect_at": timestamps(plan.resurrect_ms),
            }
        ),
    )
    cursor.execute(
        """INSERT INTO ground_truth_users
           SELECT u.user_id, $archetypes[t.archetype + 1],
                  CASE WHEN t.churn_at IS NOT NULL THEN greatest(t.churn_at, last.last_at) END, t.resurrect_at
           FROM seed_truth_codes t
           JOIN seed_users u ON u.idx = t.idx
           LEFT JOIN (SELECT user_id, max(ended_at) AS last_at FROM sessions GROUP BY user_id) last
               ON last.user_id = u.user_id
           ORDER BY t.idx""",
        _parameters("archetypes"),
    )
    cursor.unregister("seed_truth_codes")
    cursor.executemany("INSERT INTO ground_truth_incidents VALUES (?, ?, ?)", incidents.rows(calendar))


def drop_temporary(cursor: duckdb.DuckDBPyConnection) -> None:
    """Drop the temp tables the load used."""
    for table in _TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {quote_ident(table)}")
