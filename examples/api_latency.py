"""Measure the API's response times: p50 and p95 of repeated calls to a few endpoints of a running Pulse.

    PULSE_TOKEN=pulse_... python examples/api_latency.py --url http://localhost:8501/api/v1 --calls 50

The first call of each endpoint (which fills caches) is reported apart; the percentiles are over the
calls after it, so they show what a dashboard polling the API sees.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import httpx

ENDPOINTS = (
    "/analytics/health",
    "/analytics",
    "/analytics/engagement",
    "/analytics/predictions?limit=100",
    "/analytics/realtime",
    "/analytics/dashboard",
)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(client: httpx.Client, url: str, calls: int) -> tuple[float, float, float]:
    """(first call, p50, p95) in milliseconds of `calls` + 1 GETs of `url`."""
    times = []
    for _ in range(calls + 1):
        started = time.perf_counter()
        client.get(url).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], statistics.median(times[1:]), percentile(times[1:], 0.95)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8501/api/v1")
    parser.add_argument("--token-env", default="PULSE_TOKEN", help="environment variable holding the token")
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args(argv)
    token = os.environ.get(args.token_env)
    if not token:
        print(f"Set {args.token_env} to an API token.", file=sys.stderr)
        return 2
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        print(f"{'endpoint':<36} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}")
        for endpoint in ENDPOINTS:
            first, p50, p95 = measure(client, args.url.rstrip("/") + endpoint, args.calls)
            print(f"{endpoint:<36} {first:>9.1f} {p50:>8.1f} {p95:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
