"""Group commit: tracking calls that wait while another call is writing share the next transaction.

A tracking call costs about twenty statements and a commit whatever its size (here about 25 ms for one
event, 80 ms for a thousand), so single-event requests arriving in parallel were limited by that fixed
cost and queued on the write lock. Calls that arrive while a transaction is writing are now stored
together in the next one, and each still gets its own result. A shared write that fails (one caller's
events are invalid, say) is repeated call by call, so a caller's bad event never fails another's and
every message counts events from the start of its caller's own payload.

One waiting thread at a time leads: it writes groups until its own call is stored, then hands the lead
to the oldest waiting call, so no caller keeps writing for others for long.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from analytics.db import Database

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
    """The calls waiting to be written for one database and key; `busy` while some call leads."""

    def __init__(self) -> None:
        self.pending: list[_Call] = []
        self.busy = False
        self.lock = threading.Lock()


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
            _write_group(_take(queue, max_records), write)
    finally:
        with queue.lock:
            if queue.pending:
                successor = queue.pending[0]
                successor.leads = True
                successor.woken.set()
            else:
                queue.busy = False


def _take(queue: _Queue, max_records: int) -> list[_Call]:
    """The oldest waiting calls, as many as fit in `max_records` (at least one)."""
    with queue.lock:
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
