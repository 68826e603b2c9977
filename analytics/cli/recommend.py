"""`recommend` and `insights`: store a batch of recommendations, or print the insights of a period.

Both run as the system viewer. `recommend` prints (or writes as CSV) user_id, rank, recommendation_type,
item, score, reason, then the recommender's measured hit-rate@10 against the most-popular baseline.
`insights` prints product insights (or one user's with --user); --out writes them, with the behaviour
correlations for product insights, as JSON.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from analytics.cli import add_db_argument
from analytics.db import Database, open_database
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.overview import data_days
from analytics.privacy.csv_cells import safe_csv_text
from analytics.viewer import SYSTEM

RECOMMEND_COLUMNS = ["user_id", "rank", "recommendation_type", "item", "score", "reason"]
DEFAULT_DAYS = 28


def register(commands: argparse._SubParsersAction) -> None:
    recommend = commands.add_parser(
        "recommend",
        help="generate and store recommendations (content, features and coaching advice)",
        description="Generate recommendations for every user active in the last 28 days (or --user), store "
        "them (replacing open ones of the same model version) and print them.",
    )
    add_db_argument(recommend)
    recommend.add_argument(
        "--as-of", metavar="DATE", help="use data up to the end of this day (default: last day)"
    )
    recommend.add_argument(
        "--k", metavar="N", type=int, default=10, help="recommendations per user (default 10)"
    )
    recommend.add_argument("--user", metavar="ID", action="append", help="only this user (repeatable)")
    recommend.add_argument("--out", metavar="FILE.csv", help="write a CSV file instead of printing a table")
    recommend.set_defaults(handler=run_recommend)

    insights = commands.add_parser(
        "insights",
        help="ranked insights that pass a significance filter, with the number behind each",
        description="Print product insights for a period (default: the last 28 days with data), or one user's.",
    )
    add_db_argument(insights)
    insights.add_argument(
        "--start", metavar="DATE", help=f"first day (default: {DEFAULT_DAYS} days before --end)"
    )
    insights.add_argument("--end", metavar="DATE", help="last day (default: the last day with data)")
    insights.add_argument("--user", metavar="ID", help="personal insights of this user")
    insights.add_argument("--out", metavar="FILE.json", help="write JSON instead of printing")
    insights.set_defaults(handler=run_insights)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AnalyticsError(f"The {option} option must be a date like 2025-01-31. Got {text!r}.") from exc


def _span(db: Database) -> tuple[date, date]:
    span = data_days(db, SYSTEM)
    if span is None:
        raise AnalyticsError(
            f"The database {db.path} has no events yet; import some with `python -m analytics import`."
        )
    return span


def run_recommend(args: argparse.Namespace) -> int:
    from analytics.recommend import build_recommendations

    db = open_database(args.db)
    as_of = _day(args.as_of, "--as-of")
    batch = build_recommendations(db, SYSTEM, as_of=as_of, user_ids=args.user, k=args.k, evaluate=True)
    with db.transaction() as cursor:
        batch.write(cursor)
    table = batch.recommendations.rename(columns={"priority_score": "score"})[RECOMMEND_COLUMNS]
    if args.out:
        Path(args.out).write_text(safe_csv_text(table), encoding="utf-8")
        print(f"Wrote {len(table)} recommendations for {table['user_id'].nunique()} users to {args.out}.")
    else:
        with pd.option_context("display.max_colwidth", 120):
            print(table.to_string(index=False, float_format=lambda value: f"{value:.1f}"))
    quality = batch.evaluation
    print(f"Stored {len(table)} recommendations. Item model quality: {quality} ({quality.seconds:.1f} s).")
    return 0


def run_insights(args: argparse.Namespace) -> int:
    from analytics.insights import behaviour_correlations, personal_insights, product_insights
    from analytics.insights.correlations import cohort_filters

    db = open_database(args.db)
    first, last = _span(db)
    end = _day(args.end, "--end") or last
    start = _day(args.start, "--start") or max(first, end - timedelta(days=DEFAULT_DAYS - 1))
    filters = Filters(start=start, end=end)
    if args.user:
        found = personal_insights(db, SYSTEM, args.user, filters)
        payload: dict[str, object] = {"user_id": args.user}
    else:
        found = product_insights(db, SYSTEM, filters)
        cohort = cohort_filters(filters, first)
        correlations = behaviour_correlations(db, SYSTEM, cohort)
        payload = {
            "correlations": correlations.to_dict(orient="records"),
            "cohort_start": cohort.start.isoformat(),
        }
    payload = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "insights": [i.to_dict() for i in found],
        **payload,
    }
    if args.out:
        Path(args.out).write_text(json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")
        print(f"Wrote {len(found)} insights to {args.out}.")
        return 0
    print(f"Insights from {start} to {end}{' for ' + args.user if args.user else ''}:")
    for number, insight in enumerate(found, start=1):
        evidence = "size filter" if insight.p_value is None else f"p={insight.p_value:.2g}"
        print(f"{number:2}. {insight.text} ({evidence}, score {insight.score:.2f}) → {insight.link}")
    if not found:
        print("Nothing passed the filter (adjusted p < 0.01 and an effect of at least 5%).")
    return 0
