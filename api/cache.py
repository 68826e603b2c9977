"""A small in-process LRU of product-wide responses, keyed by endpoint, options and the data version.

Like the UI's `cached`, an entry is valid for one `db.view_version`: any write that changes data (an
import, a prediction run) moves it on at once, tracked events within `live_refresh_s` seconds.
Keys include the caller's role, so a role is served from the cache only after its first call passed
the analytics function's permission check.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from analytics.db import Database

MAX_ENTRIES = 256
Result = TypeVar("Result")


class ResponseCache:
    """Least-recently-used results of at most `max_entries` keys; safe to share between threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, db: Database, key: Hashable, compute: Callable[[], Result]) -> Result:
        """The cached result for (`db`, its data version, `key`), computing and keeping it on a miss."""
        full_key = (str(db.path), db.view_version, key)
        with self._lock:
            if full_key in self._entries:
                self._entries.move_to_end(full_key)
                return self._entries[full_key]  # type: ignore[return-value]
        result = compute()
        with self._lock:
            self._entries[full_key] = result
            self._entries.move_to_end(full_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        """Drop every entry (tests)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


RESPONSES = ResponseCache()
"""The process's cache of product-wide API responses."""
