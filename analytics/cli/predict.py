"""`predict churn` (churn risk of every user, printed or as CSV) and `batch` (every model, written to the database).

Both read the database as the system viewer. --as-of means the model sees only events before the end of
that day (reporting time zone); the default is the last day with data.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from analytics.cli import add_db_argument
from analytics.db import open_database
from analytics.errors import AnalyticsError
from analytics.privacy.csv_cells import safe_csv_text
from analytics.viewer import SYSTEM

CHURN_COLUMNS = ["user_id", "churn_probability", "risk_band", "reasons"]
AS_OF_HELP = "the model sees only events before the end of this day (default: the last day with data)"
BAR_WIDTH = 30


def register(commands: argparse._SubParsersAction) -> None:
    predict = commands.add_parser(
        "predict",
        help="per-user predictions",
        description="Per-user predictions, printed or written to a CSV file.",
    )
    kinds = predict.add_subparsers(dest="prediction", metavar="PREDICTION", required=True)
    churn = kinds.add_parser(
        "churn",
        help="churn probability, risk band and reasons of every user",
        description="Train the churn model as of --as-of and score every user with an event by then; prints "
        "user_id, churn_probability, risk_band, reasons and the model's validation quality beside the "
        "recency baseline.",
    )
    add_db_argument(churn)
    churn.add_argument("--as-of", metavar="DATE", help=AS_OF_HELP)
    churn.add_argument(
        "--horizon-days",
        metavar="N",
        type=int,
        help="churn = no event in the next N days (default: the churn_horizon_days setting, 60, or shorter "
        "when the history cannot hold four training windows at it)",
    )
    churn.add_argument("--out", metavar="FILE.csv", help="write a CSV file instead of printing a table")
    churn.set_defaults(handler=run_churn)

    batch = commands.add_parser(
        "batch",
        help="run every prediction model for every user and store the results",
        description="Run churn, engagement, performance and skill models as of --as-of and replace that "
        "day's rows of the predictions table in one transaction.",
    )
    add_db_argument(batch)
    batch.add_argument("--as-of", metavar="DATE", help=AS_OF_HELP)
    batch.set_defaults(handler=run_batch_command)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AnalyticsError(f"The --as-of option must be a date like 2025-06-30. Got {text!r}.") from exc


def run_churn(args: argparse.Namespace) -> int:
    from analytics.predict import churn_scores

    scores, quality = churn_scores(
        open_database(args.db), SYSTEM, as_of=_day(args.as_of), horizon_days=args.horizon_days
    )
    table = scores[CHURN_COLUMNS]
    if args.out:
        Path(args.out).write_text(safe_csv_text(table), encoding="utf-8")
        print(f"Wrote {len(table):,} rows to {args.out}.")
    else:
        width = max([len("user_id"), *table["user_id"].str.len()])
        print(f"{'user_id':<{width}}  churn_probability  risk_band  reasons")
        for row in table.itertuples(index=False):
            print(f"{row.user_id:<{width}}  {row.churn_probability:17.3f}  {row.risk_band:<9}  {row.reasons}")
    model, baseline = quality.model, quality.baseline
    print(
        f"Churn: no event in the next {quality.horizon_days} days. "
        f"Model: {quality.chosen} (validated on users active in the 90 days to {quality.validation_day}, "
        f"{model.rows:,} users, {model.positive_share:.0%} left). ROC AUC {model.roc_auc:.3f} vs "
        f"{baseline.roc_auc:.3f} for days since last event; PR AUC {model.pr_auc:.3f} vs {baseline.pr_auc:.3f}; "
        f"Brier {model.brier:.3f} vs {baseline.brier:.3f}."
    )
    if quality.label_check is not None:
        from analytics.predict.summary import label_check_text

        print(label_check_text(quality.label_check.to_dict(), quality.horizon_days))
    return 0


def _print_progress(share: float, message: str) -> None:
    filled = round(share * BAR_WIDTH)
    print(f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}  {message}", flush=True)


def run_batch_command(args: argparse.Namespace) -> int:
    from analytics.predict import run_batch

    summary = run_batch(open_database(args.db), SYSTEM, as_of=_day(args.as_of), progress=_print_progress)
    for name, figures in summary.quality["models"].items():
        print(f"{name}: {_quality_line(figures)}")
    return 0


def _quality_line(figures: dict) -> str:
    """One line of validation figures of a model against its baseline."""
    if "model" in figures and "baseline" in figures:
        model, baseline = figures["model"], figures["baseline"]
        line = (
            f"no event in the next {figures['horizon_days']} days: "
            f"ROC AUC {model['roc_auc']:.3f} (baseline {baseline['roc_auc']:.3f}), "
            f"PR AUC {model['pr_auc']:.3f} ({baseline['pr_auc']:.3f}), "
            f"Brier {model['brier']:.3f} ({baseline['brier']:.3f}), chosen {figures['chosen']}"
        )
        if figures.get("label_check"):
            from analytics.predict.summary import label_check_text

            line += ". " + label_check_text(figures["label_check"], figures["horizon_days"])
        return line
    if "item_model" in figures:
        item = figures["item_model"]
        return (
            f"hit-rate@{item['k']} {item['hit_rate']:.1%} (most-popular {item['baseline_hit_rate']:.1%}) "
            f"over {item['users']:,} users"
        )
    parts = []
    for measure, values in figures.items():
        if not isinstance(values, dict):
            continue
        if "mae" in values:
            parts.append(
                f"{measure} MAE {values['mae']:.3f} (baseline {values['baseline_mae']:.3f}) {values['unit']}"
            )
        elif "mae_days" in values:
            parts.append(
                f"{measure} MAE {values['mae_days']:.1f} days (baseline {values['baseline_mae_days']:.1f}), "
                f"both capped at {values['capped_at_days']} days"
            )
    return "; ".join(parts) or "no validation figures"
