"""The WooCommerce REST API v3 over httpx: Basic auth, pages, HTTP 429 and 5xx.

WooCommerceError (a connectors.base.ConnectorError)
├── WooCommerceAuthError     HTTP 401/403: wrong or revoked keys, or keys without write access
├── WooCommerceThrottled     HTTP 429 after every allowed wait, or a Retry-After too long to wait
├── WooCommerceUnavailable   HTTP 5xx or network errors after every allowed attempt; a network
│                            error on a write at once (absolute quantities: the sync resends)
├── WooCommerceNotFound      HTTP 404: no such resource, or no REST API at this URL
└── WooCommerceBadResponse   another status, or a body that is not JSON

Messages name the store and never its keys. Only Throttled and Unavailable are worth
trying again later, as they are. WooCommerce core has no rate limit on this API, but the
hosts and firewalls in front of stores answer 429, so Retry-After is honoured anyway, by
the policy every client shares (`connectors.retry`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import httpx

from connectors.base import ConnectorError
from connectors.retry import GaveUp, Retrier, Retry, RetryPolicy, retry_after

API_PATH = "/wp-json/wc/v3"
MAX_PER_PAGE = 100  # the per_page maximum of every collection, and the batch limit
Params = Mapping[str, str | int]
WOOCOMMERCE_RETRY = RetryPolicy(max_attempts=4, max_throttled_waits=5, max_retry_after=120.0)


class WooCommerceError(ConnectorError):
    def __init__(self, store: str, message: str) -> None:
        super().__init__(f"{store}: {message}")
        self.store = store


class WooCommerceAuthError(WooCommerceError):
    """Retrying cannot help: a person must fix the keys or their permissions."""


class WooCommerceThrottled(WooCommerceError):
    pass


class WooCommerceUnavailable(WooCommerceError):
    pass


class WooCommerceNotFound(WooCommerceError):
    pass


class WooCommerceBadResponse(WooCommerceError):
    pass


class WooCommerceApi:
    """One store's REST API. `url` is the store's base URL; the API lives under /wp-json/wc/v3."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        url: str,
        consumer_key: str,
        consumer_secret: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random_fraction: Callable[[], float] = random.random,
        retry: RetryPolicy = WOOCOMMERCE_RETRY,
    ) -> None:
        self.url = url.rstrip("/")
        self.store = httpx.URL(self.url).host or self.url
        self._http = http
        self._auth = httpx.BasicAuth(consumer_key, consumer_secret)
        self._secrets = tuple(s for s in (consumer_key, consumer_secret) if s)
        self._retrier = Retrier(retry, sleep, random_fraction)

    def __repr__(self) -> str:
        return f"WooCommerceApi(url={self.url!r})"

    async def get(self, path: str, params: Params | None = None) -> Any:
        return (await self._send("GET", path, params=params)).json()

    async def get_page(self, path: str, params: Params) -> tuple[list[dict[str, Any]], int]:
        """One page of a collection and X-WP-TotalPages (1 when a proxy dropped it)."""
        response = await self._send("GET", path, params=params)
        items = response.json()
        if not isinstance(items, list):
            raise WooCommerceBadResponse(self.store, f"GET {path} did not answer a list")
        try:
            total_pages = int(response.headers.get("X-WP-TotalPages", "1"))
        except ValueError:
            total_pages = 1
        return items, total_pages

    async def every_page(self, path: str, params: Params) -> AsyncIterator[list[dict[str, Any]]]:
        """Each page of a collection in turn, `per_page` items at a time."""
        page = 1
        while True:
            items, total_pages = await self.get_page(path, {**params, "page": page})
            yield items
            if page >= total_pages or not items:
                return
            page += 1

    async def post(self, path: str, payload: Mapping[str, Any]) -> Any:
        return (await self._send("POST", path, payload=payload)).json()

    async def put(self, path: str, payload: Mapping[str, Any]) -> Any:
        return (await self._send("PUT", path, payload=payload)).json()

    async def delete(self, path: str, params: Params | None = None) -> Any:
        return (await self._send("DELETE", path, params=params)).json()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        try:
            return await self._retrier.call(lambda: self._attempt(method, path, params, payload))
        except GaveUp as gave_up:
            if gave_up.throttled:
                wait = f", Retry-After {gave_up.delay:g}s" if gave_up.delay is not None else ""
                raise WooCommerceThrottled(
                    self.store,
                    f"{method} {path} throttled {gave_up.count} time(s) ({gave_up.detail}"
                    f"{wait}); try again later",
                ) from None
            raise WooCommerceUnavailable(
                self.store,
                f"{method} {path} failed {gave_up.count} time(s) ({gave_up.detail}); "
                "try again later",
            ) from None

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Params | None,
        payload: Mapping[str, Any] | None,
    ) -> httpx.Response:
        try:
            response = await self._http.request(
                method,
                f"{self.url}{API_PATH}{path}",
                params=params,
                json=payload,
                auth=self._auth,
                headers={"User-Agent": "syncbot", "Accept": "application/json"},
            )
        except httpx.TransportError as error:
            detail = self._scrub(f"{type(error).__name__}: {error}")
            if method != "GET":
                # The write may have reached the store; it is not repeated here: the sync
                # resends it, and absolute quantities make that harmless.
                raise WooCommerceUnavailable(
                    self.store, f"{method} {path}: {detail}; the answer was lost"
                ) from None
            raise Retry(detail) from None
        status = response.status_code
        if status == 429:
            delay = retry_after(response.headers.get("Retry-After"))
            raise Retry("HTTP 429", throttled=True, delay=delay)
        if status >= 500:
            raise Retry(f"HTTP {status}")
        if 200 <= status < 300:
            try:
                response.json()
            except ValueError:
                raise WooCommerceBadResponse(
                    self.store,
                    f"{method} {path} answered something other than JSON: check that url is "
                    "the WordPress site and that its permalinks are not 'Plain'",
                ) from None
            return response
        if 300 <= status < 400:
            where = response.headers.get("Location", "elsewhere")
            raise WooCommerceBadResponse(
                self.store, f"{method} {path}: HTTP {status} to {where}: set url to where it leads"
            )
        detail = self._scrub(_error_text(response))
        if status in (401, 403):
            raise WooCommerceAuthError(
                self.store,
                f"WooCommerce refused the consumer key (HTTP {status}{detail}): set a valid "
                "key with Read/Write permission",
            )
        if status == 404:
            raise WooCommerceNotFound(self.store, f"{method} {path}: HTTP 404{detail}")
        raise WooCommerceBadResponse(self.store, f"{method} {path}: HTTP {status}{detail}")

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[secret]")
        return text


def _error_text(response: httpx.Response) -> str:
    """`: code: message` from WordPress's error body ({"code", "message", "data"}), shortened."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    parts = [str(body[key]) for key in ("code", "message") if body.get(key)]
    return f": {': '.join(parts)[:200]}" if parts else ""
