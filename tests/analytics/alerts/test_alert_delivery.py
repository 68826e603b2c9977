"""Webhook deliveries to a local HTTP server: signed JSON, retries within and across runs, short timeouts."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from analytics.alerts import deliver
from analytics.alerts.deliver import deliver_due
from analytics.alerts.evaluate import evaluate_rules
from analytics.alerts.rules import create_rule, delete_rule
from analytics.alerts.run import run_alerts
from analytics.viewer import Viewer
from analytics.webhooks import SIGNATURE_HEADER, verify

PM = Viewer.for_role("pat", "product_manager")
SECRET = "a-long-webhook-secret"
NOW = datetime(2025, 3, 1, 12, 0)


class Endpoint:
    """A local webhook receiver answering with the scripted statuses (then 200), after `delay_s`."""

    def __init__(self, statuses: list[int] | None = None, *, delay_s: float = 0.0, port: int = 0) -> None:
        self.statuses = list(statuses or [])
        self.delay_s = delay_s
        self.received: list[tuple[bytes, dict[str, str]]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.received.append((body, dict(self.headers)))
                time.sleep(endpoint.delay_s)
                status = endpoint.statuses.pop(0) if endpoint.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"boom")

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[type[Endpoint]]:
    """Start Endpoint(...) servers; all are stopped after the test."""
    started: list[Endpoint] = []

    def start(*args: object, **kwargs: object) -> Endpoint:
        started.append(Endpoint(*args, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(deliver, "BACKOFF_S", 0.01)


def closed_port() -> int:
    """A local port nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alerting_rule(daily, url: str):
    """A database with one threshold alert due (day 2 of the series) for a rule posting to `url`."""
    db = daily([100, 100, 40])
    rule = create_rule(
        db,
        PM,
        name="Events drop",
        metric="events",
        condition="threshold",
        direction="below",
        threshold=50,
        webhook_url=url,
        webhook_secret=SECRET,
    )
    return db, rule


def log(db) -> list[tuple]:
    return db.rows(
        "SELECT channel, attempt, status, next_attempt_at FROM alert_deliveries ORDER BY channel, attempt"
    )


def test_the_body_is_signed_json_describing_the_alert(daily, day, endpoint):
    server = endpoint()
    db, rule = alerting_rule(daily, server.url)
    judged, posted = run_alerts(db, today=day(3), now=NOW)
    assert posted.delivered == judged.alert_ids
    ((body, headers),) = server.received
    assert verify(body, SECRET, headers[SIGNATURE_HEADER])
    assert not verify(body, SECRET + "x", headers[SIGNATURE_HEADER])
    assert headers["Content-Type"] == "application/json"
    sent = json.loads(body)
    assert sent == {
        "alert_id": judged.alert_ids[0],
        "rule": {"id": rule.rule_id, "name": "Events drop", "condition": "below 50"},
        "metric": "events",
        "segment": {},
        "period": {"grain": "day", "start": "2025-01-08", "end": "2025-01-08"},
        "observed": 40.0,
        "expected": 50.0,
        "severity": pytest.approx(0.2),
        "message": "Daily events on 2025-01-08 were 40, 20% below the threshold 50.",
        "link": "/forecasts?start=2024-10-10&end=2025-01-08&grain=day&metric=events",
        "created_at": "2025-03-01T12:00:00Z",
    }
    assert log(db) == [
        ("in_app", 1, "delivered", None),
        ("webhook", 0, "queued", NOW),
        ("webhook", 1, "delivered", None),
    ]
    assert deliver_due(db, now=NOW + timedelta(hours=1)).delivered == []


def test_a_500_is_retried_within_the_run(daily, day, endpoint):
    server = endpoint([500])
    db, _ = alerting_rule(daily, server.url)
    run_alerts(db, today=day(3), now=NOW)
    assert len(server.received) == 2
    assert log(db)[2:] == [("webhook", 1, "failed", None), ("webhook", 2, "delivered", None)]
    assert db.scalar(
        "SELECT detail FROM alert_deliveries WHERE attempt = 1 AND channel = 'webhook'"
    ).startswith("HTTP 500 boom")


def test_a_down_endpoint_is_retried_at_later_runs_then_given_up(daily, day):
    db, _ = alerting_rule(daily, f"http://127.0.0.1:{closed_port()}/hook")
    first = run_alerts(db, today=day(3), now=NOW)[1]
    assert first.failed and not first.delivered
    retry_at = NOW + timedelta(minutes=deliver.RETRY_AFTER_MINUTES[0])
    assert log(db)[2:] == [("webhook", 1, "failed", None), ("webhook", 2, "failed", retry_at)]
    assert "ConnectError" in db.scalar("SELECT detail FROM alert_deliveries WHERE attempt = 2")
    # Not yet due a minute later; due once the wait is over, when the attempts go on from 3.
    assert deliver_due(db, now=NOW + timedelta(minutes=1)).failed == []
    assert deliver_due(db, now=retry_at).failed == first.failed
    assert db.scalar("SELECT max(attempt) FROM alert_deliveries") == 4
    moment = retry_at
    for wait_minutes in deliver.RETRY_AFTER_MINUTES[1:]:
        moment += timedelta(minutes=wait_minutes)
        last = deliver_due(db, now=moment)
    assert last.gave_up == first.failed
    attempts = 2 * (len(deliver.RETRY_AFTER_MINUTES) + 1)
    assert log(db)[-1] == ("webhook", attempts, "gave_up", None)
    assert deliver_due(db, now=moment + timedelta(days=30)).gave_up == []


def test_an_endpoint_back_up_gets_the_retry(daily, day, endpoint):
    port = closed_port()
    db, _ = alerting_rule(daily, f"http://127.0.0.1:{port}/hook")
    run_alerts(db, today=day(3), now=NOW)
    server = endpoint(port=port)
    posted = deliver_due(db, now=NOW + timedelta(minutes=10))
    assert len(posted.delivered) == 1 and len(server.received) == 1
    assert log(db)[-1] == ("webhook", 3, "delivered", None)


def test_a_slow_endpoint_times_out_quickly(daily, day, endpoint, monkeypatch):
    monkeypatch.setattr(deliver, "TIMEOUT_S", 0.2)
    server = endpoint(delay_s=1.5)
    db, _ = alerting_rule(daily, server.url)
    started = time.perf_counter()
    posted = run_alerts(db, today=day(3), now=NOW)[1]
    assert time.perf_counter() - started < 1.4  # two attempts of 0.2 s, not two answers of 1.5 s
    assert len(posted.failed) == 1
    assert db.scalar(
        "SELECT detail FROM alert_deliveries WHERE attempt = 1 AND channel = 'webhook'"
    ).startswith("no answer within 0.2 s")


def test_a_refusal_is_not_retried(daily, day, endpoint):
    server = endpoint([410])
    db, _ = alerting_rule(daily, server.url)
    posted = run_alerts(db, today=day(3), now=NOW)[1]
    assert len(posted.gave_up) == 1 and len(server.received) == 1
    assert log(db)[-1] == ("webhook", 1, "gave_up", None)


def test_a_run_stops_posting_when_its_time_budget_is_spent(daily, day, endpoint):
    server = endpoint()
    db, _ = alerting_rule(daily, server.url)
    create_rule(
        db,
        PM,
        name="Events above",
        metric="events",
        condition="threshold",
        direction="above",
        threshold=10,
        webhook_url=server.url,
        webhook_secret=SECRET,
    )
    evaluate_rules(db, today=day(3), now=NOW)
    ticks = iter([0.0, 0.0, 100.0])
    posted = deliver_due(db, now=NOW, budget_s=10, clock=lambda: next(ticks))
    assert (len(posted.delivered), len(posted.postponed)) == (1, 1)
    assert len(deliver_due(db, now=NOW).delivered) == 1


def test_deleting_the_rule_stops_its_pending_webhooks(daily, day):
    db, rule = alerting_rule(daily, f"http://127.0.0.1:{closed_port()}/hook")
    run_alerts(db, today=day(3), now=NOW)
    delete_rule(db, PM, rule.rule_id)
    later = NOW + timedelta(days=1)
    assert len(deliver_due(db, now=later).gave_up) == 1
    assert log(db)[-1] == ("webhook", 2, "gave_up", None)
    assert deliver_due(db, now=later).gave_up == []
    assert db.scalar("SELECT count(*) FROM alerts") == 1  # the history stays
