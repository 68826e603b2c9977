"""Funnel figures from per-user step times: conversion per step, time to convert, histogram, significance.

Input is one row per entered user (no user ids): `open` (conversion window still open at `now`) and
s_1..s_N, the seconds from entry to each step (NaN when not reached; s_1 = 0). Everything here is
vectorised over users; loops run over steps, bins and segment values only.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

STEP_COLUMNS = [
    "step",
    "activity_type",
    "users",
    "conversion_pct",
    "step_conversion_pct",
    "dropped",
    "still_in_window",
    "median_s_from_previous",
    "p90_s_from_previous",
    "median_s_from_start",
    "p90_s_from_start",
]
HISTOGRAM_COLUMNS = ["bin", "start_s", "end_s", "label", "users", "share_pct"]
SIGNIFICANCE_COLUMNS = [
    "segment",
    "entered",
    "converted",
    "conversion_pct",
    "rest_entered",
    "rest_converted",
    "rest_conversion_pct",
    "test",
    "z",
    "p_value",
    "significant",
    "sample",
]
MIN_SAMPLE_USERS = 30
MIN_EXPECTED_COUNT = 5
"""Below this expected count in any cell the normal approximation fails: Fisher's exact test is used."""
SIGNIFICANCE_LEVEL = 0.05
MAX_BINS = 20
BIN_WIDTHS_S = (
    1, 2, 5, 10, 15, 30,
    60, 120, 300, 600, 900, 1800,
    3600, 7200, 10800, 21600, 43200,
    86400, 172800, 432000, 604800, 1209600, 2592000,
)  # fmt: skip
"""Histogram bin widths to choose from: whole seconds, minutes, hours and days."""
UNITS = ((86400, "d"), (3600, "h"), (60, "min"), (1, "s"))
OTHER = "(other)"


def step_times(wide: pd.DataFrame, steps: int) -> np.ndarray:
    """The users × steps matrix of seconds from entry (NaN = not reached)."""
    return wide[[f"s_{number}" for number in range(1, steps + 1)]].to_numpy(dtype=float, na_value=np.nan)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _quantiles(values: np.ndarray) -> tuple[float | None, float | None]:
    """Median and 90th percentile (linear interpolation), or None for no values."""
    if values.size == 0:
        return None, None
    median, p90 = np.percentile(values, [50, 90])
    return round(float(median), 3), round(float(p90), 3)


def step_table(times: np.ndarray, open_window: np.ndarray, steps: tuple[str, ...]) -> pd.DataFrame:
    """One row per step with STEP_COLUMNS (see docs/metrics/funnels-paths.md)."""
    reached = ~np.isnan(times)
    entered = int(reached[:, 0].sum())
    rows = []
    for index, activity in enumerate(steps):
        users = int(reached[:, index].sum())
        row = {
            "step": index + 1,
            "activity_type": activity,
            "users": users,
            "conversion_pct": _pct(users, entered),
        }
        if index == 0:
            row |= {"step_conversion_pct": None, "dropped": 0, "still_in_window": 0}
            from_previous = from_start = (None, None)
        else:
            stopped = reached[:, index - 1] & ~reached[:, index]
            row |= {
                "step_conversion_pct": _pct(users, int(reached[:, index - 1].sum())),
                "dropped": int((stopped & ~open_window).sum()),
                "still_in_window": int((stopped & open_window).sum()),
            }
            done = reached[:, index]
            from_previous = _quantiles(times[done, index] - times[done, index - 1])
            from_start = _quantiles(times[done, index])
        row |= {
            "median_s_from_previous": from_previous[0],
            "p90_s_from_previous": from_previous[1],
            "median_s_from_start": from_start[0],
            "p90_s_from_start": from_start[1],
        }
        rows.append(row)
    return pd.DataFrame(rows, columns=STEP_COLUMNS)


def segment_tables(
    segments: pd.Series | None, times: np.ndarray, open_window: np.ndarray, steps: tuple[str, ...]
) -> pd.DataFrame:
    """`segment` + STEP_COLUMNS: the step table of each segment value's users (none without segments)."""
    parts = []
    for value in sorted(segments.unique()) if segments is not None else []:
        members = (segments == value).to_numpy()
        part = step_table(times[members], open_window[members], steps)
        part.insert(0, "segment", value)
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["segment", *STEP_COLUMNS])


def histogram(durations_s: np.ndarray) -> pd.DataFrame:
    """Users by whole-funnel time to convert, in equal bins of a round width giving at most MAX_BINS bins."""
    if durations_s.size == 0:
        return pd.DataFrame(columns=HISTOGRAM_COLUMNS)
    longest = float(durations_s.max())
    width = next((w for w in BIN_WIDTHS_S if math.floor(longest / w) < MAX_BINS), BIN_WIDTHS_S[-1])
    index = np.floor(durations_s / width).astype(int)
    counts = np.bincount(index, minlength=int(index.max()) + 1)
    starts = np.arange(counts.size) * width
    size, unit = next((size, unit) for size, unit in UNITS if width % size == 0)
    labels = [f"{start // size}–{(start + width) // size} {unit}" for start in starts]
    return pd.DataFrame(
        {
            "bin": np.arange(counts.size),
            "start_s": starts,
            "end_s": starts + width,
            "label": labels,
            "users": counts,
            "share_pct": np.round(100.0 * counts / counts.sum(), 1),
        }
    )


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> tuple[str, float | None, float]:
    """Compare x1/n1 with x2/n2: (test name, z or None, two-sided p-value).

    The pooled two-proportion z-test when every cell of the 2×2 table expects at least
    MIN_EXPECTED_COUNT users, otherwise Fisher's exact test (the z-test is wrong for rare conversions).
    """
    pooled = (x1 + x2) / (n1 + n2)
    expected = min(n1, n2) * min(pooled, 1 - pooled)
    if expected < MIN_EXPECTED_COUNT:
        return "fisher_exact", None, float(stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue)
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return "z_test", round(z, 4), math.erfc(abs(z) / math.sqrt(2))


def top_segments(segments: pd.Series, most: int) -> pd.Series:
    """Segment values with the `most` values of most users kept and the rest pooled as '(other)'."""
    counts = segments.value_counts()
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = {value for value, _ in ranked[:most]}
    return segments.where(segments.isin(kept), OTHER)


def significance(segments: pd.Series | None, converted: np.ndarray) -> pd.DataFrame:
    """Each segment value's overall conversion against all other entered users (SIGNIFICANCE_COLUMNS)."""
    total, total_converted = len(converted), int(converted.sum())
    rows = []
    for value in sorted(segments.unique()) if segments is not None else []:
        members = (segments == value).to_numpy()
        n1, x1 = int(members.sum()), int(converted[members].sum())
        n2, x2 = total - n1, total_converted - x1
        enough = n1 >= MIN_SAMPLE_USERS and n2 >= MIN_SAMPLE_USERS
        test, z, p_value = two_proportion_test(x1, n1, x2, n2) if enough else (None, None, None)
        rows.append(
            {
                "segment": value,
                "entered": n1,
                "converted": x1,
                "conversion_pct": _pct(x1, n1),
                "rest_entered": n2,
                "rest_converted": x2,
                "rest_conversion_pct": _pct(x2, n2),
                "test": test,
                "z": z,
                "p_value": p_value,
                "significant": bool(p_value is not None and p_value < SIGNIFICANCE_LEVEL),
                "sample": "ok" if enough else "insufficient sample",
            }
        )
    return pd.DataFrame(rows, columns=SIGNIFICANCE_COLUMNS)
