"""BigCommerce's REST API for one store: X-Auth-Token, V2 and V3 paths, rate limits, retries.

    BigCommerceError (a connectors.base.ConnectorError)
    ├── BigCommerceAuthError    HTTP 401/403: a wrong or revoked token, or a missing scope
    ├── BigCommerceThrottled    still HTTP 429 after every allowed wait
    ├── BigCommerceUnavailable  HTTP 5xx or network errors after every allowed attempt
    ├── BigCommerceRefused      another 4xx (404, 422...): carries status, title and errors
    └── BigCommerceBadResponse  a body that is not the JSON the endpoint documents

Rate limits (https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits):
every answer carries X-Rate-Limit-Requests-Left and X-Rate-Limit-Time-Reset-Ms. When
Requests-Left reaches 0 the next request waits Time-Reset-Ms first; a 429 waits
Time-Reset-Ms (or backs off when BigCommerce sends a 429 without the headers, which it
documents as platform load) and goes again. Every wait goes through the injected `sleep`;
the waits and budgets are the policy every client shares (`connectors.retry`).

Retrying after a 5xx or a lost answer is safe for what syncbot sends: reads, and absolute
inventory adjustments, which set a quantity rather than add to it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from connectors.base import ConnectorError
from connectors.retry import GaveUp, Retrier, Retry, RetryPolicy

DEFAULT_API_BASE_URL = "https://api.bigcommerce.com/stores/{store_hash}"
REQUESTS_LEFT = "X-Rate-Limit-Requests-Left"
TIME_RESET_MS = "X-Rate-Limit-Time-Reset-Ms"
BIGCOMMERCE_RETRY = RetryPolicy(max_attempts=4, max_throttled_waits=10, max_retry_after=60.0)


class BigCommerceError(ConnectorError):
    """Base of every API failure; the message is fit to show a merchant, never the token."""

    def __init__(self, store_hash: str, message: str) -> None:
        super().__init__(f"BigCommerce store {store_hash}: {message}")
        self.store_hash = store_hash


class BigCommerceAuthError(BigCommerceError):
    """Retrying cannot help: a person must fix the token or the API account's scopes."""


class BigCommerceThrottled(BigCommerceError):
    pass


class BigCommerceUnavailable(BigCommerceError):
    pass


class BigCommerceBadResponse(BigCommerceError):
    pass


class BigCommerceRefused(BigCommerceError):
    """A 4xx other than 401/403/429: the same request will fail again as it is."""

    def __init__(self, store_hash: str, status: int, title: str, errors: object) -> None:
        super().__init__(store_hash, f"HTTP {status}: {title}")
        self.status = status
        self.title = title
        self.errors = errors


class BigCommerceAPI:
    """Sends requests to one store, one at a time as the Inventory docs ask."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        store_hash: str,
        access_token: str,
        api_base_url: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random_fraction: Callable[[], float] = random.random,
        retry: RetryPolicy = BIGCOMMERCE_RETRY,
    ) -> None:
        self.store_hash = store_hash
        self.base_url = (api_base_url or DEFAULT_API_BASE_URL.format(store_hash=store_hash)).rstrip(
            "/"
        )
        self._http = http
        self._token = access_token
        self._sleep = sleep
        self._retrier = Retrier(retry, sleep, random_fraction)
        self._wait_before_next = 0.0

    def __repr__(self) -> str:
        return f"BigCommerceAPI(store_hash={self.store_hash!r}, base_url={self.base_url!r})"

    async def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """The decoded body of a GET; None for 204 No Content (V2's empty page)."""
        return await self.request("GET", path, params=params)

    async def put(self, path: str, body: object) -> Any:
        return await self.request("PUT", path, body=body)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: object = None,
    ) -> Any:
        async def attempt() -> Any:
            if self._wait_before_next > 0:
                wait, self._wait_before_next = self._wait_before_next, 0.0
                await self._sleep(wait)
            return await self._attempt(method, path, params, body)

        try:
            return await self._retrier.call(attempt)
        except GaveUp as gave_up:
            if not gave_up.throttled:
                raise BigCommerceUnavailable(
                    self.store_hash,
                    f"no answer after {gave_up.count} attempts ({gave_up.detail}); try again later",
                ) from None
            if gave_up.delay is not None:
                raise BigCommerceThrottled(
                    self.store_hash, f"the rate limit resets in {gave_up.delay:g}s; try later"
                ) from None
            raise BigCommerceThrottled(
                self.store_hash, f"throttled {gave_up.count} times; try again later"
            ) from None

    async def _attempt(
        self, method: str, path: str, params: Mapping[str, str | int] | None, body: object
    ) -> Any:
        headers = {"X-Auth-Token": self._token, "Accept": "application/json"}
        try:
            response = await self._http.request(
                method,
                f"{self.base_url}/{path.lstrip('/')}",
                params=params,
                json=body,
                headers=headers,
            )
        except httpx.TransportError as exc:
            raise Retry(self._scrub(f"{type(exc).__name__}: {exc}")) from None
        reset = _seconds(response.headers.get(TIME_RESET_MS))
        status = response.status_code
        if status == 429:
            raise Retry("HTTP 429", throttled=True, delay=reset)
        if response.headers.get(REQUESTS_LEFT, "").strip() == "0" and reset is not None:
            # The quota is spent: the next request would be a 429, so it waits the reset.
            self._wait_before_next = reset
        if status >= 500:
            raise Retry(f"HTTP {status}")
        if status in (401, 403):
            advice = (
                "the access token is wrong or was revoked"
                if status == 401
                else "the API account lacks a scope this call needs"
            )
            raise BigCommerceAuthError(self.store_hash, f"HTTP {status} on {path}: {advice}")
        if status == 204:
            return None
        answer = _json(response)
        if status >= 400:
            problem = answer if isinstance(answer, dict) else {}
            title = self._scrub(str(problem.get("title") or response.reason_phrase))
            raise BigCommerceRefused(self.store_hash, status, title, problem.get("errors"))
        if answer is None:
            raise BigCommerceBadResponse(self.store_hash, f"{path} did not answer JSON")
        return answer

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "[access token]") if self._token else text


def _seconds(milliseconds: str | None) -> float | None:
    try:
        return max(0.0, float(milliseconds or "")) / 1000
    except ValueError:
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
