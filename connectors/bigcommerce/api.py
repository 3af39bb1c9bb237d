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
documents as platform load) and goes again. Every wait goes through the injected `sleep`.

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

DEFAULT_API_BASE_URL = "https://api.bigcommerce.com/stores/{store_hash}"
REQUESTS_LEFT = "X-Rate-Limit-Requests-Left"
TIME_RESET_MS = "X-Rate-Limit-Time-Reset-Ms"


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


class _Retry(Exception):
    def __init__(self, throttled: bool, detail: str, delay: float | None) -> None:
        super().__init__(detail)
        self.throttled = throttled
        self.detail = detail
        self.delay = delay


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
        max_attempts: int = 4,
        max_throttled_waits: int = 10,
        max_wait: float = 60.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
    ) -> None:
        self.store_hash = store_hash
        self.base_url = (api_base_url or DEFAULT_API_BASE_URL.format(store_hash=store_hash)).rstrip(
            "/"
        )
        self._http = http
        self._token = access_token
        self._sleep = sleep
        self._random = random_fraction
        self._max_attempts = max_attempts
        self._max_throttled_waits = max_throttled_waits
        self._max_wait = max_wait
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
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
        throttled = failed = 0
        while True:
            if self._wait_before_next > 0:
                wait, self._wait_before_next = self._wait_before_next, 0.0
                await self._sleep(wait)
            try:
                return await self._attempt(method, path, params, body)
            except _Retry as retry:
                if retry.throttled:
                    throttled += 1
                    if throttled > self._max_throttled_waits:
                        raise BigCommerceThrottled(
                            self.store_hash, f"throttled {throttled} times; try again later"
                        ) from None
                    delay = retry.delay if retry.delay is not None else self._backoff(throttled)
                    if delay > self._max_wait:
                        raise BigCommerceThrottled(
                            self.store_hash, f"the rate limit resets in {delay:g}s; try later"
                        ) from None
                else:
                    failed += 1
                    if failed >= self._max_attempts:
                        raise BigCommerceUnavailable(
                            self.store_hash,
                            f"no answer after {failed} attempts ({retry.detail}); try again later",
                        ) from None
                    delay = self._backoff(failed)
                await self._sleep(delay)

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
            raise _Retry(False, self._scrub(f"{type(exc).__name__}: {exc}"), None) from None
        reset = _seconds(response.headers.get(TIME_RESET_MS))
        status = response.status_code
        if status == 429:
            raise _Retry(True, "HTTP 429", reset)
        if response.headers.get(REQUESTS_LEFT, "").strip() == "0" and reset is not None:
            # The quota is spent: the next request would be a 429, so it waits the reset.
            self._wait_before_next = reset
        if status >= 500:
            raise _Retry(False, f"HTTP {status}", None)
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

    def _backoff(self, attempt: int) -> float:
        """Capped exponential backoff with full jitter."""
        return self._random() * min(self._backoff_cap, self._backoff_base * 2.0 ** (attempt - 1))

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
