"""Group commit: tracking calls that wait while another call is writing share the next transaction.

A tracking call costs about twenty statements and a commit whatever its size (here about 25 ms for one
event, 80 ms for a thousand), so single-event requests arriving in parallel were limited by that fixed
cost and queued on the write lock. Calls that arrive while a transaction is writing are now stored
together in the next one, and each still gets its own result. A shared write that fails (one caller's
events are invalid, say) is repeated call by call, so a caller's bad event never fails another's and
every message counts events from the start of its caller's own payload.

One waiting thread at a time leads: it writes groups until its own call is stored, then hands the lead
to the oldest waiting call, so no caller keeps writing for others for long.

Before a write, the leader waits briefly for the callers it expects: those answered by the last write
(most send their next call at once) and those that were waiting then. Without that wait, sixteen
clients split into two groups that took turns, and each call waited for the other group's write before
its own: twice the latency of one group of sixteen, whose write costs about the same. The wait ends as
soon as they are all there, and lasts at most a quarter of the last write (GATHER_SHARE), capped at
MAX_GATHER_S; a lone caller never waits.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from analytics.db import Database

GATHER_SHARE = 0.25
MAX_GATHER_S = 0.010
Result = TypeVar("Result")
Write = Callable[[list[list[Any]]], list[Result]]


@dataclass
class _Call(Generic[Result]):
    records: list[Any]
    result: Result | None = None
    error: BaseException | None = None
    done: bool = False
    leads: bool = False
    woken: threading.Event = field(default_factory=threading.Event)
    """Set when the call is done, or when it is made the leader."""


class _Queue:
    """The calls waiting to be written for one database and key; `busy` while some call leads.

    `expected` is how many calls the next write should hold (those of the last write and those waiting
    when it ended); `gather_s` how long the leader may wait for them.
    """

    def __init__(self) -> None:
        self.pending: list[_Call] = []
        self.busy = False
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.expected = 0
        self.gather_s = 0.0


_queues: weakref.WeakKeyDictionary[Database, dict[Hashable, _Queue]] = weakref.WeakKeyDictionary()
_queues_lock = threading.Lock()


def write_grouped(
    db: Database, key: Hashable, records: list[Any], write: Write, *, max_records: int
) -> Result:
    """This call's result of `write`, run for it alone or together with calls waiting under the same `key`.

    `write(calls)` stores the records of several calls in one transaction and returns one result per
    call, in order. A group holds calls up to `max_records` records in all (a single call may hold more).
    """
    with _queues_lock:
        queue = _queues.setdefault(db, {}).setdefault(key, _Queue())
    call: _Call[Result] = _Call(records)
    with queue.lock:
        queue.pending.append(call)
        if not queue.busy:
            queue.busy = call.leads = True
        elif len(queue.pending) >= queue.expected:
            queue.arrived.notify()
    if not call.leads:
        call.woken.wait()
    if not call.done:
        _lead(queue, call, write, max_records)
    if call.error is not None:
        raise call.error
    return call.result  # type: ignore[return-value]


def _lead(queue: _Queue, call: _Call, write: Write, max_records: int) -> None:
    """Write groups of the oldest waiting calls until `call` is done, then pass the lead on."""
    try:
        while not call.done:
            calls = _take(queue, max_records)
            started = time.monotonic()
            _write_group(calls, write)
            with queue.lock:
                queue.expected = len(calls) + len(queue.pending)
                queue.gather_s = min(MAX_GATHER_S, GATHER_SHARE * (time.monotonic() - started))
    finally:
        with queue.lock:
            if queue.pending:
                successor = queue.pending[0]
                successor.leads = True
                successor.woken.set()
            else:
                queue.busy = False


def _take(queue: _Queue, max_records: int) -> list[_Call]:
    """The oldest waiting calls, as many as fit in `max_records` (at least one), once the expected
    calls are waiting or `gather_s` has passed."""
    with queue.lock:
        deadline = time.monotonic() + queue.gather_s
        while (
            len(queue.pending) < queue.expected and sum(len(c.records) for c in queue.pending) < max_records
        ):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            queue.arrived.wait(remaining)
        taken, total = 0, 0
        for call in queue.pending:
            if taken and total + len(call.records) > max_records:
                break
            taken, total = taken + 1, total + len(call.records)
        calls, queue.pending = queue.pending[:taken], queue.pending[taken:]
    return calls


def _write_group(calls: list[_Call], write: Write) -> None:
    try:
        if len(calls) > 1:
            try:
                results = write([call.records for call in calls])
            except Exception:
                pass  # repeated call by call below, each with its own outcome
            else:
                for call, result in zip(calls, results, strict=True):
                    call.result = result
        for call in calls:
            if call.result is None:
                try:
                    call.result = write([call.records])[0]
                except Exception as exc:
                    call.error = exc
    finally:
        for call in calls:
            if call.result is None and call.error is None:
                call.error = RuntimeError(
                    "The shared tracking write was interrupted; nothing of this call was stored."
                )
            call.done = True
            call.woken.set()
