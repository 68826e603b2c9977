"""Pulse's command line: one sub-command per module in this package.

Every command takes `--db PATH` (default: the configured database). Errors in the input print one line
and exit with code 2; nothing prints a traceback unless PULSE_DEBUG=1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from analytics.errors import AnalyticsError

COMMAND_MODULES = (
    "demo",
    "seed",
    "privacy",
    "accounts",
    "import_",
    "forecast",
    "predict",
    "recommend",
    "alerts",
    "export",
    "backup",
    "lake",
)
"""Modules of analytics.cli, each with `register(subparsers)` that sets `handler` on its parser."""


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every command's own --help."""
    parser = argparse.ArgumentParser(
        prog="python -m analytics", description="Pulse: self-hosted user analytics."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        import_module(f"analytics.cli.{name}").register(commands)
    return parser


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """The `--db PATH` option every command shares."""
    parser.add_argument(
        "--db", metavar="PATH", help="DuckDB file to use (default: backend_url in config/settings.toml)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except AnalyticsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was half-written (every write is one transaction)", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line unless debugging
        if os.environ.get("PULSE_DEBUG"):
            raise
        print(
            f"internal error ({type(exc).__name__}): {exc}. Set PULSE_DEBUG=1 for details.", file=sys.stderr
        )
        return 1
