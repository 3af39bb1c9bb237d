"""The Shopify Admin GraphQL client: one POST per call, paced by query cost, retried safely.

- Pacing: every answer's `extensions.cost.throttleStatus` is kept; before a call whose cost
  (Shopify's last requestedQueryCost for that document, or the caller's estimate) exceeds
  what the bucket holds (with one point of headroom), it sleeps for the shortfall divided
  by restoreRate.
- THROTTLED in a 200: the same wait, then again. HTTP 429: wait Retry-After, then again.
- HTTP 5xx and network errors: capped exponential backoff with full jitter, a bounded number
  of times. HTTP 401/403: no retry. The error tree is drawn in `connectors.shopify.errors`.

The waits and budgets are the shared policy of `connectors.retry`; pacing is Shopify's own.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from connectors.retry import GaveUp, Retrier, Retry, RetryPolicy, retry_after
from connectors.shopify.errors import (
    QueryProblem,
    ShopifyAuthError,
    ShopifyBadResponse,
    ShopifyBulkFailed,
    ShopifyQueryError,
    ShopifyThrottled,
    ShopifyUnavailable,
)

DEFAULT_API_VERSION = "2026-10"
SHOPIFY_RETRY = RetryPolicy(max_attempts=5, max_throttled_waits=10, max_retry_after=60.0)

# Why httpx directly and not shopify_app.admin_graphql_request_async (shopifyapp 1.0.2):
# - it builds `https://{shop}.myshopify.com/...` itself, so a configured api_base_url (a proxy,
#   a local test server) would need a transport that rewrites hosts behind its back;
# - it answers a 200 carrying `errors` with extensions=None, so the throttleStatus of a
#   THROTTLED answer (the one we need to compute the wait) is lost, and it never retries it;
# - it has its own retry policy (2 retries, 429 via `int(Retry-After)` which fails on "2.0",
#   only 502/503/504, no retry of network errors) sleeping with asyncio.sleep, so tests would
#   really sleep, and wrapping it in ours would multiply the attempts of the two policies.
# One POST with httpx keeps one retry policy, connectors.retry, where it can be tested.

_HEADROOM = 1.0  # points kept in the bucket beyond a call's cost; see _wait_for

# A document whose first token, after blanks and # comments, is `mutation`.
_MUTATION = re.compile(r"(?:\s|#[^\n]*\n)*mutation\b")

# Statuses the Admin API documents for a shop that cannot be served; none is worth a retry.
_STATUS_MEANING = {
    402: "HTTP 402: the shop is frozen until its Shopify bill is paid",
    404: "HTTP 404: no Admin API at this URL",
    423: "HTTP 423: the shop is locked",
}


@dataclass(frozen=True, slots=True)
class ThrottleStatus:
    """Shopify's leaky bucket of query cost, as the last answer reported it."""

    maximum_available: float
    currently_available: float
    restore_rate: float
    """Points restored per second."""


class ShopifyAdmin:
    """Sends GraphQL documents to one shop's Admin API, respecting its rate limit.

    Retrying is safe for the documents syncbot sends: queries are reads, and its mutations
    carry `@idempotent(key: ...)`, so a retry after a lost answer replays the first result
    instead of applying twice. A mutation without that directive is never retried after a
    failure that may have reached Shopify (5xx, network error).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        shop: str,
        access_token: str,
        api_version: str = DEFAULT_API_VERSION,
        api_base_url: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random_fraction: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        retry: RetryPolicy = SHOPIFY_RETRY,
    ) -> None:
        self.shop = shop
        base_url = (api_base_url or f"https://{shop}").rstrip("/")
        self.url = f"{base_url}/admin/api/{api_version}/graphql.json"
        self._http = http
        self._token = access_token
        self._sleep = sleep
        self._clock = clock
        self._retrier = Retrier(retry, sleep, random_fraction)
        self._costs: dict[str, float] = {}
        self._bucket: ThrottleStatus | None = None
        self._bucket_at = 0.0

    def __repr__(self) -> str:
        return f"ShopifyAdmin(shop={self.shop!r}, url={self.url!r})"

    @property
    def throttle_status(self) -> ThrottleStatus | None:
        """The bucket as the last answer reported it; None before the first answer."""
        return self._bucket

    async def execute(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        estimated_cost: float | None = None,
    ) -> dict[str, Any]:
        """Sends one document and returns its `data`; raises a ShopifyError otherwise.

        `estimated_cost` paces the first call of a document; later calls use the
        requestedQueryCost Shopify reported for it.
        """
        payload: dict[str, Any] = {"query": document}
        if variables is not None:
            payload["variables"] = variables
        retry_safe = not _MUTATION.match(document) or "@idempotent" in document

        async def attempt() -> dict[str, Any]:
            await self._pace(self._costs.get(document, estimated_cost))
            return await self._attempt(document, payload)

        try:
            return await self._retrier.call(attempt, failures_retried=retry_safe)
        except GaveUp as gave_up:
            if not gave_up.throttled:
                raise ShopifyUnavailable(self.shop, gave_up.count, gave_up.detail) from None
            detail = gave_up.detail
            if gave_up.delay is not None:
                # Honouring an hour-long wait inside one call would stall the caller: say
                # so, and let the scheduler come back later.
                detail = f"{detail}, Retry-After {gave_up.delay:g}s"
            raise ShopifyThrottled(self.shop, gave_up.count, detail) from None

    async def pause(self, seconds: float) -> None:
        """Waits on the admin's clock (the test's, in tests): between bulk operation polls."""
        await self._sleep(seconds)

    async def download_lines(self, url: str) -> AsyncIterator[str]:
        """The lines of a bulk operation's result file. The URL is signed storage, not the
        Admin API: it gets no access token. A failure is ShopifyBulkFailed, the token
        scrubbed; the caller reads again on the next sweep."""
        try:
            async with self._http.stream("GET", url, headers={"User-Agent": "syncbot"}) as answer:
                if answer.status_code != 200:
                    raise ShopifyBulkFailed(
                        self.shop, f"downloading its result answered HTTP {answer.status_code}"
                    )
                async for line in answer.aiter_lines():
                    yield line
        except httpx.TransportError as exc:
            detail = self._scrub(f"downloading its result: {type(exc).__name__}: {exc}")
            raise ShopifyBulkFailed(self.shop, detail) from None

    async def _attempt(self, document: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"X-Shopify-Access-Token": self._token, "User-Agent": "syncbot"}
        try:
            response = await self._http.post(self.url, json=payload, headers=headers)
        except httpx.TransportError as exc:
            raise Retry(self._scrub(f"{type(exc).__name__}: {exc}")) from None
        status = response.status_code
        if status in (401, 403):
            raise ShopifyAuthError(self.shop, status, self._scrub(_error_text(response)))
        if status == 429:
            delay = retry_after(response.headers.get("Retry-After"))
            raise Retry("HTTP 429", throttled=True, delay=delay)
        if status >= 500:
            raise Retry(f"HTTP {status}")
        if status != 200:
            raise ShopifyBadResponse(self.shop, _STATUS_MEANING.get(status, f"HTTP {status}"))
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ShopifyBadResponse(self.shop, "the body is not a JSON object")
        self._observe(document, answer.get("extensions"))
        problems = self._problems(answer.get("errors"))
        if any(problem.code == "THROTTLED" for problem in problems):
            # Pacing before the next attempt waits (requested - available) / restoreRate, so
            # no other wait (0); when the bucket already looks full enough, another client
            # drained it: back off (None).
            wait_is_paced = self._wait_for(self._costs.get(document), self._clock()) > 0
            raise Retry("THROTTLED", throttled=True, delay=0.0 if wait_is_paced else None)
        if problems:
            if all(problem.code == "ACCESS_DENIED" for problem in problems):
                raise ShopifyAuthError(self.shop, status, problems[0].message)
            raise ShopifyQueryError(self.shop, problems)
        data = answer.get("data")
        if not isinstance(data, dict):
            raise ShopifyBadResponse(self.shop, "the answer has neither data nor errors")
        return data

    async def _pace(self, cost: float | None) -> None:
        """Waits until the bucket holds `cost`, and reserves it for this call.

        The reservation keeps concurrent callers from all spending the same points; the
        next answer replaces this local model with Shopify's own figures.
        """
        bucket, now = self._bucket, self._clock()
        wait = self._wait_for(cost, now)
        if bucket is None or cost is None or bucket.restore_rate <= 0:
            return
        start = now + wait
        restored = (start - self._bucket_at) * bucket.restore_rate
        available = min(bucket.maximum_available, bucket.currently_available + restored)
        needed = min(cost, bucket.maximum_available)
        self._bucket = replace(bucket, currently_available=available - needed)
        self._bucket_at = start
        if wait > 0:
            await self._sleep(wait)

    def _wait_for(self, cost: float | None, now: float) -> float:
        """Seconds until the bucket, refilling at restoreRate, holds `cost` points."""
        bucket = self._bucket
        if bucket is None or cost is None or bucket.restore_rate <= 0:
            return 0.0
        # One point of headroom: the figures are floats and the clocks differ, so waiting for
        # exactly `cost` (ours 12.0, Shopify's 11.999…) is THROTTLED at the boundary.
        needed = min(cost + _HEADROOM, bucket.maximum_available)
        shortfall = needed - bucket.currently_available
        return max(0.0, max(0.0, shortfall) / bucket.restore_rate - (now - self._bucket_at))

    def _observe(self, document: str, extensions: object) -> None:
        cost = extensions.get("cost") if isinstance(extensions, dict) else None
        if not isinstance(cost, dict):
            return
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float):
            self._costs[document] = float(requested)
        status = cost.get("throttleStatus")
        if not isinstance(status, dict):
            return
        try:
            self._bucket = ThrottleStatus(
                maximum_available=float(status["maximumAvailable"]),
                currently_available=float(status["currentlyAvailable"]),
                restore_rate=float(status["restoreRate"]),
            )
        except (TypeError, KeyError, ValueError):
            return  # a proxy may drop the figures: keep the last known ones
        self._bucket_at = self._clock()

    def _problems(self, errors: object) -> tuple[QueryProblem, ...]:
        if not errors:
            return ()
        if not isinstance(errors, list):
            return (QueryProblem(self._scrub(str(errors))),)
        problems = []
        for error in errors:
            error = error if isinstance(error, dict) else {"message": str(error)}
            extensions = error.get("extensions")
            code = extensions.get("code") if isinstance(extensions, dict) else None
            path = error.get("path")
            problems.append(
                QueryProblem(
                    message=self._scrub(str(error.get("message", ""))),
                    code=str(code) if code is not None else None,
                    path=tuple(str(part) for part in path) if isinstance(path, list) else (),
                )
            )
        return tuple(problems)

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "[access token]") if self._token else text


def _error_text(response: httpx.Response) -> str:
    """Shopify's own explanation of a 401/403 (`{"errors": "..."}`), shortened."""
    try:
        errors = response.json().get("errors", "")
    except (ValueError, AttributeError):
        return ""
    return str(errors)[:200]
