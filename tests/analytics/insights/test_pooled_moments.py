"""The whole population's moments pooled from per-plan moments equal those computed over every user."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.insights.product import PERFORMANCE, _pooled


def test_pooled_moments_match_one_pass_over_all_values():
    draw = np.random.default_rng(7)
    groups, every = [], {name: [] for name in PERFORMANCE}
    for plan, size in (("free", 50), ("pro", 1), ("team", 0), (None, 300)):  # a single user, an empty group
        row: dict[str, object] = {"plan": plan}
        for name in PERFORMANCE:
            values = draw.normal(3.0, 2.0, size)
            every[name].extend(values)
            row |= {
                f"{name}__n": size,
                f"{name}__mean": values.mean() if size else np.nan,
                f"{name}__var": values.var(ddof=1) if size > 1 else np.nan,
            }
        groups.append(row)
    pooled = _pooled(pd.DataFrame(groups))
    for name in PERFORMANCE:
        values = np.array(every[name])
        assert pooled[f"{name}__n"] == len(values)
        assert np.isclose(pooled[f"{name}__mean"], values.mean())
        assert np.isclose(pooled[f"{name}__var"], values.var(ddof=1))
