"""The demo generator: determinism, integrity of what it writes, and the patterns analytics must find.

One module-scoped database (600 users over 400 days) serves the read-only checks; determinism, sizes
and --replace use their own small databases.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import analytics.seed
from analytics import rollups
from analytics.cli import main
from analytics.db import Database, forget_database, open_database
from analytics.errors import AnalyticsError
from analytics.seed import SeedSummary, catalog, generate
from analytics.seed.events import event_blocks
from config.settings import load_settings

END = dt.date(2024, 6, 30)


def _seeded(path: Path, *, users: int, days: int, seed: int = 7, end: dt.date = END) -> Database:
    database = open_database(path)
    generate(database, users=users, days=days, seed=seed, end_date=end)
    return database


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Callable[..., Database]]:
    """Make generated databases in tmp_path by name (`seeded("a", users=..., days=...)`); closed after."""
    paths: list[Path] = []

    def make(name: str, **arguments: object) -> Database:
        paths.append(tmp_path / f"{name}.duckdb")
        return _seeded(paths[-1], **arguments)

    yield make
    for path in paths:
        forget_database(path)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """600 users over 400 days ending 2024-06-30 (a January and a summer included)."""
    path = tmp_path_factory.mktemp("seed") / "demo.duckdb"
    database = _seeded(path, users=600, days=400)
    yield database
    forget_database(path)


def _checksums(database: Database) -> tuple[str, str, str]:
    """md5 of every events, users and ground-truth row, in id order."""
    return tuple(
        database.scalar(f"SELECT md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY {key})) FROM {table} t")
        for table, key in (("events", "event_id"), ("users", "user_id"), ("ground_truth_users", "user_id"))
    )


def test_same_inputs_give_identical_tables_and_another_seed_does_not(seeded):
    first = seeded("a", users=120, days=90)
    again = seeded("b", users=120, days=90)
    other = seeded("c", users=120, days=90, seed=8)
    assert _checksums(first) == _checksums(again)
    assert _checksums(first)[0] != _checksums(other)[0]
    assert _checksums(first)[1] != _checksums(other)[1]


def test_sizes_scale_with_users(seeded):
    small = seeded("small", users=150, days=90)
    large = seeded("large", users=600, days=90)
    assert small.scalar("SELECT count(*) FROM users") == 150
    assert large.scalar("SELECT count(*) FROM users") == 600
    ratio = large.scalar("SELECT count(*) FROM events") / small.scalar("SELECT count(*) FROM events")
    assert 2.5 < ratio < 6


def test_summary_line_reports_what_was_written(db):
    summary = generate(db, users=60, days=60, seed=1, end_date=END)
    assert isinstance(summary, SeedSummary)
    assert summary.users == 60
    assert summary.events == db.scalar("SELECT count(*) FROM events")
    assert summary.sessions == db.scalar("SELECT count(*) FROM sessions")
    assert str(summary).startswith(f"60 users, {summary.events:,} events, {summary.sessions:,} sessions in ")
    assert str(summary).endswith(" events/s)")


def test_period_ends_yesterday_in_utc_by_default(db):
    """The last whole day: generating today up to 23:59 would store events in the future."""
    before = dt.datetime.now(dt.UTC).date()
    generate(db, users=40, days=60, seed=2)
    after = dt.datetime.now(dt.UTC).date()
    low, high = db.rows("SELECT min(timestamp), max(timestamp) FROM events")[0]
    assert low.date() >= before - dt.timedelta(days=60)
    assert high < dt.datetime.combine(after, dt.time())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"users": 0, "days": 100}, r"'users' parameter .* Got 0 instead"),
        ({"users": 10, "days": 20}, r"'days' parameter .* \[60, 3,653\]\. Got 20"),
        ({"users": 10, "days": 100, "seed": -1}, r"'seed' parameter .* Got -1"),
    ],
)
def test_bad_parameters_are_refused(db, arguments, message):
    with pytest.raises(AnalyticsError, match=message):
        generate(db, **{"seed": 1, **arguments})


# --- integrity -------------------------------------------------------------------------------------


def test_every_event_belongs_to_a_user_and_a_session(demo):
    assert demo.scalar("SELECT count(*) FROM events e ANTI JOIN users u USING (user_id)") == 0
    assert demo.scalar("SELECT count(*) FROM events WHERE session_id IS NULL") == 0
    assert demo.scalar("SELECT count(*) - count(DISTINCT event_id) FROM events") == 0
    assert demo.scalar("SELECT min(user_id) FROM users") == "u000001"
    assert demo.scalar("SELECT count(*) FROM events WHERE NOT regexp_full_match(event_id, 'e[0-9]+')") == 0


def test_events_lie_in_the_period_and_are_stored_in_time_order(demo):
    low, high = demo.rows("SELECT min(timestamp), max(timestamp) FROM events")[0]
    assert low >= dt.datetime(2023, 5, 28) and high < dt.datetime(2024, 7, 1)
    backwards = demo.scalar(
        "SELECT count(*) FROM (SELECT timestamp < lag(timestamp) OVER (ORDER BY rowid) AS back FROM events) "
        "WHERE back"
    )
    assert backwards == 0


def test_many_small_blocks_still_store_events_in_time_order(seeded, monkeypatch):
    monkeypatch.setattr(analytics.seed, "event_blocks", functools.partial(event_blocks, block_rows=200))
    database = seeded("blocks", users=150, days=90)
    assert database.scalar("SELECT count(*) FROM events") > 10 * 200
    backwards = database.scalar(
        "SELECT count(*) FROM (SELECT timestamp < lag(timestamp) OVER (ORDER BY rowid) AS back FROM events) "
        "WHERE back"
    )
    assert backwards == 0
    assert database.scalar("SELECT count(*) FROM sessions") == database.scalar(
        "SELECT count(*) FROM events WHERE activity_type = 'session_start'"
    )


def test_each_session_starts_with_session_start_and_each_user_signs_up_once(demo):
    first_types = demo.rows(
        "SELECT DISTINCT arg_min(activity_type, timestamp) FROM events GROUP BY session_id"
    )
    assert first_types == [("session_start",)]
    signups = demo.query(
        "SELECT u.user_id, u.signup_at, count(*) AS n, min(e.timestamp) AS at FROM users u "
        "JOIN events e ON e.user_id = u.user_id AND e.activity_type = 'signup' GROUP BY ALL"
    )
    assert len(signups) == 600
    assert (signups["n"] == 1).all()
    assert (signups["signup_at"] == signups["at"]).all()
    earlier = demo.scalar(
        "SELECT count(*) FROM events e JOIN users u USING (user_id) WHERE e.timestamp < u.signup_at - INTERVAL 1 SECOND"
    )
    assert earlier == 0


def test_property_keys_and_types_per_activity(demo):
    keys = demo.rows(
        "SELECT activity_type, list_sort(json_keys(properties)) AS k, count(*) FROM events GROUP BY ALL ORDER BY 1"
    )
    assert {(activity, tuple(k)) for activity, k, _ in keys} == {
        ("achievement", ("achievement",)),
        ("exercise", ("accuracy", "completed", "content_id", "duration_s", "level", "score", "skill")),
        ("feature_use", ("feature",)),
        ("lesson", ("completed", "content_id", "duration_s", "skill")),
        ("session_start", ()),
        ("signup", ()),
        ("upgrade", ("from_plan", "to_plan")),
    }
    exercise_types = demo.rows(
        """SELECT DISTINCT json_type(properties, '$.accuracy'), json_type(properties, '$.completed'),
                  json_type(properties, '$.duration_s'), json_type(properties, '$.score'),
                  json_type(properties, '$.level')
           FROM events WHERE activity_type = 'exercise'"""
    )
    assert exercise_types == [("DOUBLE", "BOOLEAN", "UBIGINT", "UBIGINT", "UBIGINT")]
    accuracy_low, accuracy_high, score_low, score_high, level_low, level_high, duration_low = demo.rows(
        """SELECT min((properties->>'accuracy')::DOUBLE), max((properties->>'accuracy')::DOUBLE),
                  min((properties->>'score')::INT), max((properties->>'score')::INT),
                  min((properties->>'level')::INT), max((properties->>'level')::INT),
                  min((properties->>'duration_s')::INT)
           FROM events WHERE activity_type = 'exercise'"""
    )[0]
    assert 0 <= accuracy_low < accuracy_high <= 1
    assert 0 <= score_low < score_high <= 100
    assert 1 == level_low < level_high <= 10
    assert duration_low > 0
    named = {
        "skill": set(catalog.SKILLS),
        "feature": {feature.name for feature in catalog.FEATURES},
        "achievement": set(catalog.ACHIEVEMENTS),
        "to_plan": {"pro", "team"},
    }
    for key, allowed in named.items():
        found = {row[0] for row in demo.rows(f"SELECT DISTINCT properties->>'{key}' FROM events")} - {None}
        assert found <= allowed, key


def test_users_are_filled_without_revealing_archetypes(demo):
    users = demo.query("SELECT * FROM users")
    filled = ["display_name", "email", "signup_at", "plan", "country", "platform", "attributes"]
    assert users[filled].notna().all().all()
    assert users["email"].is_unique and users["email"].str.fullmatch(r"[a-z]+\.[a-z]+\d+@[a-z.]+").all()
    assert set(users["plan"]) == {"free", "pro", "team"}
    assert set(users["platform"]) == {"web", "ios", "android"}
    assert 8 <= users["country"].nunique() <= 12
    attribute_keys = demo.rows("SELECT DISTINCT list_sort(json_keys(attributes)) FROM users")
    assert attribute_keys == [(["age_band", "goal", "referrer"],)]
    archetypes = [archetype.name for archetype in catalog.ARCHETYPES]
    leaked = demo.scalar(
        "SELECT count(*) FROM users WHERE list_has_any(json_extract_string(attributes, '$.*'), ?)",
        [archetypes],
    )
    assert leaked == 0
    assert (users["created_at"] == users["signup_at"]).all()


def test_about_two_percent_withhold_consent(demo):
    share = demo.scalar("SELECT avg(CAST(NOT consent_analytics AS INT)) FROM users")
    assert 0.003 <= share <= 0.05


def test_network_details_are_stable_per_user_and_match_the_platform(demo):
    per_user = demo.rows(
        "SELECT max(n_ip), max(n_agent), max(n_city) FROM (SELECT user_id, count(DISTINCT ip_address) AS n_ip, "
        "count(DISTINCT user_agent) AS n_agent, count(DISTINCT city) AS n_city FROM events GROUP BY user_id)"
    )
    assert per_user == [(1, 1, 1)]
    assert demo.scalar("SELECT count(DISTINCT user_id) FROM events WHERE ip_address LIKE '%:%'") > 0
    assert demo.scalar("SELECT avg(CAST(ip_address LIKE '%.%.%.%' AS INT)) FROM events") > 0.7
    mismatched = demo.scalar(
        """SELECT count(*) FROM events e JOIN users u USING (user_id)
           WHERE (u.platform = 'ios' AND e.user_agent NOT SIMILAR TO '.*(iPhone|iPad).*')
              OR (u.platform = 'android' AND e.user_agent NOT LIKE '%Android%')
              OR (u.platform = 'web' AND e.user_agent NOT LIKE 'Mozilla/5.0%')
              OR e.country <> u.country"""
    )
    assert mismatched == 0


def test_rollups_are_built_from_the_events(demo):
    day = rollups.local_day_sql("timestamp", load_settings().reporting_timezone)
    user_days = demo.scalar(f"SELECT count(*) FROM (SELECT DISTINCT user_id, {day} FROM events)")
    assert demo.scalar("SELECT count(*) FROM user_daily") == user_days
    assert demo.scalar("SELECT count(*) FROM sessions") == demo.scalar(
        "SELECT count(DISTINCT session_id) FROM events"
    )


# --- ground truth and the patterns analytics must recover --------------------------------------------


def test_churners_leave_for_good_after_fading(demo):
    after_churn = demo.scalar(
        "SELECT count(*) FROM events e JOIN ground_truth_users g USING (user_id) WHERE e.timestamp > g.churn_at"
    )
    assert after_churn == 0
    # Active days per week in the 4 weeks before churn against the 8 weeks before those.
    late, early = demo.rows(
        """WITH days AS (
               SELECT DISTINCT g.user_id, date_diff('day', e.timestamp, g.churn_at) AS before
               FROM events e JOIN ground_truth_users g USING (user_id) JOIN users u USING (user_id)
               WHERE g.churn_at IS NOT NULL AND g.churn_at - u.signup_at > INTERVAL 100 DAY)
           SELECT count(*) FILTER (WHERE before < 28) / 4, count(*) FILTER (WHERE before BETWEEN 28 AND 83) / 8
           FROM days"""
    )[0]
    assert late < 0.7 * early
    depth_late, depth_early = demo.rows(
        """SELECT avg(s.event_count) FILTER (WHERE g.churn_at - s.started_at < INTERVAL 28 DAY),
                  avg(s.event_count) FILTER (WHERE g.churn_at - s.started_at >= INTERVAL 28 DAY)
           FROM sessions s JOIN ground_truth_users g USING (user_id) WHERE g.archetype = 'declining'"""
    )[0]
    assert depth_late < depth_early


def test_every_archetype_is_present_and_churn_is_marked_where_it_happened(demo):
    truth = demo.query(
        "SELECT archetype, count(*) AS n, count(churn_at) AS churned FROM ground_truth_users GROUP BY 1"
    )
    truth = truth.set_index("archetype")
    assert set(truth.index) == {archetype.name for archetype in catalog.ARCHETYPES}
    assert truth.loc[["power", "regular", "resurrecting"], "churned"].sum() == 0
    assert truth.loc["declining", "churned"] > truth.loc["declining", "n"] / 3
    assert truth.loc["casual", "churned"] > truth.loc["casual", "n"] / 3


def test_resurrecting_users_come_back_after_a_long_gap(demo):
    gaps = demo.query(
        """SELECT g.user_id,
                  date_diff('day', max(e.timestamp) FILTER (WHERE e.timestamp < g.resurrect_at), g.resurrect_at) AS gap,
                  count(*) FILTER (WHERE e.timestamp >= g.resurrect_at) AS after
           FROM ground_truth_users g JOIN events e USING (user_id)
           WHERE g.resurrect_at IS NOT NULL GROUP BY g.user_id, g.resurrect_at"""
    )
    assert len(gaps) >= 10
    assert (gaps["gap"] >= 21).all()
    assert (gaps["after"] > 0).all()


def _events_on(demo: Database, kind: str) -> tuple[int, float]:
    """Events on the incident's UTC day, and the mean of the three days either side of it."""
    return demo.rows(
        """WITH daily AS (SELECT CAST(timestamp AS DATE) AS day, count(*) AS n FROM events GROUP BY 1),
                incident AS (SELECT day FROM ground_truth_incidents WHERE kind = ?)
           SELECT max(n) FILTER (WHERE d.day = i.day),
                  avg(n) FILTER (WHERE abs(date_diff('day', i.day, d.day)) BETWEEN 1 AND 3)
           FROM daily d, incident i""",
        [kind],
    )[0]


def test_outage_loses_most_of_the_day_and_spike_multiplies_it(demo):
    outage, around_outage = _events_on(demo, "outage")
    assert outage < 0.45 * around_outage
    spike, around_spike = _events_on(demo, "spike")
    assert spike > 2 * around_spike
    kinds = {row[0] for row in demo.rows("SELECT kind FROM ground_truth_incidents")}
    assert kinds == {"outage", "spike", "feature_launch"}


def test_launched_feature_appears_only_from_its_launch_day(demo):
    launch = demo.scalar("SELECT day FROM ground_truth_incidents WHERE kind = 'feature_launch'")
    first_use, uses = demo.rows(
        "SELECT min(timestamp), count(*) FROM events WHERE properties->>'feature' = 'ai_tutor'"
    )[0]
    assert first_use.date() >= launch
    assert uses > 10


def test_feature_adoption_spreads_over_time(demo):
    shares = demo.query(
        """SELECT date_trunc('quarter', e.timestamp) AS quarter,
                  count(DISTINCT e.user_id) FILTER (WHERE e.activity_type = 'feature_use')
                      / count(DISTINCT e.user_id) AS share
           FROM events e GROUP BY 1 ORDER BY 1"""
    )["share"]
    assert shares.iloc[-1] > shares.iloc[1] + 0.1


def test_weekly_and_yearly_seasonality_and_growth(demo):
    by_weekday = dict(demo.rows("SELECT isodow(timestamp), count(*) FROM events GROUP BY 1"))
    assert by_weekday[1] > 1.2 * by_weekday[6]  # Monday against Saturday
    january, august = demo.rows(
        "SELECT count(*) FILTER (WHERE month(signup_at) = 1), count(*) FILTER (WHERE month(signup_at) = 8) FROM users"
    )[0]
    assert january > 1.5 * august
    first, last = demo.rows(
        "SELECT count(*) FILTER (WHERE signup_at < DATE '2023-10-01'), count(*) FILTER (WHERE signup_at >= DATE '2024-02-29') FROM users"
    )[0]
    assert last > 1.5 * first


def test_sessions_peak_in_the_local_evening(demo):
    zones = {city.name: city.zone for city in catalog.CITIES}
    evening = demo.scalar(
        """SELECT avg(CAST(hour(timezone(z.zone, e.timestamp AT TIME ZONE 'UTC')) BETWEEN 17 AND 22 AS INT))
           FROM events e JOIN (SELECT unnest(?) AS city, unnest(?) AS zone) z USING (city)
           WHERE e.activity_type = 'session_start'""",
        [list(zones), list(zones.values())],
    )
    assert evening > 0.4
    # Evenings in Japan and Australia fall in UTC 6-13h, in the Americas they do not: UTC hours depend on place.
    east, west = demo.rows(
        """SELECT avg(CAST(hour(timestamp) BETWEEN 6 AND 13 AS INT)) FILTER (WHERE country IN ('JP', 'AU')),
                  avg(CAST(hour(timestamp) BETWEEN 6 AND 13 AS INT)) FILTER (WHERE country IN ('US', 'CA', 'MX'))
           FROM events WHERE activity_type = 'session_start'"""
    )[0]
    assert east > west + 0.25


def test_skill_grows_with_practice_faster_for_power_users(demo):
    levels = demo.query(
        """SELECT g.archetype, e.user_id, count(*) AS exercises,
                  arg_min((properties->>'level')::INT, timestamp) AS first_level,
                  max((properties->>'level')::INT) AS max_level,
                  avg((properties->>'accuracy')::DOUBLE) AS accuracy
           FROM events e JOIN ground_truth_users g USING (user_id)
           WHERE e.activity_type = 'exercise' GROUP BY ALL"""
    )
    practised = levels[levels["exercises"] >= 60]
    assert len(practised) >= 5
    assert (practised["max_level"] > practised["first_level"]).all()
    by_archetype = levels.groupby("archetype")["accuracy"].mean()
    assert by_archetype["power"] > by_archetype["casual"] + 0.1
    duration = dict(
        demo.rows(
            "SELECT (properties->>'level')::INT >= 6, avg((properties->>'duration_s')::DOUBLE) FROM events "
            "WHERE activity_type = 'exercise' AND (properties->>'completed')::BOOLEAN GROUP BY 1"
        )
    )
    assert duration[True] < 0.85 * duration[False]
    # Power users learn faster: a higher level at their 60th exercise.
    at_sixtieth = dict(
        demo.rows(
            """WITH ranked AS (
                   SELECT g.archetype = 'power' AS power, (properties->>'level')::INT AS level,
                          row_number() OVER (PARTITION BY e.user_id ORDER BY e.timestamp) AS nth
                   FROM events e JOIN ground_truth_users g USING (user_id) WHERE e.activity_type = 'exercise')
               SELECT power, avg(level) FROM ranked WHERE nth = 60 GROUP BY 1"""
        )
    )
    assert at_sixtieth[True] > at_sixtieth[False] + 0.8


# --- replacing and the command line ------------------------------------------------------------------


def test_seeding_a_filled_database_is_refused_unless_replacing(seeded):
    database = seeded("filled", users=80, days=70)
    with database.transaction() as cursor:
        cursor.execute(
            "INSERT INTO predictions (prediction_id, user_id, prediction_type, prediction_data, model_version) "
            "VALUES ('p1', 'u000001', 'churn', '{}', 'test')"
        )
    before = _checksums(database)
    with pytest.raises(AnalyticsError, match=r"already holds [\d,]+ events and 80 users.*--replace"):
        generate(database, users=50, days=70, seed=3, end_date=END)
    assert _checksums(database) == before
    generate(database, users=50, days=70, seed=3, end_date=END, replace=True)
    fresh = seeded("fresh", users=50, days=70, seed=3)
    assert _checksums(database) == _checksums(fresh)
    assert database.scalar("SELECT count(*) FROM ground_truth_incidents") == 3
    assert database.scalar("SELECT count(*) FROM predictions") == 0
    assert database.scalar("SELECT count(*) FROM user_daily") == fresh.scalar(
        "SELECT count(*) FROM user_daily"
    )


def test_command_line_seeds_refuses_and_replaces(tmp_path, capsys):
    path = str(tmp_path / "cli.duckdb")
    arguments = ["seed", "--db", path, "--users", "60", "--days", "60", "--end", "2024-03-31"]
    assert main(arguments) == 0
    out = capsys.readouterr().out
    assert "Seeding" in out and "Done: 60 users," in out and "rebuilding" in out
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error: The database already holds")
    assert main([*arguments, "--replace", "--seed", "5"]) == 0
    database = open_database(path)
    assert database.scalar("SELECT count(*) FROM users") == 60
    assert database.scalar("SELECT max(timestamp) FROM events") < dt.datetime(2024, 4, 1)
    forget_database(path)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--end", "31/03/2024"], "--end must be a date written YYYY-MM-DD"),
        (["--users", "0"], "'users' parameter"),
    ],
)
def test_command_line_rejects_bad_input_in_one_line(tmp_path, capsys, extra, message):
    assert main(["seed", "--db", str(tmp_path / "bad.duckdb"), "--days", "60", *extra]) == 2
    assert message in capsys.readouterr().err
    forget_database(tmp_path / "bad.duckdb")
