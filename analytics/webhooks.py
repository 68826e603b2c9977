"""Signed webhook delivery with retries, for anything Pulse POSTs to an endpoint (exports, alerts).

Each body is signed with HMAC-SHA256 under the endpoint's secret and sent with the header
`X-Pulse-Signature: sha256=<hex digest of the raw body>`; receivers recompute it and compare in
constant time (`verify`). Every attempt has a short timeout. Network errors, timeouts and HTTP 408,
429 and 5xx answers are retried after `backoff_s`, then twice that, four times that ...; any other
answer ends the delivery (2xx: delivered, other 4xx: refused). Redirects are not followed, so a signed
body only goes where it was configured to go. A delivery blocks its caller for up to
attempts x timeout_s plus the backoff, so call it from the scheduler's thread, never in a request.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from analytics.db import Database
from analytics.errors import AnalyticsError

SIGNATURE_HEADER = "X-Pulse-Signature"
DELIVERY_HEADER = "X-Pulse-Delivery"
SIGNATURE_PREFIX = "sha256="
RETRIED_STATUSES = frozenset({408, 429})
DETAIL_CHARS = 200


@dataclass(frozen=True)
class Attempt:
    """One POST of a delivery and how it ended: delivered, http_error, timeout or network_error."""

    delivery_id: str
    url: str
    attempt: int
    outcome: str
    status_code: int | None
    detail: str
    duration_ms: float
    attempted_at: datetime


@dataclass(frozen=True)
class DeliveryResult:
    """How a delivery ended after its last attempt."""

    delivery_id: str
    delivered: bool
    attempts: int
    status_code: int | None
    detail: str


def sign(body: bytes, secret: str) -> str:
    """The X-Pulse-Signature value for `body`: 'sha256=' and the hex HMAC-SHA256 of it under `secret`."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str | None) -> bool:
    """True if `signature` (the header's value) is `sign(body, secret)`; compared in constant time."""
    return signature is not None and hmac.compare_digest(sign(body, secret), signature)


def check_url(url: str) -> str:
    """`url` if it is an absolute http(s) URL; AnalyticsError says what is wrong otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AnalyticsError(
            f"A webhook URL must be an absolute http:// or https:// address such as "
            f"https://example.com/hooks/pulse. Got {url!r}."
        )
    return url.strip()


def deliver(
    url: str,
    body: bytes,
    *,
    secret: str,
    attempts: int = 5,
    timeout_s: float = 5.0,
    backoff_s: float = 1.0,
    headers: dict[str, str] | None = None,
    log: Callable[[Attempt], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """POST `body` to `url`, signed with `secret`, retrying transient failures up to `attempts` times.

    `timeout_s` bounds each of connecting, sending and waiting for the answer, per attempt; the wait
    before attempt n+1 is backoff_s * 2**(n-1). `log` receives every Attempt (e.g. `attempt_logger`).
    """
    if attempts < 1:
        raise AnalyticsError(f"The 'attempts' option of deliver must be an int >= 1. Got {attempts!r}.")
    check_url(url)
    delivery_id = uuid.uuid4().hex
    sent_headers = {
        "Content-Type": "application/octet-stream",
        **(headers or {}),
        SIGNATURE_HEADER: sign(body, secret),
        DELIVERY_HEADER: delivery_id,
    }
    last: Attempt | None = None
    with httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False) as client:
        for number in range(1, attempts + 1):
            if number > 1:
                sleep(backoff_s * 2 ** (number - 2))
            last = _attempt(client, url, body, sent_headers, delivery_id, number, timeout_s)
            if log is not None:
                log(last)
            if last.outcome == "delivered" or not _retried(last):
                break
    return DeliveryResult(
        delivery_id=delivery_id,
        delivered=last.outcome == "delivered",
        attempts=last.attempt,
        status_code=last.status_code,
        detail=last.detail,
    )


def _attempt(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: dict[str, str],
    delivery_id: str,
    number: int,
    timeout_s: float,
) -> Attempt:
    attempted_at = datetime.now(UTC).replace(tzinfo=None)
    started = time.perf_counter()
    status_code = None
    try:
        response = client.post(url, content=body, headers=headers)
        status_code = response.status_code
        outcome = "delivered" if response.is_success else "http_error"
        detail = f"HTTP {status_code} {response.text[:DETAIL_CHARS]}".strip()
    except httpx.TimeoutException:
        outcome, detail = "timeout", f"no answer within {timeout_s:g} s"
    except httpx.HTTPError as exc:
        outcome, detail = "network_error", f"{type(exc).__name__}: {exc}"[:DETAIL_CHARS]
    return Attempt(
        delivery_id=delivery_id,
        url=url,
        attempt=number,
        outcome=outcome,
        status_code=status_code,
        detail=detail,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
        attempted_at=attempted_at,
    )


def _retried(attempt: Attempt) -> bool:
    """Whether a failed attempt is worth repeating: the endpoint may answer differently later."""
    if attempt.outcome in ("timeout", "network_error"):
        return True
    return attempt.status_code in RETRIED_STATUSES or (attempt.status_code or 0) >= 500


def attempt_logger(db: Database, source: str) -> Callable[[Attempt], None]:
    """A `log` for `deliver` that appends each attempt to `webhook_deliveries`, tagged with `source`."""

    def log(attempt: Attempt) -> None:
        with db.transaction(data_changed=False) as cursor:
            cursor.execute(
                "INSERT INTO webhook_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    attempt.delivery_id,
                    source,
                    attempt.url,
                    attempt.attempt,
                    attempt.outcome,
                    attempt.status_code,
                    attempt.detail,
                    attempt.duration_ms,
                    attempt.attempted_at,
                ],
            )

    return log
