"""Shopify webhook deliveries: signed over the raw body as Shopify signs them; headers parsed."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from shopify_app.verify import verify_webhook_req

from connectors.shopify.webhooks import (
    ShopifyDelivery,
    WebhookSecretMissing,
    delivery_headers,
    sign,
    verify,
)
from syncbot.ledger.limits import MAX_EVENT_ID_LENGTH

SECRET = "hush"
BODY = b'{"id":820982911946154508,"email":"jon@example.com"}'
# `printf '%s' "$BODY" | openssl dgst -sha256 -hmac hush -binary | base64`
OPENSSL_SIGNATURE = "D0UMXmhjwBRi4y66TmhJrDlhQABD7zI2fm3p6/QLMo8="

HEADERS = {
    "X-Shopify-Topic": "orders/create",
    "X-Shopify-Hmac-Sha256": OPENSSL_SIGNATURE,
    "X-Shopify-Shop-Domain": "syncbot-test.myshopify.com",
    "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
    "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    "X-Shopify-Triggered-At": "2026-11-01T12:00:27.877041743Z",
    "X-Shopify-API-Version": "2026-10",
}


class TestSignature:
    def test_the_signature_is_base64_hmac_sha256_of_the_raw_body(self) -> None:
        """sign() gives what openssl computes for the same body and secret."""
        assert sign(BODY, SECRET) == OPENSSL_SIGNATURE

    def test_shopifys_own_verifier_accepts_our_signature(self) -> None:
        """shopify_app, Shopify's official package, accepts a body signed by sign()."""
        request = {
            "method": "POST",
            "url": "https://syncbot.example/webhooks/main",
            "headers": {**HEADERS, "X-Shopify-Hmac-Sha256": sign(BODY, SECRET)},
            "body": BODY.decode(),
        }
        config = {"client_id": "id", "client_secret": SECRET, "old_client_secret": None}
        assert verify_webhook_req(request, config).ok  # type: ignore[arg-type]

    def test_a_good_signature_verifies(self) -> None:
        """The exact body with Shopify's header verifies."""
        assert verify(BODY, OPENSSL_SIGNATURE, SECRET)

    def test_a_changed_body_does_not_verify(self) -> None:
        """One byte changed in the body fails verification."""
        assert not verify(BODY.replace(b"jon", b"jan"), OPENSSL_SIGNATURE, SECRET)

    def test_another_secret_does_not_verify(self) -> None:
        """A body signed with another app's secret fails verification."""
        assert not verify(BODY, sign(BODY, "another secret"), SECRET)

    @pytest.mark.parametrize("header", [None, "", "   "])
    def test_a_missing_signature_does_not_verify(self, header: str | None) -> None:
        """No X-Shopify-Hmac-Sha256 header, or an empty one, fails verification."""
        assert not verify(BODY, header, SECRET)

    @pytest.mark.parametrize("header", ["not base64 at all", "é" * 44, OPENSSL_SIGNATURE[:-4]])
    def test_a_forged_header_fails_without_raising(self, header: str) -> None:
        """Garbage, non-ASCII or truncated headers are refused, not crashed on."""
        assert not verify(BODY, header, SECRET)

    def test_the_raw_bytes_are_signed_even_when_they_are_not_utf8(self) -> None:
        """The HMAC covers the bytes as received; no decoding can change them."""
        body = b'{"note":"caf\xe9"}'  # Latin-1, invalid UTF-8
        assert verify(body, sign(body, SECRET), SECRET)

    def test_an_empty_secret_is_a_configuration_error(self) -> None:
        """With no secret anyone could sign: verification refuses to run."""
        with pytest.raises(WebhookSecretMissing, match="webhook_secret_env"):
            verify(BODY, sign(BODY, ""), "")


class TestDeliveryHeaders:
    def test_every_delivery_header_is_read(self) -> None:
        """Topic, ids, shop, API version and the trigger time come from the headers."""
        assert delivery_headers(HEADERS) == ShopifyDelivery(
            topic="orders/create",
            event_id="98880550-7158-44d4-b7cd-2c97c8a091b5",
            shop_domain="syncbot-test.myshopify.com",
            webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            triggered_at=datetime(2026, 11, 1, 12, 0, 27, 877041, tzinfo=UTC),
            api_version="2026-10",
        )

    def test_header_names_are_case_insensitive(self) -> None:
        """Servers lower-case header names; a plain dict of them reads the same."""
        lowered = {name.lower(): value for name, value in HEADERS.items()}
        assert delivery_headers(lowered) == delivery_headers(HEADERS)
        assert delivery_headers(httpx.Headers(HEADERS)) == delivery_headers(HEADERS)

    def test_headers_without_the_x_prefix_are_read(self) -> None:
        """Shopify's newer deliveries name headers shopify-*; they read the same."""
        unprefixed = {name.removeprefix("X-"): value for name, value in HEADERS.items()}
        assert delivery_headers(unprefixed) == delivery_headers(HEADERS)

    def test_every_header_may_be_absent(self) -> None:
        """No header is required: what is absent reads as None, never as a refusal."""
        assert delivery_headers({"X-Shopify-Topic": "refunds/create"}) == ShopifyDelivery(
            topic="refunds/create"
        )
        assert delivery_headers({}) == ShopifyDelivery()

    def test_a_blank_header_counts_as_absent(self) -> None:
        """A blank event id is no event id."""
        assert delivery_headers({**HEADERS, "X-Shopify-Event-Id": "  "}).event_id is None

    def test_an_unreadable_trigger_time_reads_as_absent(self) -> None:
        """A trigger time that is not ISO 8601 only loses its use for ordering snapshots."""
        assert (
            delivery_headers({**HEADERS, "X-Shopify-Triggered-At": "yesterday"}).triggered_at
            is None
        )

    def test_the_trigger_time_is_in_utc(self) -> None:
        """An offset time and a time without zone both come back as UTC."""
        offset = delivery_headers(
            {**HEADERS, "X-Shopify-Triggered-At": "2026-11-01T14:00:00+02:00"}
        )
        naive = delivery_headers({**HEADERS, "X-Shopify-Triggered-At": "2026-11-01T12:00:00"})
        assert offset.triggered_at == naive.triggered_at == datetime(2026, 11, 1, 12, tzinfo=UTC)


class TestDeliveryKey:
    def test_the_event_id_comes_first(self) -> None:
        """X-Shopify-Event-Id is shared by every delivery of one merchant action."""
        assert delivery_headers(HEADERS).delivery_key(BODY) == HEADERS["X-Shopify-Event-Id"]

    def test_without_an_event_id_the_webhook_id_is_the_key(self) -> None:
        """Deliveries of API 2023-01 and 2024-10 carry X-Shopify-Webhook-Id, no event id."""
        headers = {k: v for k, v in HEADERS.items() if k != "X-Shopify-Event-Id"}
        key = delivery_headers(headers).delivery_key(BODY)
        assert key == f"webhook:{HEADERS['X-Shopify-Webhook-Id']}"

    def test_without_either_a_digest_of_topic_and_body_is_the_key(self) -> None:
        """A retry resends the same bytes, so it gets the same key; another body another."""
        headers = {"X-Shopify-Topic": "orders/create"}
        key = delivery_headers(headers).delivery_key(BODY)
        assert key.startswith("sha256:")
        assert key == delivery_headers(headers).delivery_key(BODY)
        assert key != delivery_headers(headers).delivery_key(BODY + b" ")
        assert key != delivery_headers({"X-Shopify-Topic": "orders/paid"}).delivery_key(BODY)

    def test_an_over_long_event_id_becomes_a_digest_the_inbox_can_hold(self) -> None:
        """A 256-character event id would not fit the inbox column: its digest does."""
        long = "e" * (MAX_EVENT_ID_LENGTH + 1)
        key = delivery_headers({**HEADERS, "X-Shopify-Event-Id": long}).delivery_key(BODY)
        assert len(key) <= MAX_EVENT_ID_LENGTH
        assert key == delivery_headers({"Shopify-Event-Id": long}).delivery_key(b"other")
