"""Per-token request budgets for the API: a token bucket per key, kept in this process."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from analytics.errors import RateLimited


class TokenRateLimited(RateLimited):
    """One token went over its budget; `retry_after_s` is when its next request will fit."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RateLimiter:
    """Allow `per_minute` requests a minute per key, in bursts of up to `per_minute`.

    Each key holds a bucket of `per_minute` credits refilled evenly over a minute; a request spends
    one. Memory is one small entry per key that ever made a request (keys are token ids).
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError(
                f"The 'per_minute' parameter of RateLimiter must be an int >= 1. Got {per_minute}."
            )
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Spend one credit of `key`; raise TokenRateLimited (HTTP 429) when none is left."""
        rate_per_s = self.per_minute / 60.0
        with self._lock:
            now = self.clock()
            credits, updated = self._buckets.get(key, (float(self.per_minute), now))
            credits = min(float(self.per_minute), credits + (now - updated) * rate_per_s)
            if credits < 1.0:
                self._buckets[key] = (credits, now)
                retry_after_s = max(1, math.ceil((1.0 - credits) / rate_per_s))
                raise TokenRateLimited(
                    f"Too many requests with this token: the limit is {self.per_minute} a minute "
                    f"(setting api_rate_limit_per_minute). Retry in {retry_after_s} s.",
                    retry_after_s,
                )
            self._buckets[key] = (credits - 1.0, now)
