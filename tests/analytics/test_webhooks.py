"""Webhook delivery against a real local HTTP server: signatures, retries with backoff, timeouts, the log."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from analytics import webhooks
from analytics.errors import AnalyticsError

SECRET = "s3cret-for-tests"


class Endpoint:
    """A threaded HTTP server on a free loopback port answering POSTs with scripted statuses."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.delay_s = 0.0
        self.received: list[tuple[bytes, dict[str, str]]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.received.append((body, dict(self.headers)))
                time.sleep(endpoint.delay_s)
                status = endpoint.statuses.pop(0) if endpoint.statuses else 200
                # The receiver's side of the contract: recompute the signature over the raw body.
                if not webhooks.verify(body, SECRET, self.headers.get(webhooks.SIGNATURE_HEADER)):
                    status = 401
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"ok" if status == 200 else b"nope")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left, as the slow-endpoint test wants

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    yield server
    server.close()


def test_sign_is_hmac_sha256_hex_of_the_body():
    # Computed independently: printf 'hello' | openssl dgst -sha256 -hmac key
    assert webhooks.sign(b"hello", "key") == (
        "sha256=9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b"
    )
    assert webhooks.verify(b"hello", "key", webhooks.sign(b"hello", "key"))
    assert not webhooks.verify(b"hello!", "key", webhooks.sign(b"hello", "key"))
    assert not webhooks.verify(b"hello", "key", None)


def test_a_delivery_is_signed_and_verified_by_the_receiver(endpoint):
    attempts: list[webhooks.Attempt] = []
    result = webhooks.deliver(
        endpoint.url,
        b'{"rows": 3}',
        secret=SECRET,
        headers={"Content-Type": "application/json"},
        log=attempts.append,
    )
    assert result.delivered and result.attempts == 1 and result.status_code == 200
    body, headers = endpoint.received[0]
    assert body == b'{"rows": 3}'
    assert headers[webhooks.SIGNATURE_HEADER] == webhooks.sign(body, SECRET)
    assert headers[webhooks.DELIVERY_HEADER] == result.delivery_id
    assert headers["Content-Type"] == "application/json"
    assert [(a.attempt, a.outcome, a.status_code) for a in attempts] == [(1, "delivered", 200)]


def test_a_wrong_secret_is_refused_by_the_receiver_and_not_retried(endpoint):
    result = webhooks.deliver(endpoint.url, b"x", secret="wrong", sleep=lambda s: None)
    assert not result.delivered and result.status_code == 401 and result.attempts == 1


def test_server_errors_are_retried_with_exponential_backoff(endpoint):
    endpoint.statuses = [500, 503, 502]
    waits: list[float] = []
    result = webhooks.deliver(endpoint.url, b"x", secret=SECRET, backoff_s=0.5, sleep=waits.append)
    assert result.delivered and result.attempts == 4
    assert waits == [0.5, 1.0, 2.0]
    assert len(endpoint.received) == 4


def test_it_gives_up_after_the_last_attempt_and_logs_each(endpoint):
    endpoint.statuses = [500] * 10
    attempts: list[webhooks.Attempt] = []
    waits: list[float] = []
    result = webhooks.deliver(
        endpoint.url, b"x", secret=SECRET, attempts=3, sleep=waits.append, log=attempts.append
    )
    assert not result.delivered and result.attempts == 3 and result.status_code == 500
    assert [(a.attempt, a.outcome, a.status_code) for a in attempts] == [
        (n, "http_error", 500) for n in (1, 2, 3)
    ]
    assert len({a.delivery_id for a in attempts}) == 1
    assert waits == [1.0, 2.0]


def test_a_slow_endpoint_times_out_quickly_without_blocking_others(endpoint):
    endpoint.delay_s = 2.0
    result: list[webhooks.DeliveryResult] = []
    started = time.perf_counter()
    worker = threading.Thread(
        target=lambda: result.append(
            webhooks.deliver(
                endpoint.url, b"x", secret=SECRET, attempts=2, timeout_s=0.2, sleep=lambda s: None
            )
        )
    )
    worker.start()
    # The caller's thread is free while the delivery waits: it does other work meanwhile.
    assert time.perf_counter() - started < 0.1
    worker.join()
    elapsed_s = time.perf_counter() - started
    assert not result[0].delivered and result[0].attempts == 2
    assert result[0].detail == "no answer within 0.2 s"
    assert elapsed_s < 1.5  # two 0.2 s timeouts, far below the endpoint's 2 s per answer


def test_a_down_endpoint_is_a_network_error():
    attempts: list[webhooks.Attempt] = []
    result = webhooks.deliver(
        "http://127.0.0.1:9/hook", b"x", secret=SECRET, attempts=2, sleep=lambda s: None, log=attempts.append
    )
    assert not result.delivered
    assert [a.outcome for a in attempts] == ["network_error", "network_error"]


def test_attempts_are_written_to_the_delivery_log(db, endpoint):
    endpoint.statuses = [500]
    webhooks.deliver(
        endpoint.url, b"x", secret=SECRET, sleep=lambda s: None, log=webhooks.attempt_logger(db, "export:abc")
    )
    logged = db.rows(
        "SELECT source, url, attempt, outcome, status_code FROM webhook_deliveries ORDER BY attempt"
    )
    assert logged == [
        ("export:abc", endpoint.url, 1, "http_error", 500),
        ("export:abc", endpoint.url, 2, "delivered", 200),
    ]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com/hook", "http:///nohost", ""])
def test_only_absolute_http_urls_are_accepted(url):
    with pytest.raises(AnalyticsError, match="must be an absolute http:// or https:// address"):
        webhooks.check_url(url)
