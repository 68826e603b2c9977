"""Group commit: tracking calls that wait while another call is writing share the next transaction.

A tracking write has a fixed cost whatever its size (when this was written, about twenty statements:
25 ms for one event, 80 ms for a thousand; analytics.ingest.small_load has since made it a handful of
statements, and under load each of them waits for the GIL again), so single-event requests arriving
in parallel were limited by that fixed cost and queued on the write lock. Calls that arrive while a
transaction is writing are now stored together in the next one, and each still gets its own result.
A shared write that fails (one caller's events are invalid, say) is repeated call by call, so a
caller's bad event never fails another's and every message counts events from the start of its
caller's own payload.

One waiting thread at a time leads: it writes groups until its own call is stored, then hands the lead
to the oldest waiting call, so no caller keeps writing for others for long.

Calls from the event loop (`write_grouped_async`) wait without a thread of their own: a writer thread,
started when the oldest waiting call is one of them, leads for them, and answers each loop once per
write. A thread per call cost two thread wake-ups and the threadpool's bookkeeping per single-event
request, with the GIL taken each time.

Before a write, the leader waits briefly for the callers it expects: those answered by the last write
(most send their next call at once) and those that were waiting then. Without that wait, sixteen
clients split into two groups that took turns, and each call waited for the other group's write before
its own: twice the latency of one group of sixteen, whose write costs about the same. The wait ends as
soon as they are all there, and lasts at most a quarter of the last write (GATHER_SHARE), capped at
MAX_GATHER_S; a lone caller never waits.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections import defaultdict
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
    write: Write
    result: Result | None = None
    error: BaseException | None = None
    done: bool = False
    leads: bool = False
    woken: threading.Event = field(default_factory=threading.Event)
    """Set when the call is done, or when it is made the leader (calls from a thread)."""
    answer: asyncio.Future | None = None
    """Resolved on its loop when the call is done (calls from an event loop, which never lead)."""


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
    queue = _queue(db, key)
    call: _Call[Result] = _Call(records, write)
    with queue.lock:
        queue.pending.append(call)
        if not queue.busy:
            queue.busy = call.leads = True
        elif len(queue.pending) >= queue.expected:
            queue.arrived.notify()
    if not call.leads:
        call.woken.wait()
    if not call.done:
        _lead(queue, lambda: call.done, max_records)
    return _outcome(call)


async def write_grouped_async(
    db: Database, key: Hashable, records: list[Any], write: Write, *, max_records: int
) -> Result:
    """`write_grouped` for a call on an event loop: the same groups, written by another thread."""
    queue = _queue(db, key)
    call: _Call[Result] = _Call(records, write, answer=asyncio.get_running_loop().create_future())
    with queue.lock:
        queue.pending.append(call)
        if not queue.busy:
            queue.busy = True
            _start_writer(queue, max_records)
        elif len(queue.pending) >= queue.expected:
            queue.arrived.notify()
    await asyncio.shield(call.answer)  # a caller gone away leaves its write to finish
    return _outcome(call)


def _queue(db: Database, key: Hashable) -> _Queue:
    with _queues_lock:
        return _queues.setdefault(db, {}).setdefault(key, _Queue())


def _outcome(call: _Call[Result]) -> Result:
    if call.error is not None:
        raise call.error
    return call.result  # type: ignore[return-value]


def _start_writer(queue: _Queue, max_records: int) -> None:
    """Start a thread leading while the oldest waiting call is an event loop's."""

    def no_event_loop_call_first() -> bool:
        with queue.lock:
            return not queue.pending or queue.pending[0].answer is None

    name = "pulse-group-writer"
    threading.Thread(target=_lead, args=(queue, no_event_loop_call_first, max_records), name=name).start()


def _lead(queue: _Queue, finished: Callable[[], bool], max_records: int) -> None:
    """Write groups of the oldest waiting calls until `finished()`, then pass the lead on: to the oldest
    waiting call's thread, or to a writer thread when that call is an event loop's."""
    try:
        while not finished():
            calls = _take(queue, max_records)
            started = time.monotonic()
            _write_group(calls)
            with queue.lock:
                queue.expected = len(calls) + len(queue.pending)
                queue.gather_s = min(MAX_GATHER_S, GATHER_SHARE * (time.monotonic() - started))
    finally:
        with queue.lock:
            if not queue.pending:
                queue.busy = False
            elif queue.pending[0].answer is None:
                queue.pending[0].leads = True
                queue.pending[0].woken.set()
            else:
                _start_writer(queue, max_records)


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


def _write_group(calls: list[_Call]) -> None:
    """Write `calls` with the write of the first (calls under one key write alike)."""
    write = calls[0].write
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
        answers: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = defaultdict(list)
        for call in calls:
            if call.result is None and call.error is None:
                call.error = RuntimeError(
                    "The shared tracking write was interrupted; nothing of this call was stored."
                )
            call.done = True
            if call.answer is None:
                call.woken.set()
            else:
                answers[call.answer.get_loop()].append(call.answer)
        for loop, futures in answers.items():  # one wake-up of each loop for all its calls
            loop.call_soon_threadsafe(_answer, futures)


def _answer(futures: list[asyncio.Future]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)
