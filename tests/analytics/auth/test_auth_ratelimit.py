"""The per-token budget: a bucket of per_minute credits refilled evenly, 429 with Retry-After when empty."""

from __future__ import annotations

import pytest

from analytics.auth.ratelimit import RateLimiter, TokenRateLimited


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


def test_budget_refills_evenly():
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock)
    for _ in range(3):
        limiter.check("tok_a")
    with pytest.raises(TokenRateLimited, match="limit is 3 a minute") as caught:
        limiter.check("tok_a")
    assert caught.value.retry_after_s == 20 and caught.value.http_status == 429
    limiter.check("tok_b")  # keys have their own budgets
    clock.now_s += 20
    limiter.check("tok_a")
    with pytest.raises(TokenRateLimited):
        limiter.check("tok_a")


def test_per_minute_must_be_positive():
    with pytest.raises(ValueError, match="must be an int >= 1. Got 0"):
        RateLimiter(0)
