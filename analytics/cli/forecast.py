"""`forecast` and `anomalies`: a metric's forecast, or its unusual days, as a table or a CSV file.

Both read the whole history of the database (from its first day with events) as the system viewer.
Their output columns are stable, so scripts and other tools may rely on them.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from analytics.cli import add_db_argument
from analytics.db import Database, open_database
from analytics.errors import AnalyticsError
from analytics.filters import GRAINS, SEGMENT_KEYS_HELP, USER_COLUMNS, Filters, parse_segment
from analytics.metrics import METRIC_HELP, parse_metric
from analytics.overview import data_days
from analytics.viewer import SYSTEM

FORECAST_COLUMNS = ["date", "yhat", "yhat_lower", "yhat_upper"]
DEFAULT_WINDOW_DAYS = 28


def register(commands: argparse._SubParsersAction) -> None:
    forecast = commands.add_parser(
        "forecast",
        help="forecast a metric (Prophet or the seasonal-naive baseline, whichever backtests better)",
        description="Forecast a metric; prints date, yhat, yhat_lower, yhat_upper and the model's quality.",
    )
    _common(forecast)
    forecast.add_argument("--as-of", metavar="DATE", help="fit only on data up to the end of this day")
    forecast.add_argument("--horizon-days", metavar="N", type=int, default=30, help="days ahead (default 30)")
    forecast.add_argument(
        "--interval", type=float, choices=(0.8, 0.95), default=0.8, help="width of yhat_lower..yhat_upper"
    )
    forecast.add_argument("--holidays", metavar="COUNTRY", help="add this country's holidays (ISO code)")
    forecast.add_argument(
        "--by",
        choices=USER_COLUMNS,
        help="one forecast per value of this user column (on Spark's executors with a Spark backend); "
        "prints segment, date, yhat, yhat_lower, yhat_upper, model, prophet_mape, baseline_mape, problem",
    )
    forecast.add_argument("--top", metavar="N", type=int, default=10, help="with --by: the N largest values")
    forecast.set_defaults(handler=run_forecast)

    anomalies = commands.add_parser(
        "anomalies",
        help="find a metric's unusual days (or weeks, months)",
        description="Judge each period against the data before it; prints date, value, expected, lower, "
        "upper, is_anomaly, score.",
    )
    _common(anomalies)
    anomalies.add_argument(
        "--start", metavar="DATE", help=f"first day judged (default: {DEFAULT_WINDOW_DAYS} days before --end)"
    )
    anomalies.add_argument("--end", metavar="DATE", help="last day judged (default: the last day with data)")
    anomalies.add_argument("--method", choices=("auto", "forecast", "robust_z"), default="auto")
    anomalies.set_defaults(handler=run_anomalies)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--metric", metavar="SPEC", required=True, help=METRIC_HELP)
    add_db_argument(parser)
    parser.add_argument("--grain", choices=GRAINS, default="day")
    parser.add_argument("--segment", metavar="K=V", help=f"only these users: {SEGMENT_KEYS_HELP}")
    parser.add_argument("--out", metavar="FILE.csv", help="write a CSV file instead of printing a table")


def run_forecast(args: argparse.Namespace) -> int:
    from analytics.forecast import forecast

    db = open_database(args.db)
    filters = _filters(db, args, start=None, end=None)
    as_of = _day(args.as_of, "--as-of")
    if args.by:
        return _forecast_by(db, args, filters if as_of is None else replace(filters, end=as_of))
    result = forecast(
        db,
        SYSTEM,
        parse_metric(args.metric),
        filters,
        horizon_days=args.horizon_days,
        as_of=as_of,
        holidays_country=args.holidays,
        interval=args.interval,
    )
    _emit(result.forecast[FORECAST_COLUMNS], args.out)
    print(f"{result.note} Trend: {result.trend}.")
    return 0


def _forecast_by(db: Database, args: argparse.Namespace, filters: Filters) -> int:
    from analytics.forecast.by_segment import forecast_by_segment

    found = forecast_by_segment(
        db,
        SYSTEM,
        parse_metric(args.metric),
        filters,
        by=args.by,
        top_n=args.top,
        horizon_days=args.horizon_days,
        interval=args.interval,
    )
    _emit(found, args.out)
    print(
        f"{found['segment'].nunique()} segments by {args.by}; {int(found['problem'].notna().sum())} not forecast."
    )
    return 0


def run_anomalies(args: argparse.Namespace) -> int:
    from analytics.anomalies import detect_anomalies

    db = open_database(args.db)
    filters = _filters(db, args, start=_day(args.start, "--start"), end=_day(args.end, "--end"))
    found = detect_anomalies(db, SYSTEM, parse_metric(args.metric), filters, method=args.method)
    _emit(found, args.out)
    print(f"{int(found['is_anomaly'].sum())} of {len(found)} periods are anomalies.")
    return 0


def _filters(db: Database, args: argparse.Namespace, *, start: date | None, end: date | None) -> Filters:
    span = data_days(db, SYSTEM)
    if span is None:
        raise AnalyticsError(
            f"The database {db.path} has no events yet; import some with `python -m analytics import`."
        )
    first, last = span
    end = end or last
    segment = tuple(parse_segment(args.segment)) if args.segment else ()
    if start is None:
        start = (
            first if args.command == "forecast" else max(first, end - timedelta(days=DEFAULT_WINDOW_DAYS - 1))
        )
    return Filters(start=start, end=end, grain=args.grain, segment=segment)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AnalyticsError(f"The {option} option must be a date like 2025-01-31. Got {text!r}.") from exc


def _emit(frame: pd.DataFrame, out: str | None) -> None:
    if out:
        frame.to_csv(Path(out), index=False)
        print(f"Wrote {len(frame)} rows to {out}.")
    else:
        print(frame.to_string(index=False, float_format=lambda value: f"{value:,.2f}"))
