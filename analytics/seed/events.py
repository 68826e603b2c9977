"""What happens inside each session: the events, expanded block by block in timestamp order.

Sessions arrive ordered by start. Each block of sessions becomes event rows (numeric codes; `writer`
turns them into strings and JSON in SQL). Rows that end after the next block's first session are held
back and merged into it, so the blocks together are in exact timestamp order.

Skill follows practice: a user's level is 1 + 10 * (1 - exp(-exercises done / learn_exercises)), capped
at 10; accuracy rises and exercise time falls with the same progress, and both suffer when engagement
fades before churn.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from analytics.seed import catalog as c
from analytics.seed.activity import Plan, Sessions
from analytics.seed.users import Population

BLOCK_ROWS = 1_000_000
COLUMNS = {
    "session": np.int64,  # 1-based session number
    "user": np.int32,
    "ts_ms": np.int64,  # UTC epoch milliseconds
    "type": np.int8,  # index into catalog.ACTIVITY_TYPES
    "content": np.int16,  # index of the lesson or exercise within its level
    "level": np.int8,
    "accuracy": np.float64,
    "duration_s": np.int32,
    "completed": np.bool_,
    "score": np.int16,
    "feature": np.int8,
    "achievement": np.int8,
    "from_plan": np.int8,
    "to_plan": np.int8,
}
Rows = dict[str, np.ndarray]


def max_events(plan: Plan) -> int:
    """An upper bound on the events `event_blocks` yields (for the width of event ids)."""
    per_user = 1 + len(c.ACHIEVEMENTS) + 1  # signup, each achievement once, one upgrade
    return len(plan.sessions) + int(plan.sessions.items.sum()) + per_user * len(plan.signup_ms)


def event_blocks(
    plan: Plan, population: Population, end_ms: int, seed: int, *, block_rows: int = BLOCK_ROWS
) -> Iterator[Rows]:
    """Yield event rows before `end_ms` in timestamp order, about `block_rows` at a time.

    Each block is drawn from its own stream, so the output depends only on the plan and the seed.
    """
    sessions = plan.sessions
    awarded = np.zeros(len(population), dtype=bool)  # accuracy_90 already given
    cumulative = np.cumsum(sessions.items + 2)
    cuts = np.searchsorted(cumulative, np.arange(block_rows, cumulative[-1], block_rows), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(sessions)]]))
    held: Rows | None = None
    for number, (low, high) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        rng = np.random.default_rng([seed, 2, number])
        rows = _block_rows(sessions.take(slice(low, high)), int(low), population, awarded, rng)
        if held is not None:
            rows = {name: np.concatenate([held[name], rows[name]]) for name in COLUMNS}
        rows = _take(rows, np.argsort(rows["ts_ms"], kind="stable"))
        # The last block stops at the period's end: sessions running then are cut off, as in a snapshot.
        cut = np.searchsorted(rows["ts_ms"], end_ms if high == len(sessions) else sessions.start_ms[high])
        held = _take(rows, slice(cut, None))
        yield _take(rows, slice(0, cut))


def _take(rows: Rows, index: np.ndarray | slice) -> Rows:
    return {name: values[index] for name, values in rows.items()}


def _rows(
    session: np.ndarray, user: np.ndarray, ts_ms: np.ndarray, kind: int | np.ndarray, **values: object
) -> Rows:
    """Rows of the activity type(s) `kind`; columns not given are zero (SQL reads only a type's own)."""
    count = len(ts_ms)
    rows = {name: np.zeros(count, dtype) for name, dtype in COLUMNS.items()}
    rows.update(session=session, user=user, ts_ms=ts_ms)
    for name, value in {"type": kind, **values}.items():
        rows[name] = np.broadcast_to(np.asarray(value), count).astype(COLUMNS[name])
    return rows


class _Items:
    """The lessons, exercises and feature uses of a block of sessions, one array entry per item."""

    def __init__(self, sessions: Sessions, rng: np.random.Generator) -> None:
        self.count = sessions.items
        self.first = np.cumsum(self.count) - self.count  # index of each session's first item
        self.session = np.repeat(np.arange(len(sessions)), self.count)
        self.kind = _item_kinds(sessions, self.session, self.first, self.count, rng)
        self.user = sessions.user[self.session]

    def within_session(self, values: np.ndarray) -> np.ndarray:
        """Running sum of `values` over the earlier items of the same session (exclusive)."""
        before = np.cumsum(values) - values
        return before - np.repeat(before[self.first], self.count)


def _practice(
    sessions: Sessions, items: _Items, population: Population, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Properties of lessons and exercises: skill grows with exercises done; fading engagement hurts."""
    size = len(items.kind)
    is_exercise = items.kind == c.EXERCISE
    done = sessions.exercises_before[items.session] + items.within_session(is_exercise)
    progress = 1 - np.exp(-done / population.learn_exercises[items.user])
    user_level = np.minimum(1 + (progress * c.LEVELS).astype(np.int8), c.LEVELS)
    stretch = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=size, p=[0.10, 0.75, 0.15])
    level = np.where(is_exercise, np.clip(user_level + stretch, 1, c.LEVELS), user_level)
    engagement = sessions.engagement[items.session]
    logit = population.accuracy_logit[items.user] + 1.4 * progress - 0.4 * (level - user_level)
    logit = logit - 0.9 * (1 - engagement) + rng.normal(0, 0.8, size)
    accuracy = np.round(1 / (1 + np.exp(-logit)), 3)
    completed = rng.random(size) < np.where(
        is_exercise, 0.5 + 0.3 * engagement + 0.15 * accuracy, 0.6 + 0.35 * engagement
    )
    score = np.where(
        completed,
        np.clip(np.rint(100 * accuracy + rng.normal(0, 4, size)), 0, 100),
        np.rint(100 * accuracy * rng.uniform(0.1, 0.6, size)),
    )
    base_s = np.where(is_exercise, 150 * (1.45 - 0.8 * progress), 330.0)
    partial = np.where(completed, 1.0, rng.uniform(0.15, 0.75, size))
    # Popular content first: low indexes within a level are drawn more often.
    content = np.where(
        is_exercise,
        c.EXERCISES_PER_LEVEL * rng.random(size) ** 1.6,
        c.LESSONS_PER_LEVEL * rng.random(size) ** 1.4,
    )
    return {
        "done": done,
        "content": content,
        "level": level,
        "accuracy": accuracy,
        "duration_s": np.maximum(np.rint(base_s * rng.lognormal(0, 0.32, size) * partial), 5),
        "completed": completed,
        "score": score,
    }


def _block_rows(
    sessions: Sessions, offset: int, population: Population, awarded: np.ndarray, rng: np.random.Generator
) -> Rows:
    """Every event of `sessions` (numbered from offset + 1), in no particular order.

    `awarded` marks users who already have accuracy_90; it is updated for the next block.
    """
    number = offset + 1 + np.arange(len(sessions), dtype=np.int64)
    items = _Items(sessions, rng)
    practice = _practice(sessions, items, population, rng)
    done = practice.pop("done")
    is_feature = items.kind == c.FEATURE_USE
    feature = _pick_features(population, items.user, sessions.day[items.session], is_feature, rng)

    # An event is logged when its item ends; items follow each other with short pauses.
    spent_ms = np.where(
        is_feature, rng.integers(20_000, 90_000, len(is_feature)), practice["duration_s"] * 1000
    )
    spent_ms = spent_ms + rng.integers(3_000, 25_000, len(is_feature))
    item_ms = sessions.start_ms[items.session] + 3_000 + items.within_session(spent_ms) + spent_ms
    last_ms = item_ms[items.first + items.count - 1]

    is_exercise = items.kind == c.EXERCISE
    hundredth = np.flatnonzero(is_exercise & (done == 99))
    accurate = np.flatnonzero(
        is_exercise & (practice["accuracy"] >= 0.9) & (done >= 29) & ~awarded[items.user]
    )
    accurate = accurate[np.unique(items.user[accurate], return_index=True)[1]]
    awarded[items.user[accurate]] = True

    start, owner = sessions.start_ms, sessions.user
    signup, week, streak, upgrade = sessions.signup, sessions.first_week, sessions.streak, sessions.upgrade
    by_item = number[items.session]
    groups = [
        _rows(number, owner, start, c.SESSION_START),
        _rows(number[signup], owner[signup], start[signup] + 1_000, c.SIGNUP),
        _rows(number[week], owner[week], start[week] + 2_000, c.ACHIEVEMENT, achievement=c.FIRST_WEEK),
        _rows(number[streak], owner[streak], start[streak] + 2_500, c.ACHIEVEMENT, achievement=c.STREAK_7),
        _rows(by_item, items.user, item_ms, items.kind, feature=feature, **practice),
        _rows(
            by_item[hundredth],
            items.user[hundredth],
            item_ms[hundredth] + 1_000,
            c.ACHIEVEMENT,
            achievement=c.EXERCISES_100,
        ),
        _rows(
            by_item[accurate],
            items.user[accurate],
            item_ms[accurate] + 1_500,
            c.ACHIEVEMENT,
            achievement=c.ACCURACY_90,
        ),
        _rows(
            number[upgrade],
            owner[upgrade],
            last_ms[upgrade] + rng.integers(10_000, 120_000, int(upgrade.sum())),
            c.UPGRADE,
            from_plan=population.plan_at_signup[owner[upgrade]],
            to_plan=population.upgrade_to[owner[upgrade]],
        ),
    ]
    return {name: np.concatenate([group[name] for group in groups]) for name in COLUMNS}


def _item_kinds(
    sessions: Sessions,
    session: np.ndarray,
    first_item: np.ndarray,
    items: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Activity type of each item, in a random order within its session."""
    position = np.arange(len(session)) - np.repeat(first_item, items)
    exercises, lessons = sessions.exercises[session], sessions.lessons[session]
    kind = np.where(
        position < exercises, c.EXERCISE, np.where(position < exercises + lessons, c.LESSON, c.FEATURE_USE)
    ).astype(np.int8)
    return kind[np.argsort(session + 0.999 * rng.random(len(session)))]


def _pick_features(
    population: Population,
    user: np.ndarray,
    day: np.ndarray,
    is_feature: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """For feature uses, a feature the user has adopted by that day, weighted by popularity."""
    feature = np.zeros(len(user), dtype=np.int8)
    index = np.flatnonzero(is_feature)
    adopted = population.adoption_day[user[index]] <= day[index][:, None]
    weights = np.cumsum(adopted * np.array([f.popularity for f in c.FEATURES]), axis=1)
    threshold = rng.random(len(index)) * weights[:, -1]
    feature[index] = (weights <= threshold[:, None]).sum(axis=1)
    return feature
