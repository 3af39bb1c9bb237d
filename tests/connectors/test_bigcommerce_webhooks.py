"""BigCommerce deliveries are verified the Standard Webhooks way before anything is read."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.base import IgnoredDelivery, InvalidSignature, MalformedDelivery
from connectors.bigcommerce.api import BigCommerceAPI
from connectors.bigcommerce.connector import BigCommerceConnector, sign
from connectors.bigcommerce.testing import BigCommerceStore

NOW = 1_793_534_400.0


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def store() -> BigCommerceStore:
    return BigCommerceStore(clock=lambda: NOW)


def connector(
    http: httpx.AsyncClient,
    store: BigCommerceStore,
    *,
    now: float = NOW,
    header: tuple[str, str] | None = None,
) -> BigCommerceConnector:
    api = BigCommerceAPI(http, store_hash=store.store_hash, access_token=store.access_token)
    return BigCommerceConnector(
        "bc", api, client_secret=store.client_secret, webhook_header=header, clock=lambda: now
    )


class TestSignature:
    def test_the_signature_matches_the_standard_webhooks_test_vector(self) -> None:
        """The Standard Webhooks libraries' own known answer (secret given as raw bytes)."""
        key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        signed = sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", b'{"test": 2432232314}')
        assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    def test_the_client_secret_is_the_key_as_bigcommerces_sample_uses_it(self) -> None:
        """The docs base64-encode the client secret for a library that decodes it again."""
        secret = "dummy-client-secret"
        library_key = base64.b64decode(base64.b64encode(secret.encode()))
        body = b'{"scope":"store/order/created"}'
        digest = hmac.new(library_key, b"msg_1.1700000000." + body, hashlib.sha256).digest()
        assert (
            sign(secret, "msg_1", "1700000000", body) == "v1," + base64.b64encode(digest).decode()
        )


class TestVerify:
    def test_a_signed_delivery_verifies_and_dedupes_on_scope_id_and_hash(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        delivery = connector(http, store).verify(body, headers)
        payload = json.loads(body)
        assert delivery.topic == "store/order/created"
        assert delivery.event_id == f"store/order/created:250:{payload['hash']}"
        assert set(delivery.headers) == {"webhook-id", "webhook-timestamp"}

    def test_the_same_delivery_again_has_the_same_event_id(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/updated", 250)
        bc = connector(http, store)
        assert bc.verify(body, headers).event_id == bc.verify(body, dict(headers)).event_id

    def test_one_hash_under_two_scopes_is_two_events(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        """BigCommerce's own examples give created and updated the same hash."""
        bc = connector(http, store)
        created = store.delivery("store/order/created", 250)
        updated = store.delivery("store/order/updated", 250)
        payload = json.loads(updated[0]) | {"hash": json.loads(created[0])["hash"]}
        body = json.dumps(payload).encode()
        headers = dict(updated[1])
        headers["webhook-signature"] = sign(
            store.client_secret, headers["webhook-id"], headers["webhook-timestamp"], body
        )
        assert bc.verify(*created).event_id != bc.verify(body, headers).event_id

    def test_header_names_are_case_insensitive(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        shouting = {name.upper(): value for name, value in headers.items()}
        assert connector(http, store).verify(body, shouting).event_id

    def test_any_listed_signature_may_match_during_a_secret_rotation(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        headers["webhook-signature"] = "v1,b2xkIHNlY3JldA== " + headers["webhook-signature"]
        assert connector(http, store).verify(body, headers).event_id

    @pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
    def test_a_missing_standard_header_is_refused(
        self, http: httpx.AsyncClient, store: BigCommerceStore, missing: str
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        del headers[missing]
        with pytest.raises(InvalidSignature, match="are required"):
            connector(http, store).verify(body, headers)

    def test_another_secret_is_refused(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        headers["webhook-signature"] = sign(
            "another-secret", headers["webhook-id"], headers["webhook-timestamp"], body
        )
        with pytest.raises(InvalidSignature, match="does not match"):
            connector(http, store).verify(body, headers)

    def test_a_changed_message_id_breaks_the_signature(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        headers["webhook-id"] = "msg_replayed"
        with pytest.raises(InvalidSignature):
            connector(http, store).verify(body, headers)

    @pytest.mark.parametrize("skew", [-301, 301])
    def test_a_timestamp_more_than_five_minutes_away_is_refused(
        self, http: httpx.AsyncClient, store: BigCommerceStore, skew: int
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        with pytest.raises(InvalidSignature, match="within 5 minutes"):
            connector(http, store, now=NOW + skew).verify(body, headers)

    def test_a_timestamp_within_five_minutes_is_accepted(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        assert connector(http, store, now=NOW + 300).verify(body, headers).event_id

    def test_a_delivery_for_another_store_is_ignored(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        """An app's client secret signs every store that installed it: another store's
        delivery is answered 200 and kept out of this channel."""
        other = BigCommerceStore(store_hash="otherstore", clock=lambda: NOW)
        body, headers = other.delivery("store/order/created", 250)
        with pytest.raises(IgnoredDelivery, match="stores/otherstore"):
            connector(http, store).verify(body, headers)

    @pytest.mark.parametrize(
        ("body", "topic", "message"),
        [
            (b'{"scope": "store/order/created"}', "store/order/created", "'data' is missing"),
            (b'{"scope": "store/order/created", "data": {}}', "store/order/created", "'id'"),
            (b'{"data": {"id": 250}}', "", "no scope"),
            (b"[" * 100_000, "", "no scope"),
        ],
    )
    async def test_a_signed_body_that_is_not_a_callback_is_kept_and_closed_by_parse(
        self,
        http: httpx.AsyncClient,
        store: BigCommerceStore,
        body: bytes,
        topic: str,
        message: str,
    ) -> None:
        """Signed but not a callback: stored under its webhook-id (a refusal makes
        BigCommerce deactivate the hook), and parse closes it with the reason."""
        headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(NOW))}
        headers["webhook-signature"] = sign(store.client_secret, "msg_1", str(int(NOW)), body)
        delivery = connector(http, store).verify(body, headers)
        assert (delivery.event_id, delivery.topic) == ("webhook-id:msg_1", topic)
        with pytest.raises(MalformedDelivery, match=message):
            await connector(http, store).parse(delivery, body)

    async def test_a_callback_with_a_scope_but_no_order_id_is_closed_naming_it(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body = b'{"scope": "store/order/created", "data": {"type": "order"}, "hash": "h"}'
        headers = {"webhook-id": "msg_2", "webhook-timestamp": str(int(NOW))}
        headers["webhook-signature"] = sign(store.client_secret, "msg_2", str(int(NOW)), body)
        delivery = connector(http, store).verify(body, headers)
        with pytest.raises(MalformedDelivery, match=r"data: 'id' is missing"):
            await connector(http, store).parse(delivery, body)


@pytest.mark.parametrize("timestamp", ["²", "9" * 5000, "-1", "1e9"])
def test_an_unreadable_timestamp_is_a_bad_signature_not_a_crash(
    http: httpx.AsyncClient, store: BigCommerceStore, timestamp: str
) -> None:
    """Digits that int() cannot read, or a 5,000-digit number, are refused with 401."""
    body, headers = store.delivery("store/order/created", 250)
    headers["webhook-timestamp"] = timestamp
    with pytest.raises(InvalidSignature, match="webhook-timestamp"):
        connector(http, store).verify(body, headers)


class TestSharedHeader:
    HEADER = ("X-Syncbot-Webhook", "dummy-shared-value")

    def test_the_configured_header_must_be_present(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        with pytest.raises(InvalidSignature, match="X-Syncbot-Webhook is missing"):
            connector(http, store, header=self.HEADER).verify(body, headers)

    def test_the_configured_header_must_hold_the_shared_value(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        headers["x-syncbot-webhook"] = "guessed"
        with pytest.raises(InvalidSignature):
            connector(http, store, header=self.HEADER).verify(body, headers)

    def test_signature_and_header_together_verify(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        store.webhook_header = self.HEADER
        body, headers = store.delivery("store/order/created", 250)
        assert connector(http, store, header=self.HEADER).verify(body, headers).event_id

    def test_an_unsigned_delivery_verifies_by_the_shared_header_alone(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        """Hooks whose deliveries come unsigned are verified by the header set on them."""
        store.webhook_header = self.HEADER
        body, headers = store.delivery("store/order/created", 250)
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            del headers[name]
        assert connector(http, store, header=self.HEADER).verify(body, headers).event_id
        headers["X-Syncbot-Webhook"] = "guessed"
        with pytest.raises(InvalidSignature):
            connector(http, store, header=self.HEADER).verify(body, headers)

    def test_an_unsigned_delivery_without_a_shared_header_is_refused(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            del headers[name]
        with pytest.raises(InvalidSignature, match="are required"):
            connector(http, store).verify(body, headers)

    def test_a_partly_signed_delivery_is_refused_even_with_the_header(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        store.webhook_header = self.HEADER
        body, headers = store.delivery("store/order/created", 250)
        del headers["webhook-signature"]
        with pytest.raises(InvalidSignature, match="are required"):
            connector(http, store, header=self.HEADER).verify(body, headers)

    def test_the_message_never_contains_the_shared_value(
        self, http: httpx.AsyncClient, store: BigCommerceStore
    ) -> None:
        body, headers = store.delivery("store/order/created", 250)
        headers["X-Syncbot-Webhook"] = "guessed"
        with pytest.raises(InvalidSignature) as refused:
            connector(http, store, header=self.HEADER).verify(body, headers)
        assert self.HEADER[1] not in str(refused.value)
