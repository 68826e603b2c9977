"""Peer percentiles by hand, the minimum peer group, self comparison, comparing users and benchmarks."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError, ConsentWithdrawn, NotFoundError, PermissionDenied
from analytics.filters import Filters
from analytics.peers import (
    MIN_PEERS,
    PEER_METRICS,
    compare_users,
    external_benchmarks,
    peer_percentiles,
    search_users,
    self_comparison,
)
from analytics.viewer import SYSTEM, Viewer
from tests.analytics.recommend.loader import at, load

START = date(2024, 3, 1)
PERIOD = Filters(start=START, end=date(2024, 3, 28))
# Active days and the accuracy of the one exercise each user does on their first day.
PRO = {"t": (4, 0.75), "a": (1, 0.5), "b": (2, 0.6), "c": (3, 0.7), "d": (4, 0.8), "e": (6, 0.9)}
TEAM = {"x": (1, 0.5), "y": (2, 0.5), "z": (3, 0.5), "w": (4, 0.5)}


def events(users: dict[str, tuple[int, float]]) -> list[tuple]:
    found = []
    for user, (days, accuracy) in users.items():
        found.append((user, "exercise", at(START, 9), {"accuracy": accuracy}))
        found += [(user, "lesson", at(START + timedelta(days=n), 10), {}) for n in range(days)]
    return found


@pytest.fixture
def peers_db(db):
    plans = {user: {"plan": "pro"} for user in PRO} | {user: {"plan": "team"} for user in TEAM}
    plans["t"] |= {"display_name": "Tara Smith"}
    plans["gone"] = {"plan": "pro"}
    return load(
        db, [*events(PRO), *events(TEAM), ("gone", "lesson", at(START), {})], users=plans, withdrawn=("gone",)
    )


def test_percentiles_by_hand(peers_db):
    found = peer_percentiles(peers_db, SYSTEM, "t", PERIOD).set_index("metric")
    assert list(found.index) == list(PEER_METRICS)
    days = found.loc["active_days"]
    # Peers' active days 1, 2, 3, 4, 6 (t has 4): quartiles 2, 3, 4; 3 below and 1 equal → (3 + ½) / 5 = 70.
    assert (days["value"], days["peer_p25"], days["peer_median"], days["peer_p75"]) == (4, 2, 3, 4)
    assert (days["percentile"], days["peers"], days["note"]) == (70.0, 5, "")
    accuracy = found.loc["accuracy"]
    # Peers 0.5 … 0.9, t 0.75: 3 below → 60.
    assert accuracy["peer_median"] == pytest.approx(0.7)
    assert accuracy["peer_p25"] == pytest.approx(0.6)
    assert accuracy["percentile"] == 60.0
    assert found.loc["active_day_share", "value"] == pytest.approx(4 / 28)
    assert found.loc["sessions", "value"] == 4  # one session a day


def test_too_few_peers_reveal_nothing(peers_db):
    found = peer_percentiles(peers_db, SYSTEM, "x", PERIOD).set_index("metric")
    assert found.loc[["active_days", "accuracy", "engagement_score"], "peers"].eq(3).all() and MIN_PEERS == 5
    assert found[["peer_median", "peer_p25", "peer_p75", "percentile"]].isna().all().all()
    assert found.loc["active_days", "note"] == "too few peers (3 < 5)"
    assert found.loc["active_days", "value"] == 1


def test_members_see_their_own_percentiles_only(peers_db):
    member = Viewer.for_role("tara", "member", user_id="t")
    assert peer_percentiles(peers_db, member, "t", PERIOD, peer_group="country")["peers"].max() == 9
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        peer_percentiles(peers_db, member, "a", PERIOD)
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        self_comparison(peers_db, member, "a", PERIOD)
    with pytest.raises(PermissionDenied, match="COMPARE_USERS"):
        compare_users(peers_db, member, ["t"], PERIOD)


def test_bad_inputs_are_explained(peers_db):
    with pytest.raises(AnalyticsError, match="'peer_group' option of peer_percentiles must be one of plan"):
        peer_percentiles(peers_db, SYSTEM, "t", PERIOD, peer_group="city")
    with pytest.raises(NotFoundError, match="No user has the user_id 'nobody'"):
        peer_percentiles(peers_db, SYSTEM, "nobody", PERIOD)
    with pytest.raises(ConsentWithdrawn, match="withdrew consent"):
        peer_percentiles(peers_db, SYSTEM, "gone", PERIOD)


def test_self_comparison_against_the_previous_periods(db):
    week = Filters(start=date(2024, 3, 22), end=date(2024, 3, 28))
    # Active days per week, oldest first: 1, 3 (weeks before the first active day do not count), then 4 now.
    days = [date(2024, 3, 10), date(2024, 3, 15), date(2024, 3, 16), date(2024, 3, 17)]
    days += [date(2024, 3, 22) + timedelta(days=n) for n in range(4)]
    load(db, [("u", "lesson", at(day), {}) for day in days])
    found = self_comparison(db, SYSTEM, "u", week, periods=4).set_index("metric")
    row = found.loc["active_days"]
    # Week of 15–21 March: 3 days; 8–14 March: 1 day; the two weeks before the first day are left out.
    assert (row["value"], row["history_mean"], row["history_periods"]) == (4, 2.0, 2)
    assert (row["change"], row["change_pct"]) == (2.0, 100.0)
    assert np.isnan(found.loc["accuracy", "history_mean"])
    with pytest.raises(
        AnalyticsError, match=r"'periods' option of self_comparison must be an int in \[1, 52\]"
    ):
        self_comparison(db, SYSTEM, "u", week, periods=0)


def test_compare_up_to_ten_users_side_by_side(peers_db):
    found = compare_users(peers_db, SYSTEM, ["t", "x", "t"], PERIOD)
    assert list(found["user_id"]) == ["t", "x"]
    assert list(found.columns) == ["user_id", "display_name", "plan", "country", *PEER_METRICS]
    assert found.set_index("user_id").loc["t", "active_days"] == 4
    with pytest.raises(AnalyticsError, match="Compare between 1 and 10 users at a time. Got 11"):
        compare_users(peers_db, SYSTEM, [f"u{n}" for n in range(11)], PERIOD)
    with pytest.raises(NotFoundError, match="nobody, gone"):
        compare_users(peers_db, SYSTEM, ["t", "nobody", "gone"], PERIOD)


def test_search_by_id_or_name_prefix(peers_db):
    assert list(search_users(peers_db, SYSTEM, "TARA")["user_id"]) == ["t"]
    assert list(search_users(peers_db, SYSTEM, "g")["user_id"]) == []  # withdrew consent
    assert len(search_users(peers_db, SYSTEM, "user ", limit=3)) == 3


def test_external_benchmarks_name_their_source():
    found = external_benchmarks("active_day_share")
    assert len(found) >= 1
    assert found["url"].str.startswith("https://").all()
    assert (found["source"].str.len() > 0).all() and found["value"].between(0, 1).all()
    assert external_benchmarks("speed_s").empty
    assert set(external_benchmarks()["metric"]) <= set(PEER_METRICS)
    assert isinstance(found, pd.DataFrame)
