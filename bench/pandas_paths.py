"""Plain pandas versions of the funnels and paths pages (see bench.pandas_reference for the rules)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analytics.funnels.figures import histogram, step_table
from analytics.paths import DEFAULT_MAX_SESSIONS, END, LENGTH_COLUMNS, LINK_COLUMNS, OTHER, SAMPLE_SCALE
from bench.pandas_frames import Frames, PageView, day_bounds, session_table

FUNNEL_STEPS = ("signup", "lesson", "exercise", "upgrade")
FUNNEL_WINDOW_S = 14 * 86_400
PATH_ACTIVITY, PATH_DEPTH, PATH_TOP_N = "lesson", 3, 5


def funnels(frames: Frames, view: PageView) -> dict[str, Any]:
    """signup → lesson → exercise → upgrade within 14 days, sequential: each step the first after the last."""
    events, types = frames.events, sorted(frames.events["activity_type"].unique())
    steps = tuple(name for name in FUNNEL_STEPS if name in types) or tuple(types[:2])
    low, high = day_bounds(frames, view.filters.start, view.filters.end)
    stamps = events["timestamp"]
    entered = events[(events["activity_type"] == steps[0]) & (stamps >= low) & (stamps < high)]
    entered = entered.drop_duplicates("uid")  # each user's earliest by (timestamp, event_id)
    closes_at = entered["timestamp"] + pd.Timedelta(seconds=FUNNEL_WINDOW_S)
    times = np.full((len(entered), len(steps)), np.nan)
    times[:, 0] = 0.0
    # Row positions follow (user, timestamp, event_id) order, so "after an event" is "at a later row".
    reached = pd.DataFrame(
        {"row": np.arange(len(entered)), "uid": entered["uid"].to_numpy(), "pos": entered.index.to_numpy()}
    )
    entered_us = entered["timestamp"].to_numpy().astype("datetime64[us]").astype("int64")
    closes = closes_at.to_numpy()
    for number, step in enumerate(steps[1:], start=1):
        candidates = events[(events["activity_type"] == step) & (stamps >= low)]
        candidates = pd.DataFrame(
            {
                "pos": candidates.index.to_numpy(),
                "uid": candidates["uid"].to_numpy(),
                "at": candidates["timestamp"],
            }
        )
        candidates["next_pos"] = candidates["pos"]
        found = pd.merge_asof(
            reached.sort_values("pos"),
            candidates,
            on="pos",
            by="uid",
            direction="forward",
            allow_exact_matches=False,
        )
        found = found[found["at"].notna() & (found["at"].to_numpy() <= closes[found["row"].to_numpy()])]
        at_us = found["at"].to_numpy().astype("datetime64[us]").astype("int64")
        rows = found["row"].to_numpy()
        times[rows, number] = (at_us - entered_us[rows]) / 1e6
        reached = pd.DataFrame({"row": rows, "uid": found["uid"], "pos": found["next_pos"].astype("int64")})
    open_window = (closes_at > pd.Timestamp(view.now)).to_numpy()
    converted = ~np.isnan(times[:, -1])
    return {
        "funnel_types": types,
        "funnel": {
            "steps": step_table(times, open_window, steps),
            "time_to_convert": histogram(times[converted, -1]),
        },
    }


def paths(frames: Frames, view: PageView) -> dict[str, Any]:
    """What follows a lesson within sessions (3 steps, top 5 per step), and sessions by event count."""
    events = frames.events
    low, high = day_bounds(frames, view.filters.start, view.filters.end)
    sessions = session_table(events, low, high)
    lengths = sessions["event_count"].value_counts().sort_index()
    lengths = pd.DataFrame({"path_length": lengths.index.astype("int64"), "sessions": lengths.to_numpy()})
    lengths["share_pct"] = (100.0 * lengths["sessions"] / lengths["sessions"].sum()).round(1)
    return {
        "funnel_types": sorted(events["activity_type"].unique()),
        "next_steps": _next_steps(events, sessions),
        "path_lengths": lengths[LENGTH_COLUMNS],
    }


def _next_steps(events: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    kept_per_10k = SAMPLE_SCALE
    chosen = sessions
    if len(sessions) > DEFAULT_MAX_SESSIONS:
        # A stable sample of the same size as the analytics' (which hash in DuckDB; pandas cannot).
        kept_per_10k = math.ceil(SAMPLE_SCALE * DEFAULT_MAX_SESSIONS / len(sessions))
        hashed = pd.util.hash_pandas_object(sessions[["user_id"]].assign(sid=sessions.index), index=False)
        chosen = sessions[(hashed % SAMPLE_SCALE < kept_per_10k).to_numpy()]
    # One session's events in time order, sessions one after the other (a user's may overlap in time).
    rows = events[events["sid"].isin(chosen.index)].sort_values("sid", kind="stable")
    sid, kind = rows["sid"], rows["activity_type"]
    rows = rows[(sid != sid.shift()) | (kind != kind.shift())]  # a run of one activity is one step
    position = rows.groupby("sid").cumcount().to_numpy() + 1
    steps = rows.groupby("sid")["sid"].transform("size").to_numpy()
    kinds, uids = rows["activity_type"].to_numpy(), rows["uid"].to_numpy()
    anchors = np.flatnonzero(kinds == PATH_ACTIVITY)
    nodes = []
    for level in range(1, PATH_DEPTH + 1):
        alive = anchors[position[anchors] + level - 1 <= steps[anchors]]
        inside = position[alive] + level <= steps[alive]
        target = np.where(inside, kinds[np.minimum(alive + level, len(kinds) - 1)], END)
        nodes.append(pd.DataFrame({"anchor": alive, "uid": uids[alive], "level": level, "target": target}))
    nodes = pd.concat(nodes, ignore_index=True)
    counted = nodes[nodes["target"] != END].groupby(["level", "target"]).size().rename("n").reset_index()
    counted = counted.sort_values(["level", "n", "target"], ascending=[True, False, True])
    counted["rank"] = counted.groupby("level").cumcount() + 1
    top = counted.loc[counted["rank"] <= PATH_TOP_N, ["level", "target"]].assign(top=True)
    nodes = nodes.merge(top, on=["level", "target"], how="left")
    nodes["target"] = nodes["target"].where((nodes["target"] == END) | nodes["top"].notna(), OTHER)
    nodes = nodes.sort_values(["anchor", "level"])
    nodes["source"] = nodes.groupby("anchor")["target"].shift().fillna(PATH_ACTIVITY)
    links = nodes.groupby(["level", "source", "target"], as_index=False).agg(
        users=("uid", "nunique"), events=("uid", "size")
    )
    anchors_n = links.loc[links["level"] == 1, "events"].sum()
    from_source = links.groupby(["level", "source"])["events"].transform("sum")
    links["share_pct"] = (100.0 * links["events"] / anchors_n).round(1)
    links["share_of_source_pct"] = (100.0 * links["events"] / from_source).round(1)
    links["sample_pct"] = 100.0 * kept_per_10k / SAMPLE_SCALE
    links = links.sort_values(["level", "events", "source", "target"], ascending=[True, False, True, True])
    return links[LINK_COLUMNS]
