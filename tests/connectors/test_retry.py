"""The one retry policy every storefront client shares (connectors.retry)."""

from __future__ import annotations

import pytest

from connectors.retry import GaveUp, Retrier, Retry, RetryPolicy, retry_after


class Script:
    """Attempts that fail as scripted, then answer; records what happened, in order."""

    def __init__(self, *failures: Retry) -> None:
        self.failures = list(failures)
        self.log: list[str] = []

    async def sleep(self, seconds: float) -> None:
        self.log.append(f"sleep {seconds:g}")

    async def attempt(self) -> str:
        self.log.append("call")
        if self.failures:
            raise self.failures.pop(0)
        return "answer"


def retrier(script: Script, policy: RetryPolicy | None = None) -> Retrier:
    """Jitter at its largest, so the waits are the policy's upper bounds."""
    return Retrier(policy or RetryPolicy(), script.sleep, lambda: 1.0)


async def test_no_call_is_made_before_the_retry_after_has_passed() -> None:
    """A 429's Retry-After is waited out, through the injected sleep, before calling again."""
    script = Script(Retry("HTTP 429", throttled=True, delay=7.0))
    assert await retrier(script).call(script.attempt) == "answer"
    assert script.log == ["call", "sleep 7", "call"]


async def test_a_wait_longer_than_the_cap_gives_up_without_waiting() -> None:
    """An hour-long Retry-After is not waited out inside one call: it gives up at once."""
    script = Script(Retry("HTTP 429", throttled=True, delay=3600.0))
    with pytest.raises(GaveUp) as gave_up:
        await retrier(script, RetryPolicy(max_retry_after=60.0)).call(script.attempt)
    assert (gave_up.value.throttled, gave_up.value.delay) == (True, 3600.0)
    assert script.log == ["call"]


async def test_failures_back_off_exponentially_up_to_the_cap_then_give_up() -> None:
    """5xx and network errors: base·2ⁿ⁻¹ (full jitter), capped, for max_attempts calls."""
    script = Script(*(Retry("HTTP 503") for _ in range(5)))
    with pytest.raises(GaveUp) as gave_up:
        await retrier(script, RetryPolicy(max_attempts=4, backoff_cap=1.5)).call(script.attempt)
    assert script.log == ["call", "sleep 0.5", "call", "sleep 1", "call", "sleep 1.5", "call"]
    assert (gave_up.value.throttled, gave_up.value.count) == (False, 4)


async def test_an_unsafe_call_is_never_repeated_after_a_failure() -> None:
    """A write that may have reached the storefront is not sent twice."""
    script = Script(Retry("ReadTimeout"))
    with pytest.raises(GaveUp):
        await retrier(script).call(script.attempt, failures_retried=False)
    assert script.log == ["call"]


async def test_throttled_waits_and_failures_have_separate_budgets() -> None:
    """Being throttled spends no failure attempt, and the other way round."""
    script = Script(
        Retry("HTTP 503"),
        Retry("THROTTLED", throttled=True, delay=0.0),
        Retry("HTTP 503"),
        Retry("THROTTLED", throttled=True),
    )
    policy = RetryPolicy(max_attempts=3, max_throttled_waits=2)
    assert await retrier(script, policy).call(script.attempt) == "answer"
    # A paced wait (0) is the client's own; an unstated one backs off.
    assert script.log == ["call", "sleep 0.5", "call", "call", "sleep 1", "call", "sleep 1", "call"]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("2.5", 2.5), ("-3", 0.0), (None, None), ("Wed, 21 Oct 2015 07:28:00 GMT", None)],
)
def test_retry_after_reads_seconds_and_leaves_the_rest_to_backoff(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after(header) == seconds
