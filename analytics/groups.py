"""Per-group pandas work spread over the analytic engine: Spark's grouped pandas UDFs (`applyInPandas`)
when the backend is Spark, a loop in this process otherwise.

Used where one Python function runs over many independent groups: scoring a large population of users
with a fitted model, and fitting one forecast per series.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from analytics.db import Database

SCORING_GROUPS = 64
"""User buckets a population is scored in on Spark (each a task; a few thousand users per bucket at 100k+)."""

GroupFunction = Callable[[pd.DataFrame], pd.DataFrame]


def on_spark(db: Database) -> bool:
    """Whether `db` sends analytic work to Spark."""
    return callable(getattr(db.engine, "map_groups", None))


def map_groups(
    db: Database, frame: pd.DataFrame, key: str, function: GroupFunction, schema: str
) -> pd.DataFrame:
    """`function` applied to each group of `frame` by `key`, results concatenated (in no set order).

    `schema` is the result's columns as a Spark DDL string ("user_id string, score double"); Spark needs it
    up front, and locally it documents what `function` returns.
    """
    if on_spark(db) and len(frame):
        return db.engine.map_groups(frame, key, function, schema)
    parts = [function(group) for _, group in frame.groupby(key, sort=True)]
    return pd.concat(parts, ignore_index=True) if parts else function(frame.iloc[:0])


def score_users(db: Database, users: pd.DataFrame, score: GroupFunction, schema: str) -> pd.DataFrame:
    """`score(users)` (a frame with one row per user_id), in buckets of users on Spark; rows in `users`' order."""
    if not on_spark(db):
        return score(users)
    bucket = (pd.util.hash_pandas_object(users["user_id"], index=False).to_numpy() % SCORING_GROUPS).astype(
        "int64"
    )
    scored = map_groups(
        db, users.assign(_bucket=bucket), "_bucket", lambda part: score(part.drop(columns="_bucket")), schema
    )
    order = pd.Series(range(len(users)), index=users["user_id"].to_numpy())
    return scored.iloc[order.loc[scored["user_id"]].argsort().to_numpy()].reset_index(drop=True)
