"""The Admin GraphQL client: paced by query cost, retried safely, typed errors without the token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from connectors.retry import RetryPolicy
from connectors.shopify.admin import ShopifyAdmin, ThrottleStatus
from connectors.shopify.documents import INVENTORY_SET_QUANTITIES, PRODUCT_VARIANTS, SHOP
from connectors.shopify.errors import (
    ShopifyAuthError,
    ShopifyBadResponse,
    ShopifyError,
    ShopifyQueryError,
    ShopifyThrottled,
    ShopifyUnavailable,
)

SHOP_DOMAIN = "syncbot-test.myshopify.com"
TOKEN = "shpat_dummy0123456789abcdef"  # a dummy; the tests prove it never leaks
URL = f"https://{SHOP_DOMAIN}/admin/api/2026-10/graphql.json"
SHOP_DATA = {"shop": {"name": "Test", "myshopifyDomain": SHOP_DOMAIN}}


def answer(
    data: dict[str, Any] | None = None,
    *,
    requested: int = 3,
    available: float = 1997.0,
    restore: float = 100.0,
    errors: list[dict[str, Any]] | None = None,
) -> httpx.Response:
    """A 200 shaped like the Admin API's, with extensions.cost."""
    body: dict[str, Any] = {
        "extensions": {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": None if errors else requested,
                "throttleStatus": {
                    "maximumAvailable": 2000.0,
                    "currentlyAvailable": available,
                    "restoreRate": restore,
                },
            }
        }
    }
    if errors:
        body["errors"] = errors
    else:
        body["data"] = data if data is not None else SHOP_DATA
    return httpx.Response(200, json=body)


def throttled(*, requested: int, available: float, restore: float = 100.0) -> httpx.Response:
    """What Shopify answers when the bucket lacks the query's cost."""
    error = {
        "message": "Throttled",
        "extensions": {
            "code": "THROTTLED",
            "documentation": "https://shopify.dev/api/usage/rate-limits",
        },
    }
    return answer(requested=requested, available=available, restore=restore, errors=[error])


class Sleeps(list[float]):
    """The injected sleep: records each wait instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shopify() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def admin(http: httpx.AsyncClient, sleeps: Sleeps, clock: Clock) -> ShopifyAdmin:
    return ShopifyAdmin(
        http,
        shop=SHOP_DOMAIN,
        access_token=TOKEN,
        sleep=sleeps,
        clock=clock,
        random_fraction=lambda: 0.5,
        retry=RetryPolicy(max_attempts=3, max_throttled_waits=3),
    )


class TestRequests:
    async def test_a_call_posts_the_document_with_the_token_header(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter
    ) -> None:
        """One POST to /admin/api/{version}/graphql.json, the token in its header only."""
        route = shopify.post(URL).mock(return_value=answer())
        assert await admin.execute(SHOP, {"a": 1}) == SHOP_DATA
        request = route.calls.last.request
        assert request.headers["X-Shopify-Access-Token"] == TOKEN
        assert json.loads(request.content) == {"query": SHOP, "variables": {"a": 1}}

    async def test_a_configured_api_base_url_replaces_the_shop_url(
        self, http: httpx.AsyncClient, shopify: respx.MockRouter
    ) -> None:
        """api_base_url (a proxy, a test server) and api_version make the endpoint."""
        route = shopify.post("http://127.0.0.1:8765/shopify/admin/api/2026-07/graphql.json")
        route.mock(return_value=answer())
        admin = ShopifyAdmin(
            http,
            shop=SHOP_DOMAIN,
            access_token=TOKEN,
            api_version="2026-07",
            api_base_url="http://127.0.0.1:8765/shopify/",
        )
        assert await admin.execute(SHOP) == SHOP_DATA
        assert route.call_count == 1


class TestPacing:
    async def test_the_next_call_waits_for_the_bucket_to_hold_its_cost(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """752 requested (+1 point of headroom), 352 available, 100/s: wait 401 / 100 s."""
        shopify.post(URL).mock(return_value=answer(requested=752, available=352.0))
        await admin.execute(PRODUCT_VARIANTS)
        assert sleeps == []
        await admin.execute(PRODUCT_VARIANTS)
        assert sleeps == [4.01]
        assert admin.throttle_status == ThrottleStatus(2000.0, 352.0, 100.0)

    async def test_no_wait_when_the_bucket_holds_the_cost(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """A bucket holding more than the last requested cost sends at once."""
        shopify.post(URL).mock(return_value=answer(requested=752, available=1248.0))
        for _ in range(3):
            await admin.execute(PRODUCT_VARIANTS)
        assert sleeps == []

    async def test_time_already_passed_counts_as_restored(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps, clock: Clock
    ) -> None:
        """3 s after an answer, 300 points are back: only the last 101 are waited for."""
        shopify.post(URL).mock(return_value=answer(requested=752, available=352.0))
        await admin.execute(PRODUCT_VARIANTS)
        clock.now += 3
        await admin.execute(PRODUCT_VARIANTS)
        assert sleeps == pytest.approx([1.01])

    async def test_an_estimate_paces_the_first_call_of_a_document(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """Before Shopify reported a document's cost, the caller's estimate paces it."""
        shopify.post(URL).mock(return_value=answer(requested=3, available=52.0, restore=50.0))
        await admin.execute(SHOP)
        await admin.execute(PRODUCT_VARIANTS, estimated_cost=752)
        assert sleeps == [14.02]

    async def test_concurrent_calls_do_not_spend_the_same_points(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """Two calls against a bucket holding one: the second waits for its own points."""

        async def slow_answer(request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(0)  # the other call runs while this one is in flight
            return answer(requested=752, available=800.0)

        shopify.post(URL).mock(side_effect=slow_answer)
        await admin.execute(PRODUCT_VARIANTS)
        await asyncio.gather(admin.execute(PRODUCT_VARIANTS), admin.execute(PRODUCT_VARIANTS))
        assert sleeps == pytest.approx([(752 + 1 - 48) / 100])


class TestRetries:
    async def test_throttled_in_a_200_waits_the_computed_time_and_retries(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """THROTTLED (actualQueryCost null): wait (requested + 1 - available) / restoreRate."""
        route = shopify.post(URL).mock(
            side_effect=[throttled(requested=752, available=152.0), answer(requested=752)]
        )
        assert await admin.execute(PRODUCT_VARIANTS) == SHOP_DATA
        assert route.call_count == 2
        assert sleeps == [6.01]

    async def test_a_throttled_storm_ends_in_a_typed_error(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """Still THROTTLED after every allowed wait: ShopifyThrottled, after bounded calls."""
        route = shopify.post(URL).mock(return_value=throttled(requested=752, available=0.0))
        with pytest.raises(ShopifyThrottled) as raised:
            await admin.execute(PRODUCT_VARIANTS)
        assert route.call_count == 4  # the first call and 3 waits
        assert raised.value.attempts == 4
        assert sleeps == [7.53, 7.53, 7.53]

    async def test_429_waits_retry_after_then_retries(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """HTTP 429 with Retry-After: 2.0 waits exactly 2 s before the next attempt."""
        too_many = httpx.Response(429, headers={"Retry-After": "2.0"}, json={"errors": "x"})
        route = shopify.post(URL).mock(side_effect=[too_many, answer()])
        assert await admin.execute(SHOP) == SHOP_DATA
        assert route.call_count == 2
        assert sleeps == [2.0]

    async def test_429_without_retry_after_backs_off(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """A 429 that names no wait gets the first jittered backoff step (0.5 × 0.5 s)."""
        route = shopify.post(URL).mock(side_effect=[httpx.Response(429), answer()])
        assert await admin.execute(SHOP) == SHOP_DATA
        assert route.call_count == 2
        assert sleeps == [0.25]

    async def test_a_very_long_retry_after_is_reported_not_slept(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """Retry-After beyond the limit (60 s) raises ShopifyThrottled for the scheduler."""
        shopify.post(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
        with pytest.raises(ShopifyThrottled, match="Retry-After 3600s"):
            await admin.execute(SHOP)
        assert sleeps == []

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    async def test_5xx_is_retried_with_jittered_backoff(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps, status: int
    ) -> None:
        """Two 5xx then success: waits 0.5 × 0.5 s and 0.5 × 1 s (full jitter at 0.5)."""
        route = shopify.post(URL).mock(
            side_effect=[httpx.Response(status), httpx.Response(status), answer()]
        )
        assert await admin.execute(SHOP) == SHOP_DATA
        assert route.call_count == 3
        assert sleeps == [0.25, 0.5]

    async def test_5xx_forever_gives_up_after_the_attempt_limit(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter
    ) -> None:
        """Always 503: ShopifyUnavailable after max_attempts (3) calls, no more."""
        route = shopify.post(URL).mock(return_value=httpx.Response(503))
        with pytest.raises(ShopifyUnavailable, match="HTTP 503") as raised:
            await admin.execute(SHOP)
        assert route.call_count == 3
        assert raised.value.attempts == 3

    async def test_backoff_doubles_up_to_its_cap(
        self, http: httpx.AsyncClient, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """Each wait is at most base × 2ⁿ⁻¹, and never more than the cap."""
        shopify.post(URL).mock(return_value=httpx.Response(502))
        admin = ShopifyAdmin(
            http,
            shop=SHOP_DOMAIN,
            access_token=TOKEN,
            sleep=sleeps,
            random_fraction=lambda: 1.0,
            retry=RetryPolicy(max_attempts=7, backoff_base=0.5, backoff_cap=3.0),
        )
        with pytest.raises(ShopifyUnavailable):
            await admin.execute(SHOP)
        assert sleeps == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]

    async def test_a_network_error_is_retried(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, sleeps: Sleeps
    ) -> None:
        """A refused connection or a timeout is retried like a 5xx."""
        route = shopify.post(URL).mock(
            side_effect=[httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), answer()]
        )
        assert await admin.execute(SHOP) == SHOP_DATA
        assert route.call_count == 3
        assert len(sleeps) == 2

    async def test_an_idempotent_mutation_is_retried_after_a_5xx(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter
    ) -> None:
        """With @idempotent, a lost answer is safe to ask again: Shopify replays it."""
        route = shopify.post(URL).mock(side_effect=[httpx.Response(502), answer()])
        await admin.execute(INVENTORY_SET_QUANTITIES, {"idempotencyKey": "k"})
        assert route.call_count == 2

    async def test_a_mutation_without_idempotent_is_not_retried_after_a_5xx(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter
    ) -> None:
        """Without @idempotent a retry could apply twice: one attempt, then the error."""
        route = shopify.post(URL).mock(return_value=httpx.Response(502))
        with pytest.raises(ShopifyUnavailable):
            await admin.execute("mutation { tagsAdd(id: 1, tags: []) { node { id } } }")
        assert route.call_count == 1


class TestErrors:
    @pytest.mark.parametrize(("status", "advice"), [(401, "wrong or was revoked"), (403, "scope")])
    async def test_a_refused_token_is_an_auth_error_without_retry(
        self,
        admin: ShopifyAdmin,
        shopify: respx.MockRouter,
        sleeps: Sleeps,
        status: int,
        advice: str,
    ) -> None:
        """401 and 403 raise ShopifyAuthError at once: retrying cannot fix a token."""
        route = shopify.post(URL).mock(return_value=httpx.Response(status, json={"errors": "x"}))
        with pytest.raises(ShopifyAuthError, match=advice) as raised:
            await admin.execute(SHOP)
        assert raised.value.status == status
        assert route.call_count == 1
        assert sleeps == []

    async def test_access_denied_in_a_200_is_an_auth_error(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter
    ) -> None:
        """A field outside the token's scopes names the scope to grant."""
        denied = {
            "message": "Access denied for orders field. Required access: `read_orders` scope.",
            "extensions": {"code": "ACCESS_DENIED"},
            "path": ["orders"],
        }
        shopify.post(URL).mock(return_value=answer(errors=[denied]))
        with pytest.raises(ShopifyAuthError, match="read_orders"):
            await admin.execute(SHOP)

    async def test_graphql_errors_are_a_typed_error_with_codes(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter
    ) -> None:
        """`errors` in the answer raise ShopifyQueryError carrying each message and code."""
        errors = [
            {
                "message": "Field 'compareQuantity' doesn't exist on type 'InventoryQuantityInput'",
                "path": ["mutation", "inventorySetQuantities"],
                "extensions": {"code": "undefinedField"},
            },
            {"message": "An idempotency key is required", "extensions": {"code": "BAD_REQUEST"}},
        ]
        route = shopify.post(URL).mock(return_value=answer(errors=errors))
        with pytest.raises(ShopifyQueryError, match="compareQuantity") as raised:
            await admin.execute(INVENTORY_SET_QUANTITIES)
        assert raised.value.codes == ("undefinedField", "BAD_REQUEST")
        assert raised.value.problems[0].path == ("mutation", "inventorySetQuantities")
        assert route.call_count == 1

    @pytest.mark.parametrize(
        ("response", "detail"),
        [
            (httpx.Response(404, text="Not Found"), "no Admin API at this URL"),
            (httpx.Response(402), "frozen"),
            (httpx.Response(200, text="<html>proxy error</html>"), "not a JSON object"),
            (httpx.Response(200, json={"extensions": {}}), "neither data nor errors"),
        ],
    )
    async def test_an_unusable_answer_is_a_bad_response(
        self, admin: ShopifyAdmin, shopify: respx.MockRouter, response: httpx.Response, detail: str
    ) -> None:
        """Statuses and bodies that no retry can fix raise ShopifyBadResponse at once."""
        route = shopify.post(URL).mock(return_value=response)
        with pytest.raises(ShopifyBadResponse, match=detail):
            await admin.execute(SHOP)
        assert route.call_count == 1


LEAKS = {
    "401 body": httpx.Response(401, json={"errors": f"Invalid API key or access token {TOKEN}"}),
    "403 body": httpx.Response(403, json={"errors": f"token {TOKEN} lacks write_inventory"}),
    "503 body": httpx.Response(503, text=TOKEN),
    "500 header": httpx.Response(500, headers={"X-Echo": TOKEN}),
    "404 body": httpx.Response(404, text=TOKEN),
    "graphql error": httpx.Response(200, json={"errors": [{"message": f"bad header {TOKEN}"}]}),
    "error string": httpx.Response(200, json={"errors": f"bad header {TOKEN}"}),
    "network error": httpx.ConnectError(f"proxy refused X-Shopify-Access-Token: {TOKEN}"),
}


@pytest.mark.parametrize("failure", LEAKS.values(), ids=LEAKS.keys())
async def test_the_token_never_appears_in_an_error(
    admin: ShopifyAdmin, shopify: respx.MockRouter, failure: httpx.Response | Exception
) -> None:
    """Even when a server echoes the token, no error's message or data carries it."""
    shopify.post(URL).mock(side_effect=[failure] * 3)
    with pytest.raises(ShopifyError) as raised:
        await admin.execute(SHOP)
    error = raised.value
    shown = [str(error), repr(error), *map(repr, vars(error).values()), repr(error.__cause__)]
    assert not [text for text in shown if TOKEN in text]
    assert TOKEN not in repr(admin)
