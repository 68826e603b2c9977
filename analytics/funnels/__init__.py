"""Funnels: conversion through an ordered list of activity types within a window, with breakdowns.

`funnel` returns a FunnelResult (per-step conversion, time to convert, breakdown with significance);
`funnel_users` lists the users behind one step. Definitions: docs/metrics/funnels-paths.md.
"""

from analytics.funnels.figures import HISTOGRAM_COLUMNS, SIGNIFICANCE_COLUMNS, STEP_COLUMNS
from analytics.funnels.funnel import FunnelResult, funnel, funnel_users, known_activity_types
from analytics.funnels.progress import MAX_STEPS, MAX_WINDOW_S, ORDERS

__all__ = [
    "HISTOGRAM_COLUMNS",
    "MAX_STEPS",
    "MAX_WINDOW_S",
    "ORDERS",
    "SIGNIFICANCE_COLUMNS",
    "STEP_COLUMNS",
    "FunnelResult",
    "funnel",
    "funnel_users",
    "known_activity_types",
]
