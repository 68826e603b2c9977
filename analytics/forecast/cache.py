"""In-process cache of expensive results: fitted forecasts (a fit costs about a second), anomaly scans and
the insights page's early cohort (read by two of its sections); a repeated use costs nothing.

Keys hold everything a result depends on, the database's path and `view_version` included, so new
data is never answered from an old fit (tracked events: after at most `live_refresh_s` seconds). The oldest entries go first once `MAX_ENTRIES` is reached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

Result = TypeVar("Result")
MAX_ENTRIES = 64

_entries: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


def remembered(key: Hashable, compute: Callable[[], Result]) -> Result:
    """The result stored under `key`, computing and storing it on first use."""
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]
    result = compute()
    with _lock:
        _entries[key] = result
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return result


def clear() -> None:
    """Forget every stored result (tests)."""
    with _lock:
        _entries.clear()


def size() -> int:
    """How many results are stored."""
    with _lock:
        return len(_entries)
