"""Webhook endpoints that are down, slow or failing do not block the app; deliveries are retried and logged.

The real server starts with two alert rules that fire at once (yesterday had no events) and a due export
schedule. The scheduler's slow lane posts the alerts to an endpoint that answers too late and to a port
nothing listens on, and the export to one that fails twice before accepting it. Meanwhile the API and a
UI session are timed; afterwards the delivery logs are read, and a later delivery run retries the alerts.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from analytics.alerts import create_rule
from analytics.alerts.deliver import RETRY_AFTER_MINUTES, TIMEOUT_S, deliver_due
from analytics.export.datasets import ExportRequest
from analytics.export.schedules import create_schedule
from analytics.viewer import Viewer
from bench.load import TRACK_ACCOUNT, UI_ACCOUNT, percentile
from tests.e2e.conftest import free_port
from tests.reliability.server import Server, opened, page_times, prepared_copy

SLOW_ANSWER_S = TIMEOUT_S + 1.5
FLAKY_FAILURES = 2
PROBE_EVERY_S = 0.25
BLOCKED_S = 2.0
"""A probe slower than this would mean the app waited for a delivery (each alert attempt lasts TIMEOUT_S)."""


class Endpoints(ThreadingHTTPServer):
    """Webhook receivers in this process: /slow answers after SLOW_ANSWER_S (until `fast`), /flaky
    answers 503 FLAKY_FAILURES times, then 200. `received` counts the POSTs per path."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: dict[str, int] = {"/slow": 0, "/flaky": 0}
        self.fast = False
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Endpoints

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received[self.path] += 1
        if self.path == "/slow" and not self.server.fast:
            time.sleep(SLOW_ANSWER_S)
        failing = self.path == "/flaky" and self.server.received[self.path] <= FLAKY_FAILURES
        self.send_response(503 if failing else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def endpoints():
    receivers = Endpoints()
    thread = threading.Thread(target=receivers.serve_forever, daemon=True)
    thread.start()
    yield receivers
    receivers.shutdown()
    receivers.server_close()


def _timed_probes(url: str, token: str, stop: threading.Event) -> list[float]:
    """Seconds of each health check and single-event tracking call, every PROBE_EVERY_S until `stop`."""
    headers = {"Authorization": f"Bearer {token}"}
    seconds, number = [], 0
    while not stop.wait(PROBE_EVERY_S):
        number += 1
        event = {"event_id": f"probe-{number}", "user_id": "probe", "activity_type": "lesson",
                 "timestamp": "2025-06-01T10:00:00Z"}  # fmt: skip
        for method, endpoint, body in (("GET", "health", None), ("POST", "track", event)):
            started = time.perf_counter()
            answer = httpx.request(
                method, f"{url}/api/v1/analytics/{endpoint}", json=body, headers=headers, timeout=30
            )
            assert answer.status_code == 200, answer.text
            seconds.append(time.perf_counter() - started)
    return seconds


@pytest.mark.slow
def test_down_and_slow_webhooks_do_not_block_the_app_and_are_retried_and_logged(
    seeded_master, endpoints, tmp_path
):
    path, credentials = prepared_copy(seeded_master, tmp_path)
    down = f"http://127.0.0.1:{free_port()}/hook"
    with opened(path) as db:
        editor = Viewer.for_role(UI_ACCOUNT, "product_manager")
        rules = {
            url: create_rule(db, editor, name=f"no events ({name})", metric="events", condition="threshold",
                             direction="below", threshold=50, webhook_url=url, webhook_secret="s" * 32).rule_id
            for name, url in (("slow", f"{endpoints.url}/slow"), ("down", down))
        }  # fmt: skip
        schedule, _ = create_schedule(
            db, Viewer.for_role(TRACK_ACCOUNT, "analyst"), name="users to BI", request=ExportRequest("users"),
            webhook_url=f"{endpoints.url}/flaky",
        )  # fmt: skip
        with db.transaction(data_changed=False) as cursor:
            cursor.execute("UPDATE export_schedules SET next_run_at = TIMESTAMP '2000-01-01'")

    server = Server(path, tmp_path / "server.log")
    stop = threading.Event()
    probes: list[float] = []
    prober = threading.Thread(
        target=lambda: probes.extend(_timed_probes(server.url, credentials.token, stop))
    )
    try:
        prober.start()
        started = time.monotonic()
        pages = page_times(server.url, credentials.cookie, sessions=1, seconds=8)
        while endpoints.received["/flaky"] <= FLAKY_FAILURES or endpoints.received["/slow"] < 2:
            assert time.monotonic() - started < 120, endpoints.received
            time.sleep(0.2)
        delivering_s = time.monotonic() - started
        time.sleep(1.0)  # the last attempt's log row
    finally:
        stop.set()
        prober.join()
        server.stop()
    print(
        f"figure: while webhooks were delivered ({delivering_s:.1f} s): {len(probes)} API calls, "
        f"p95 {percentile(probes, 0.95) * 1000:,.0f} ms, max {max(probes) * 1000:,.0f} ms; "
        f"{len(pages.latencies_s)} pages, max {max(pages.latencies_s):.2f} s"
    )
    assert max(probes) < BLOCKED_S and not pages.failures and pages.latencies_s

    with opened(path) as db:
        alert_of = dict(db.rows("SELECT rule_id, alert_id FROM alerts"))
        alerts = {url: alert_of[rule_id] for url, rule_id in rules.items()}
        attempts = {
            url: db.rows(
                "SELECT attempt, status, detail, next_attempt_at FROM alert_deliveries "
                "WHERE alert_id = ? AND channel = 'webhook' AND attempt > 0 ORDER BY attempt",
                [alerts[url]],
            )
            for url in rules
        }
        exported = db.rows(
            "SELECT attempt, outcome, status_code FROM webhook_deliveries WHERE source = ? ORDER BY attempt",
            [f"export:{schedule.schedule_id}"],
        )
        status = db.scalar("SELECT last_status FROM export_schedules")
        for tries in attempts.values():
            assert [(attempt, state) for attempt, state, _, _ in tries] == [(1, "failed"), (2, "failed")], (
                tries
            )
            assert tries[1][3] is not None  # the next run's time is set
        assert all(
            f"no answer within {TIMEOUT_S:g} s" in detail
            for _, _, detail, _ in attempts[f"{endpoints.url}/slow"]
        )
        assert all("ConnectError" in detail for _, _, detail, _ in attempts[down])
        assert exported == [(1, "http_error", 503), (2, "http_error", 503), (3, "delivered", 200)]
        assert status.startswith("delivered")

        endpoints.fast = True
        later = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=RETRY_AFTER_MINUTES[0] + 1)
        retried = deliver_due(db, now=later)
        assert retried.delivered == [alerts[f"{endpoints.url}/slow"]]
        assert retried.failed == [alerts[down]]
        final = db.rows(
            "SELECT alert_id, max(attempt), arg_max(status, attempt) FROM alert_deliveries "
            "WHERE channel = 'webhook' GROUP BY alert_id ORDER BY alert_id"
        )
    assert sorted(final) == sorted(
        [(alerts[f"{endpoints.url}/slow"], 3, "delivered"), (alerts[down], 4, "failed")]
    )
