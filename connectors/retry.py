"""One retry policy for every storefront client: what is retried, how long it waits, when
it gives up.

A client turns one failed attempt into a `Retry`:

- throttled (HTTP 429, Shopify's THROTTLED): wait what the storefront asked for
  (Retry-After, BigCommerce's reset time), else back off; 0 means the client paces the
  next attempt itself. A wait longer than `max_retry_after` is not waited out inside one
  call, which would stall the caller: it gives up at once, and the scheduler comes back.
- failed (HTTP 5xx, a network error): capped exponential backoff with full jitter, a
  bounded number of attempts; never retried when the caller says a repeat is unsafe.

Every other outcome (an answer, or an error no retry can mend) passes straight through.
When the budget is spent, `Retrier.call` raises `GaveUp`, which each client words as its
own Throttled or Unavailable error. Every wait goes through the injected `sleep` and every
jitter through `random_fraction`, so tests wait no real time and see exact figures.

Why not tenacity or stamina: stamina has one global switch for tests and no per-client
sleep; tenacity has `sleep=`, but one attempt counter where this policy keeps two budgets
(throttled waits and failures), and a Retry-After cap that gives up before sleeping. Both
would need more adapter code than the forty lines below.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The limits of one client's retries; each storefront sets its own figures."""

    max_attempts: int = 4
    """Failed attempts (5xx, network) in one call, the first included, before giving up."""
    max_throttled_waits: int = 10
    """Throttled answers waited out in one call before giving up."""
    max_retry_after: float = 60.0
    """The longest wait asked for that is waited out; a longer one gives up at once."""
    backoff_base: float = 0.5
    backoff_cap: float = 30.0


class Retry(Exception):
    """One attempt failed in a way that a later attempt may not.

    `delay` is the wait the storefront asked for before the next attempt: None leaves it
    to backoff, 0 to the client's own pacing (Shopify's cost bucket).
    """

    def __init__(self, detail: str, *, throttled: bool = False, delay: float | None = None):
        super().__init__(detail)
        self.detail, self.throttled, self.delay = detail, throttled, delay


class GaveUp(Exception):
    """The call's retry budget is spent; the client raises its own error in its place."""

    def __init__(self, retry: Retry, count: int, delay: float | None = None) -> None:
        super().__init__(retry.detail)
        self.throttled = retry.throttled
        self.detail = retry.detail
        self.count = count
        """Throttled answers, or failed attempts, in this call."""
        self.delay = delay
        """Set when the wait asked for was longer than the policy waits out."""


@dataclass(frozen=True)
class Retrier:
    """Runs one call's attempts under a policy, waiting through `sleep`."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Sleep = asyncio.sleep
    random_fraction: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float:
        """Capped exponential backoff with full jitter: uniform in [0, min(cap, base·2ⁿ⁻¹)]."""
        policy = self.policy
        return self.random_fraction() * min(
            policy.backoff_cap, policy.backoff_base * 2.0 ** (attempt - 1)
        )

    async def call(
        self, attempt: Callable[[], Awaitable[T]], *, failures_retried: bool = True
    ) -> T:
        """`attempt()` until it answers; its `Retry`s are waited out or end in `GaveUp`."""
        policy = self.policy
        throttled = failed = 0
        while True:
            try:
                return await attempt()
            except Retry as retry:
                if retry.throttled:
                    throttled += 1
                    if throttled > policy.max_throttled_waits:
                        raise GaveUp(retry, throttled) from None
                    delay = retry.delay if retry.delay is not None else self.backoff(throttled)
                    if delay > policy.max_retry_after:
                        raise GaveUp(retry, throttled, delay) from None
                else:
                    failed += 1
                    if failed >= policy.max_attempts or not failures_retried:
                        raise GaveUp(retry, failed) from None
                    delay = self.backoff(failed)
                if delay > 0:
                    await self.sleep(delay)


def retry_after(value: str | None) -> float | None:
    """A Retry-After header in seconds; None when absent or an HTTP date (backoff decides)."""
    try:
        return max(0.0, float(value or ""))
    except ValueError:
        return None
