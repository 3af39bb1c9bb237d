"""BigCommerce's rate-limit headers are obeyed, 429 and 5xx retried, and no token ever shown."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from connectors.bigcommerce.api import (
    BigCommerceAPI,
    BigCommerceAuthError,
    BigCommerceRefused,
    BigCommerceThrottled,
    BigCommerceUnavailable,
)
from connectors.bigcommerce.connector import BigCommerceConnector
from connectors.bigcommerce.testing import BigCommerceStore

TOKEN = "dummy-access-token"  # a dummy for tests


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def store() -> BigCommerceStore:
    return BigCommerceStore(access_token=TOKEN)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def api(store: BigCommerceStore, sleeps: Sleeps) -> AsyncIterator[BigCommerceAPI]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        store.mount(router)
        async with httpx.AsyncClient() as http:
            yield BigCommerceAPI(
                http,
                store_hash=store.store_hash,
                access_token=TOKEN,
                sleep=sleeps,
                random_fraction=lambda: 1.0,
            )


class TestRateLimits:
    async def test_every_request_carries_the_access_token(
        self, api: BigCommerceAPI, store: BigCommerceStore
    ) -> None:
        await api.get("v2/store")
        assert store.requests[0].headers["X-Auth-Token"] == TOKEN
        assert store.requests[0].headers["Accept"] == "application/json"

    async def test_when_no_request_is_left_the_next_waits_for_the_reset(
        self, api: BigCommerceAPI, store: BigCommerceStore, sleeps: Sleeps
    ) -> None:
        store.quota, store.left, store.reset_ms = 150, 2, 12500
        await api.get("v2/store")
        await api.get("v2/store")  # answered with Requests-Left: 0
        assert sleeps.waits == []
        await api.get("v2/store")
        assert sleeps.waits == [12.5]
        await api.get("v2/store")
        assert sleeps.waits == [12.5], "the quota was restored: no more waiting"

    async def test_a_429_waits_time_reset_ms_then_retries(
        self, api: BigCommerceAPI, store: BigCommerceStore, sleeps: Sleeps
    ) -> None:
        store.throttled = [7000, 3000]
        assert (await api.get("v2/store"))["name"] == "Fake store"
        assert sleeps.waits == [7.0, 3.0]
        assert len(store.requests) == 3

    async def test_a_429_without_headers_backs_off(
        self, api: BigCommerceAPI, store: BigCommerceStore, sleeps: Sleeps
    ) -> None:
        """BigCommerce documents a bare 429 as platform load: back off and go again."""
        store.fail_next.append(httpx.Response(429))
        await api.get("v2/store")
        assert sleeps.waits == [0.5]

    async def test_a_reset_longer_than_a_minute_is_left_to_a_later_run(
        self, api: BigCommerceAPI, store: BigCommerceStore, sleeps: Sleeps
    ) -> None:
        store.throttled = [3_600_000]
        with pytest.raises(BigCommerceThrottled, match="3600s"):
            await api.get("v2/store")
        assert sleeps.waits == []

    async def test_a_storm_of_429s_gives_up(
        self, api: BigCommerceAPI, store: BigCommerceStore, sleeps: Sleeps
    ) -> None:
        store.throttled = [1000] * 20
        with pytest.raises(BigCommerceThrottled, match="throttled 11 times"):
            await api.get("v2/store")
        assert len(sleeps.waits) == 10


class TestFailures:
    async def test_a_5xx_is_retried_with_backoff(
        self, api: BigCommerceAPI, store: BigCommerceStore, sleeps: Sleeps
    ) -> None:
        store.fail_next = [httpx.Response(503), httpx.Response(500)]
        assert (await api.get("v2/store"))["domain"] == "fake.example.com"
        assert sleeps.waits == [0.5, 1.0]

    async def test_a_5xx_that_persists_is_unavailable(
        self, api: BigCommerceAPI, store: BigCommerceStore
    ) -> None:
        store.fail_next = [httpx.Response(502)] * 4
        with pytest.raises(BigCommerceUnavailable, match="4 attempts"):
            await api.get("v2/store")

    async def test_a_network_error_never_shows_the_token(self, sleeps: Sleeps) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError(f"cannot reach {request.headers['X-Auth-Token']}")

        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
            api = BigCommerceAPI(http, store_hash="abc", access_token=TOKEN, sleep=sleeps)
            with pytest.raises(BigCommerceUnavailable) as failed:
                await api.get("v2/store")
        assert TOKEN not in str(failed.value)
        assert "[access token]" in str(failed.value)

    @pytest.mark.parametrize(("status", "advice"), [(401, "revoked"), (403, "scope")])
    async def test_auth_failures_say_what_to_fix(
        self, api: BigCommerceAPI, store: BigCommerceStore, status: int, advice: str
    ) -> None:
        store.fail_next.append(httpx.Response(status))
        with pytest.raises(BigCommerceAuthError, match=advice) as refused:
            await api.get("v2/store")
        assert TOKEN not in str(refused.value)

    async def test_a_422_carries_its_title_and_errors(
        self, api: BigCommerceAPI, store: BigCommerceStore
    ) -> None:
        problem = {"status": 422, "title": "Invalid", "errors": {"items.0": "bad"}}
        store.fail_next.append(httpx.Response(422, json=problem))
        with pytest.raises(BigCommerceRefused) as refused:
            await api.put("v3/inventory/adjustments/absolute", {"items": []})
        assert (refused.value.status, refused.value.title) == (422, "Invalid")
        assert refused.value.errors == {"items.0": "bad"}

    async def test_204_is_an_empty_answer(
        self, api: BigCommerceAPI, store: BigCommerceStore
    ) -> None:
        assert await api.get("v2/orders") is None


async def test_check_names_the_store_and_the_location(
    api: BigCommerceAPI, store: BigCommerceStore
) -> None:
    bc = BigCommerceConnector("bc", api, client_secret="dummy", location_id=4)
    answer = await bc.check()
    assert answer == (
        "BigCommerce store Fake store (fake.example.com), hash fakestore; "
        "pushes to inventory location 4"
    )
    assert store.requests[0].url.path == "/stores/fakestore/v2/store"
