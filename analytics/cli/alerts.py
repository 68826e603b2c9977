"""`alerts run`, `alerts list` and `alerts replay`: alerting from the command line, as the system viewer.

`alerts run` does what the server's job does every five minutes (judge each enabled rule's latest
complete period, then post due webhooks), so a cron entry can replace the server's scheduler. It exits
with 2 when a rule could not be judged, after judging the others.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

from analytics.cli import add_db_argument
from analytics.db import open_database
from analytics.errors import AnalyticsError
from analytics.viewer import SYSTEM

DEFAULT_LIMIT = 20


def register(commands: argparse._SubParsersAction) -> None:
    alerts = commands.add_parser(
        "alerts", help="evaluate alert rules, list rules and alerts, backtest a rule"
    )
    actions = alerts.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run",
        help="judge every enabled rule's latest complete period and deliver new alerts",
        description="Judge every enabled rule's latest complete period (never the one in progress), write "
        "an alert where one fires (at most once per rule and period) and post due webhooks.",
    )
    add_db_argument(run)
    run.add_argument(
        "--today", metavar="DATE", help="judge as if today were DATE (default: today in the reporting zone)"
    )
    run.set_defaults(handler=run_alerts_command)

    listing = actions.add_parser("list", help="list the rules and the newest alerts")
    add_db_argument(listing)
    listing.add_argument(
        "--limit",
        metavar="N",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"alerts shown (default {DEFAULT_LIMIT})",
    )
    listing.set_defaults(handler=list_command)

    backtest = actions.add_parser(
        "replay", help="judge a stored rule period by period over past days, as the job would have"
    )
    backtest.add_argument("rule_id", metavar="RULE_ID")
    add_db_argument(backtest)
    backtest.add_argument("--start", metavar="DATE", required=True)
    backtest.add_argument("--end", metavar="DATE", required=True)
    backtest.set_defaults(handler=replay_command)


def run_alerts_command(args: argparse.Namespace) -> int:
    from analytics.alerts import list_rules, run_alerts

    db = open_database(args.db)
    started = time.perf_counter()
    judged, posted = run_alerts(db, today=_day(args.today, "--today"))
    seconds = time.perf_counter() - started
    names = {rule.rule_id: rule.name for rule in list_rules(db, SYSTEM)}
    timing = ""
    if judged.seconds:
        slowest = max(judged.seconds, key=judged.seconds.get)
        average = sum(judged.seconds.values()) / len(judged.seconds)
        timing = (
            f" ({average:.2f} s per rule on average; slowest {judged.seconds[slowest]:.2f} s: "
            f"{names.get(slowest, slowest)})"
        )
    print(f"Judged {judged.rules} rule(s) in {seconds:.2f} s{timing}.")
    print(f"New alerts: {len(judged.alert_ids)}")
    for alert_id in judged.alert_ids:
        rule_id, message = db.rows("SELECT rule_id, message FROM alerts WHERE alert_id = ?", [alert_id])[0]
        print(f"  [{names.get(rule_id, rule_id)}] {message}")
    print(
        f"Webhooks: {len(posted.delivered)} delivered, {len(posted.failed)} failed (retried later), "
        f"{len(posted.gave_up)} given up, {len(posted.postponed)} left for the next run."
    )
    for rule_id, error in judged.errors.items():
        print(
            f"error: rule {names.get(rule_id, rule_id)!r} ({rule_id}) could not be judged: {error}",
            file=sys.stderr,
        )
    return 2 if judged.errors else 0


def list_command(args: argparse.Namespace) -> int:
    from analytics.alerts import list_alerts, list_rules, rules_table

    db = open_database(args.db)
    rules = list_rules(db, SYSTEM)
    if rules:
        print(rules_table(rules).drop(columns=["last_evaluated_at"]).to_string(index=False))
    else:
        print("No alert rules yet; create them on the Alerts page.")
    alerts = list_alerts(db, SYSTEM, limit_rows=args.limit)
    print(f"\nNewest {len(alerts)} alerts:")
    for row in alerts.itertuples():
        print(
            f"  {row.created_at:%Y-%m-%d %H:%M}  {row.alert_id}  {row.message}  [{row.feedback or 'no feedback'}]"
        )
    return 0


def replay_command(args: argparse.Namespace) -> int:
    from analytics.alerts import get_rule, replay

    db = open_database(args.db)
    start, end = _day(args.start, "--start"), _day(args.end, "--end")
    started = time.perf_counter()
    found = replay(db, SYSTEM, get_rule(db, SYSTEM, args.rule_id), start, end)
    seconds = time.perf_counter() - started
    fired = found[found["fired"]]
    for row in fired.itertuples():
        print(f"{row.period}  severity {row.severity:.2f}  {row.message}")
    print(f"{len(fired)} of {len(found)} periods alert ({seconds / max(len(found), 1):.2f} s per period).")
    return 0


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AnalyticsError(f"The {option} option must be a date like 2025-01-31. Got {text!r}.") from exc
