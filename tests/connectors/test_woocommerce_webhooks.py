"""WooCommerce webhooks at the door: signature, the unsigned ping, and delivery ids."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.base import IgnoredDelivery, InvalidSignature, MalformedDelivery
from connectors.woocommerce.api import WooCommerceApi
from connectors.woocommerce.connector import SIGNATURE, WooCommerceConnector, sign
from connectors.woocommerce.testing import Webhook, WooCommerceStore


@pytest.fixture
def store() -> WooCommerceStore:
    return WooCommerceStore()


@pytest.fixture
async def connector(store: WooCommerceStore) -> AsyncIterator[WooCommerceConnector]:
    async with httpx.AsyncClient() as http:
        api = WooCommerceApi(
            http,
            url=store.url,
            consumer_key=store.consumer_key,
            consumer_secret=store.consumer_secret,
        )
        yield WooCommerceConnector("woo", api, webhook_secret=store.webhook_secret, location="main")


def an_order_update(store: WooCommerceStore) -> Webhook:
    order = store.place_order({"MUG": 1})
    return store.webhook("order.updated", order)


class TestSignature:
    def test_a_signed_delivery_is_accepted_with_its_topic(
        self, store: WooCommerceStore, connector: WooCommerceConnector
    ) -> None:
        """The signature is base64 HMAC-SHA256 of the raw bytes, escaped slashes and all."""
        webhook = an_order_update(store)
        assert b"\\/" in webhook.body  # wp_json_encode escapes slashes

        delivery = connector.verify(webhook.body, webhook.headers)

        assert delivery.topic == "order.updated"
        assert delivery.headers["X-WC-Webhook-Resource"] == "order"
        assert SIGNATURE not in delivery.headers

    def test_header_names_are_matched_whatever_their_case(
        self, store: WooCommerceStore, connector: WooCommerceConnector
    ) -> None:
        """Proxies lower-case header names; HTTP says case does not matter."""
        webhook = an_order_update(store)
        lowered = {name.lower(): value for name, value in webhook.headers.items()}
        assert connector.verify(webhook.body, lowered).topic == "order.updated"

    @pytest.mark.parametrize("signature", [None, "", "bm90IHRoZSBzaWduYXR1cmU="])
    def test_a_missing_or_wrong_signature_is_refused(
        self, store: WooCommerceStore, connector: WooCommerceConnector, signature: str | None
    ) -> None:
        """No signature, an empty one or another body's: InvalidSignature (answer 401)."""
        webhook = an_order_update(store)
        headers = {k: v for k, v in webhook.headers.items() if k != SIGNATURE}
        if signature is not None:
            headers[SIGNATURE] = signature
        with pytest.raises(InvalidSignature):
            connector.verify(webhook.body, headers)

    def test_a_body_signed_with_another_secret_is_refused(
        self, store: WooCommerceStore, connector: WooCommerceConnector
    ) -> None:
        """A delivery from another store (or an old secret) does not verify."""
        webhook = an_order_update(store)
        headers = {**webhook.headers, SIGNATURE: sign(webhook.body, "another-dummy-secret")}
        with pytest.raises(InvalidSignature):
            connector.verify(webhook.body, headers)


class TestPing:
    def test_the_unsigned_ping_is_ignored_not_refused(
        self, store: WooCommerceStore, connector: WooCommerceConnector
    ) -> None:
        """WooCommerce saves a webhook only if its ping gets a 200: IgnoredDelivery."""
        ping = store.ping(webhook_id=42)
        with pytest.raises(IgnoredDelivery, match="ping"):
            connector.verify(ping.body, ping.headers)

    @pytest.mark.parametrize(
        "body", [b"webhook_id=42&x=1", b"webhook_id=", b"webhook_id=4a", b'{"webhook_id":42}']
    )
    def test_only_the_exact_ping_shape_is_ignored(
        self, connector: WooCommerceConnector, body: bytes
    ) -> None:
        """Any other unsigned body is refused: the ping is not a way around the signature."""
        with pytest.raises(InvalidSignature):
            connector.verify(body, {"Content-Type": "application/x-www-form-urlencoded"})

    def test_a_signed_ping_shape_with_a_wrong_signature_is_refused(
        self, connector: WooCommerceConnector
    ) -> None:
        """The ping is unsigned; a bad signature on that body is still a bad signature."""
        with pytest.raises(InvalidSignature):
            connector.verify(b"webhook_id=42", {SIGNATURE: "bm90IHRoZSBzaWduYXR1cmU="})


class TestDeliveryIds:
    def test_every_attempt_of_one_save_has_one_event_id(
        self, store: WooCommerceStore, connector: WooCommerceConnector
    ) -> None:
        """X-WC-Webhook-Delivery-ID changes per attempt; the event id is id + date_modified_gmt."""
        order = store.place_order({"MUG": 1})
        first, retry = store.webhook("order.updated", order), store.webhook("order.updated", order)
        assert (
            first.headers["X-WC-Webhook-Delivery-ID"] != retry.headers["X-WC-Webhook-Delivery-ID"]
        )

        ids = {connector.verify(w.body, w.headers).event_id for w in (first, retry)}

        modified = store.orders[order]["date_modified_gmt"]
        assert ids == {f"order-{order}@{modified}"}

    def test_a_new_save_is_a_new_event(
        self, store: WooCommerceStore, connector: WooCommerceConnector
    ) -> None:
        """The same order saved again (completed) is another event."""
        order = store.place_order({"MUG": 1})
        before = store.webhook("order.updated", order)
        store.set_status(order, "completed")
        after = store.webhook("order.updated", order)

        assert (
            connector.verify(before.body, before.headers).event_id
            != connector.verify(after.body, after.headers).event_id
        )

    def test_a_deletion_is_keyed_by_its_delivery(
        self, store: WooCommerceStore, connector: WooCommerceConnector
    ) -> None:
        """order.deleted carries only the id: each delivery is kept, a repeat is harmless."""
        order = store.place_order({"MUG": 1})
        store.trash(order)
        webhook = store.webhook("order.deleted", order)

        delivery = connector.verify(webhook.body, webhook.headers)

        assert webhook.body == f'{{"id":{order}}}'.encode()
        delivery_id = webhook.headers["X-WC-Webhook-Delivery-ID"]
        assert delivery.event_id == f"order-{order}@deleted/{delivery_id}"

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (b'{"status":"processing"}', "'id' is missing"),
            (b'{"id":"abc","date_modified_gmt":"2026-11-20T10:00:00"}', "id: expected an id"),
            (b"[1, 2]", "must be a JSON object"),
            (b"<html>", "not JSON"),
            (b"[" * 100_000, "nested too deeply"),
        ],
    )
    async def test_a_signed_body_that_cannot_be_read_is_kept_and_closed_by_parse(
        self, connector: WooCommerceConnector, body: bytes, message: str
    ) -> None:
        """Signed but unreadable: stored under a digest (a refusal would make WooCommerce
        disable the webhook), and parse closes it naming what is wrong."""
        headers = {
            SIGNATURE: sign(body, "dummy-webhook-secret"),
            "X-WC-Webhook-Topic": "order.updated",
        }
        delivery = connector.verify(body, headers)
        assert delivery.event_id.startswith("sha256:")
        with pytest.raises(MalformedDelivery, match=message):
            await connector.parse(delivery, body)

    async def test_a_delivery_without_a_topic_header_takes_resource_and_event(
        self, store: WooCommerceStore, connector: WooCommerceConnector
    ) -> None:
        """Without X-WC-Webhook-Topic, X-WC-Webhook-Resource and -Event name it; without
        those either it is stored and closed with the reason."""
        webhook = an_order_update(store)
        headers = {k: v for k, v in webhook.headers.items() if k != "X-WC-Webhook-Topic"}
        headers |= {"X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": "updated"}
        assert connector.verify(webhook.body, headers).topic == "order.updated"
        bare = {k: v for k, v in headers.items() if not k.startswith("X-WC-Webhook-Resource")}
        delivery = connector.verify(webhook.body, bare)
        with pytest.raises(MalformedDelivery, match="X-WC-Webhook-Topic"):
            await connector.parse(delivery, webhook.body)


def test_a_non_ascii_signature_is_refused_not_a_crash(connector: WooCommerceConnector) -> None:
    """compare_digest refuses non-ASCII str; the header is compared as bytes instead."""
    with pytest.raises(InvalidSignature):
        connector.verify(b"{}", {SIGNATURE: "é" * 44, "X-WC-Webhook-Topic": "order.updated"})
