"""Send a product's events to Pulse: batches of at most 10,000, retried with exponential backoff.

Copy this file into a backend (it needs only httpx). Retrying is safe because tracking is idempotent:
every event carries an `event_id`, and Pulse stores an id once, so a batch sent twice after a lost
answer is counted once. Events without an id get a random one before the first attempt, so retries
reuse it.

    client = PulseClient("http://localhost:8501/api/v1", token="pulse_...")
    client.track({"user_id": "u_42", "activity_type": "lesson", "timestamp": "2025-06-01T10:00:00Z"})
    client.flush()

From the shell: `python examples/pulse_client.py --url URL --token-env PULSE_TOKEN events.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

MAX_BATCH_EVENTS = 10_000
"""Pulse's default `max_batch_events`: a bigger batch is refused with 422."""
RETRY_STATUSES = {429, 500, 502, 503, 504}


class PulseError(Exception):
    """Pulse refused a batch (4xx other than 429) or stayed unreachable through every retry."""


@dataclass
class SendSummary:
    """What Pulse answered for everything sent: stored now, already stored before, skipped (no consent)."""

    batches: int = 0
    accepted: int = 0
    duplicates: int = 0
    skipped_consent: int = 0
    retries: int = 0
    event_ids: list[str | None] = field(default_factory=list)


class PulseClient:
    """Buffers events and posts them to POST {base_url}/analytics/track in batches, retrying failures."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        batch_size: int = 1_000,
        max_retries: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        timeout_s: float = 30.0,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_EVENTS:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_EVENTS:,}. Got {batch_size}.")
        self.url = base_url.rstrip("/") + "/analytics/track"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        self.client = client or httpx.Client()
        self.sleep = sleep
        self.buffer: list[dict[str, Any]] = []
        self.summary = SendSummary()

    def track(self, event: dict[str, Any]) -> None:
        """Queue one event; a full batch is sent at once."""
        self.buffer.append(with_event_id(event))
        if len(self.buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> SendSummary:
        """Send everything queued; returns the running totals."""
        while self.buffer:
            batch, self.buffer = self.buffer[: self.batch_size], self.buffer[self.batch_size :]
            self._send(batch)
        return self.summary

    def send(self, events: Iterable[dict[str, Any]]) -> SendSummary:
        """Send many events (any iterable, read lazily) in batches; returns the running totals."""
        for event in events:
            self.track(event)
        return self.flush()

    def _send(self, batch: list[dict[str, Any]]) -> None:
        for attempt in range(self.max_retries + 1):
            wait_s = self._backoff(attempt)
            try:
                response = self.client.post(
                    self.url, json=batch, headers=self.headers, timeout=self.timeout_s
                )
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    self._count(response.json())
                    return
                problem = f"HTTP {response.status_code}: {_message(response)}"
                if response.status_code not in RETRY_STATUSES:
                    raise PulseError(f"Pulse refused a batch of {len(batch):,} events: {problem}")
                if response.headers.get("Retry-After", "").isdigit():
                    wait_s = max(wait_s, float(response.headers["Retry-After"]))
            if attempt == self.max_retries:
                raise PulseError(
                    f"Gave up on a batch of {len(batch):,} events after {attempt + 1} tries: {problem}"
                )
            self.summary.retries += 1
            self.sleep(wait_s)

    def _backoff(self, attempt: int) -> float:
        """backoff_s × 2^attempt, capped, with up to 10% jitter so many senders do not retry in step."""
        return min(self.max_backoff_s, self.backoff_s * 2**attempt) * (1 + random.random() / 10)

    def _count(self, answer: dict[str, Any]) -> None:
        self.summary.batches += 1
        self.summary.accepted += answer["accepted"]
        self.summary.duplicates += answer["duplicates"]
        self.summary.skipped_consent += len(answer["skipped_consent"])
        self.summary.event_ids += answer["event_ids"]


def with_event_id(event: dict[str, Any]) -> dict[str, Any]:
    """The event with an event_id (a random one if it had none), so a retried batch is stored once."""
    return event if event.get("event_id") else {**event, "event_id": uuid.uuid4().hex}


def _message(response: httpx.Response) -> str:
    try:
        return response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Events from a JSON Lines file, one object per line."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Send events from a JSON Lines file to Pulse.")
    parser.add_argument("events", type=Path, help="a .jsonl file: one event object per line")
    parser.add_argument("--url", default="http://localhost:8501/api/v1", help="Pulse's API base URL")
    parser.add_argument("--token-env", default="PULSE_TOKEN", help="environment variable holding the token")
    parser.add_argument("--batch-size", type=int, default=1_000)
    args = parser.parse_args(argv)
    token = os.environ.get(args.token_env)
    if not token:
        print(f"Set {args.token_env} to a tracking token.", file=sys.stderr)
        return 2
    try:
        summary = PulseClient(args.url, token, batch_size=args.batch_size).send(read_jsonl(args.events))
    except PulseError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(
        f"{summary.accepted:,} stored, {summary.duplicates:,} already there, "
        f"{summary.skipped_consent:,} skipped (no consent) in {summary.batches} batches, {summary.retries} retries"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
