"""examples/pulse_client.py against the API: batches, retries with backoff, and idempotent resends."""

from __future__ import annotations

import json

import httpx
import pytest

from examples.pulse_client import PulseClient, PulseError, main

pytestmark = pytest.mark.filterwarnings(
    "ignore:You should not use the 'timeout' argument with the TestClient"
)
EVENTS = [
    {
        "event_id": f"client-{n}",
        "user_id": "u1",
        "activity_type": "lesson",
        "timestamp": f"2025-01-01T10:{n:02d}:00Z",
    }
    for n in range(25)
]


class Flaky:
    """Posts through `client`, after failing the first calls: a dropped connection, then a 503."""

    def __init__(self, client, failures: list[str]) -> None:
        self.client = client
        self.failures = failures
        self.calls = 0

    def post(self, url, **kwargs):
        self.calls += 1
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "drop":
                raise httpx.ConnectError("connection reset")
            return httpx.Response(503, json={"error": {"message": "busy"}})
        return self.client.post(url, **kwargs)


def client_for(api_env, transport, waits: list[float], **options) -> PulseClient:
    return PulseClient(
        "http://testserver", api_env.tokens["tracker"], client=transport, sleep=waits.append, **options
    )


def test_batches_retries_and_idempotent_resend(api_env, monkeypatch):
    monkeypatch.setattr("examples.pulse_client.random.random", lambda: 0.0)
    waits: list[float] = []
    transport = Flaky(api_env.client, ["drop", "503"])
    summary = client_for(api_env, transport, waits, batch_size=10, backoff_s=0.5).send(EVENTS)
    assert (summary.batches, summary.accepted, summary.duplicates, summary.retries) == (3, 25, 0, 2)
    assert waits == [0.5, 1.0]
    assert transport.calls == 5
    assert summary.event_ids == [event["event_id"] for event in EVENTS]
    again = client_for(api_env, api_env.client, [], batch_size=10).send(EVENTS)
    assert (again.accepted, again.duplicates) == (0, 25)
    assert api_env.db.scalar("SELECT count(*) FROM events WHERE event_id LIKE 'client-%'") == 25


def test_events_without_an_id_get_one_that_retries_reuse(api_env):
    transport = Flaky(api_env.client, ["503"])
    summary = client_for(api_env, transport, []).send(
        [{k: v for k, v in EVENTS[0].items() if k != "event_id"}]
    )
    assert summary.accepted == 1 and len(summary.event_ids[0]) == 32


def test_refused_batches_raise_with_pulses_message(api_env):
    with pytest.raises(
        PulseError, match="(?s)Pulse refused a batch of 1 events: HTTP 422: .*field activity_type: is missing"
    ):
        client_for(api_env, api_env.client, []).send(
            [{"event_id": "x", "user_id": "u1", "timestamp": "2025-01-01"}]
        )


def test_gives_up_after_the_retries(api_env):
    transport = Flaky(api_env.client, ["503"] * 3)
    with pytest.raises(PulseError, match="Gave up on a batch of 1 events after 3 tries: HTTP 503: busy"):
        client_for(api_env, transport, [], max_retries=2).send(EVENTS[:1])


def test_command_line(api_env, tmp_path, monkeypatch, capsys):
    lines = tmp_path / "events.jsonl"
    lines.write_text("\n".join(json.dumps(event) for event in EVENTS[:4]) + "\n")
    monkeypatch.setenv("PULSE_TOKEN", api_env.tokens["tracker"])
    monkeypatch.setattr("examples.pulse_client.httpx.Client", lambda: api_env.client)
    assert main([str(lines), "--url", "http://testserver", "--batch-size", "3"]) == 0
    assert (
        "4 stored, 0 already there, 0 skipped (no consent) in 2 batches, 0 retries" in capsys.readouterr().out
    )
