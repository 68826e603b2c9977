"""The sidebar filters every dashboard shares, kept in the URL so a view survives reload and can be shared."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from analytics.errors import AnalyticsError
from analytics.filters import GRAINS, SEGMENT_KEYS_HELP, Filters, parse_segment

PRESETS_DAYS = {"Last 7 days": 7, "Last 28 days": 28, "Last 90 days": 90, "Last 365 days": 365}
CUSTOM = "Custom"


def sidebar_filters(
    first_day: date, last_day: date, *, activity_types: list[str] | None = None, grain: bool = True
) -> Filters:
    """Draw the filters in the sidebar from (and back into) the URL query string; return them."""
    try:
        current = Filters.from_query(
            dict(st.query_params),
            default_start=max(first_day, last_day - timedelta(days=27)),
            default_end=last_day,
        )
    except AnalyticsError as exc:
        st.sidebar.warning(f"Ignored the link's filters: {exc}")
        current = Filters(start=max(first_day, last_day - timedelta(days=27)), end=last_day)

    bar = st.sidebar
    bar.header("Filters")
    preset_names = [*PRESETS_DAYS, CUSTOM]
    matching = next(
        (name for name, days in PRESETS_DAYS.items() if current.end == last_day and current.days == days),
        CUSTOM,
    )
    preset = bar.selectbox("Period", preset_names, index=preset_names.index(matching))
    if preset == CUSTOM:
        picked = bar.date_input(
            "From – to",
            value=(max(first_day, min(current.start, last_day)), min(current.end, last_day)),
            min_value=first_day,
            max_value=last_day,
        )
        start, end = picked if len(picked) == 2 else (picked[0], picked[0])
    else:
        end = last_day
        start = max(first_day, last_day - timedelta(days=PRESETS_DAYS[preset] - 1))

    chosen_grain = current.grain
    if grain:
        chosen_grain = bar.segmented_control("Granularity", GRAINS, default=current.grain) or current.grain

    segment_text = bar.text_input(
        "Segment",
        value=",".join(f"{k}={v}" for k, v in current.segment),
        placeholder="plan=pro,country=DE",
        help=f"Comma-separated KEY=VALUE conditions; keys: {SEGMENT_KEYS_HELP}.",
    )
    try:
        segment = tuple(parse_segment(segment_text)) if segment_text.strip() else ()
    except AnalyticsError as exc:
        bar.error(str(exc))
        segment = current.segment

    chosen_activity: tuple[str, ...] = current.activity_types
    if activity_types is not None:
        chosen_activity = tuple(
            bar.multiselect(
                "Activity types",
                sorted(activity_types),
                default=[a for a in current.activity_types if a in activity_types],
                placeholder="all",
            )
        )

    filters = Filters(
        start=start, end=end, grain=chosen_grain, segment=segment, activity_types=chosen_activity
    )
    st.query_params.from_dict(filters.to_query())
    return filters
