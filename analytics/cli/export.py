"""`export`: any dataset to a CSV, Parquet, JSON Lines or xlsx file, streamed, anonymised if asked, audited.

Row datasets (events, users, sessions, predictions, recommendations, alerts) hold every row unless
--start/--end name a period; computed ones (daily_metrics, retention, funnel, metric) cover the days
with data by default. CSV cells that a spreadsheet would run as formulas are neutralised, and
timestamps are ISO 8601 UTC ('2024-05-01T10:00:00Z'). docs/exports.md describes every dataset.
"""

from __future__ import annotations

import argparse
from datetime import date

from analytics.cli import add_db_argument
from analytics.db import open_database
from analytics.errors import AnalyticsError
from analytics.export import DATASETS, ExportRequest, export_dataset
from analytics.export.writers import FORMATS
from analytics.filters import parse_segment
from analytics.viewer import SYSTEM


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help="export a dataset to CSV, Parquet, JSON Lines or xlsx",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dataset", metavar="DATASET", help=f"one of: {', '.join(DATASETS)}")
    parser.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    parser.add_argument(
        "--format", dest="file_format", help=f"{', '.join(FORMATS)} (default: from the extension of --out)"
    )
    parser.add_argument("--start", metavar="DATE", help="first reporting-zone day, e.g. 2024-05-01")
    parser.add_argument("--end", metavar="DATE", help="last reporting-zone day, included")
    parser.add_argument(
        "--segment",
        action="append",
        default=[],
        metavar="K=V",
        help="keep one segment, e.g. plan=pro (repeatable)",
    )
    parser.add_argument(
        "--activity", action="append", default=[], metavar="TYPE", help="keep one activity type (repeatable)"
    )
    parser.add_argument("--columns", metavar="A,B", help="write only these columns, in this order")
    parser.add_argument(
        "--anonymise",
        action="store_true",
        help="pseudonymous user ids; no emails or names; IPs cut to networks",
    )
    options = parser.add_argument_group("dataset options")
    options.add_argument("--steps", metavar="A,B,C", help="funnel: activity types in order")
    options.add_argument("--window-s", type=int, metavar="N", help="funnel: seconds from step 1 to convert")
    options.add_argument("--order", help="funnel: strict, sequential or any")
    options.add_argument("--period", help="retention: day, week or month")
    options.add_argument("--periods", type=int, metavar="N", help="retention: at most N periods per cohort")
    options.add_argument("--cohort-mode", help="retention: first_time or recurring")
    options.add_argument("--metric", metavar="SPEC", help="metric: e.g. active_users, count:lesson")
    options.add_argument("--grain", help="metric: day, week or month")
    add_db_argument(parser)
    parser.set_defaults(handler=run)


OPTION_NAMES = ("steps", "window_s", "order", "period", "periods", "cohort_mode", "metric", "grain")


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AnalyticsError(f"--{name} must be a date like 2024-05-01. Got {text!r}.") from exc


def request_from(args: argparse.Namespace) -> ExportRequest:
    """The ExportRequest the command line describes."""
    segment: list[tuple[str, str]] = []
    for text in args.segment:
        segment.extend(parse_segment(text))
    options = {name: getattr(args, name) for name in OPTION_NAMES if getattr(args, name) is not None}
    if "steps" in options:
        options["steps"] = [step.strip() for step in options["steps"].split(",") if step.strip()]
    columns = tuple(name.strip() for name in (args.columns or "").split(",") if name.strip())
    return ExportRequest(
        dataset=args.dataset,
        start=_day(args.start, "start"),
        end=_day(args.end, "end"),
        segment=tuple(sorted(segment)),
        activity_types=tuple(args.activity),
        columns=columns,
        options=options,
    )


def run(args: argparse.Namespace) -> int:
    request = request_from(args)
    db = open_database(args.db)
    try:
        result = export_dataset(
            db,
            SYSTEM,
            request,
            args.out,
            file_format=args.file_format,
            anonymise=args.anonymise,
            source="cli",
        )
    finally:
        db.close()
    print(f"Exported {result}")
    return 0
