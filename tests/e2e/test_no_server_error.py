"""No input answers 500: every limit of the store is refused at the edge with a 4xx that
names it, the same way on SQLite and PostgreSQL, and nothing is written.

The service runs in this process (uvicorn in a thread) with the fake storefront and the
Slack bot over HTTP; every request goes over a real socket.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.base import fitted_event_id, fitted_topic
from connectors.fake import EVENT_ID, SIGNATURE, TOPIC, FakeConnector, sign
from syncbot.bootstrap import create_app
from syncbot.channels_file import ChannelsFile
from syncbot.config import Settings
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, open_database
from syncbot.testing import serve_in_thread, wait_until

TOKEN = "edge-tests-dummy-api-token-00000"  # for tests only
WEBHOOK_SECRET = "edge-tests-dummy-webhook-secret"  # for tests only
SLACK_SECRET = "edge-tests-dummy-slack-signing-secret"  # for tests only
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SKU = "MUG-1"
BIG_REORDER_POINT = 99_999_999_999  # beyond PostgreSQL's int4, which SQLite would hold
DEEP = b"[" * 50_000 + b"]" * 50_000  # far past any JSON parser's nesting limit
LONG = "X" * 100_000
LONG_IN_URL = "X" * 5_000  # httpx refuses a URL over 64 KiB


async def _seed(database_url: str) -> None:
    await open_database(database_url)
    try:
        await add_sku(SKU, name="Mug", reorder_point=BIG_REORDER_POINT)
    finally:
        await close_database()


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[httpx.Client]:
    """The service on `database_url`, with SKU MUG-1 (reorder point 99,999,999,999)."""
    asyncio.run(_seed(database_url))
    settings = Settings(
        database_url=database_url,
        config=tmp_path / "absent.toml",
        api_token=TOKEN,
        slack_bot_token="xoxb-dummy-token-for-tests",
        slack_signing_secret=SLACK_SECRET,
        slack_api_url="http://127.0.0.1:9",  # nothing listens: no request may reach Slack
        sync_sweep_seconds=3600,
    )
    channels = ChannelsFile(locations=["main", "east"])
    app = create_app(settings, channels, {"fake": FakeConnector("fake", WEBHOOK_SECRET)})
    with (
        serve_in_thread(app, "syncbot") as url,
        httpx.Client(base_url=url, timeout=30, headers=AUTH) as http,
    ):
        yield http


def refused(response: httpx.Response, *statuses: int) -> str:
    """The error message, after checking the status, the JSON shape and its length."""
    assert response.status_code in statuses, response.text
    message: str = response.json()["error"]
    assert len(message) < 400, message  # a long input is quoted, never echoed whole
    return message


def nothing_written(client: httpx.Client) -> None:
    movements = client.get("/api/movements", params={"sku": SKU})
    assert movements.status_code == 200, movements.text
    assert movements.json() == []


def webhook(client: httpx.Client, body: bytes, event_id: str, topic: str) -> httpx.Response:
    headers = {SIGNATURE: sign(body, WEBHOOK_SECRET), EVENT_ID: event_id, TOPIC: topic}
    return client.post("/webhooks/fake", content=body, headers=headers)


def slack_signed(body: bytes, stamp: str | None = None) -> dict[str, str]:
    stamp = stamp or str(int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(SLACK_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def inbox_entry(client: httpx.Client, event_id: str) -> dict[str, Any]:
    """Waits until the delivery is closed unapplied; its `GET /api/inbox` entry."""

    def closed() -> dict[str, Any] | None:
        answer = client.get("/api/inbox", headers=AUTH)
        assert answer.status_code == 200, answer.text
        found = [e for e in answer.json() if e["event_id"] == event_id]
        return found[0] if found and found[0]["status"] != "pending" else None

    return wait_until(closed, 15, f"delivery {event_id} closed")


class TestDeeplyNestedJson:
    def test_a_signed_webhook_nested_too_deeply_is_kept_and_closed_with_its_reason(
        self, client: httpx.Client
    ) -> None:
        """The signature holds, so it is accepted (a refusal makes the storefront drop the
        hook), then closed for good by its reader with the reason: never a 500."""
        answer = webhook(client, DEEP, "evt-deep", "order")
        assert answer.status_code == 200, answer.text
        entry = inbox_entry(client, "evt-deep")
        assert entry["status"] == "failed"
        assert "nested too deeply" in entry["error"]
        nothing_written(client)

    def test_a_movement_nested_too_deeply_is_422(self, client: httpx.Client) -> None:
        body = b'{"sku": ' + DEEP + b', "kind": "receive", "quantity": 1}'
        refused(client.post("/api/movements", content=body, headers=AUTH), 400, 422)
        nothing_written(client)

    def test_a_signed_slack_body_nested_too_deeply_is_400(self, client: httpx.Client) -> None:
        headers = {"Content-Type": "application/json", **slack_signed(DEEP)}
        refused(client.post("/slack/events", content=DEEP, headers=headers), 400)


class TestWebhookIdentity:
    @pytest.mark.parametrize(
        ("event_id", "topic"),
        [("e" * 256, "order"), ("evt-1", "t" * 129)],
    )
    def test_an_identity_the_inbox_cannot_hold_is_fitted_not_refused(
        self, client: httpx.Client, event_id: str, topic: str
    ) -> None:
        """A signed delivery is stored whatever its headers: an over-long or NUL event id
        is digested, a topic cut; a retry of it is still a duplicate."""
        first = webhook(client, b'{"order_id": "1"}', event_id, topic)
        assert first.status_code == 200, first.text
        assert first.json()["status"] in {"accepted", "ignored"}
        if first.json()["status"] == "accepted":
            again = webhook(client, b'{"order_id": "1"}', event_id, topic)
            assert again.json()["status"] == "duplicate", again.text

    def test_a_nul_in_an_identity_is_fitted_too(self) -> None:
        """HTTP clients cannot send a NUL in a header, but nothing stops a connector from
        reading one out of a body: PostgreSQL cannot store it, so it is fitted too."""
        assert "\x00" not in fitted_event_id("evt-\x00-1")
        assert fitted_event_id("evt-\x00-1") == fitted_event_id("evt-\x00-1")
        assert fitted_topic("orders/\x00create") == "orders/\ufffdcreate"

    def test_a_valid_delivery_is_still_accepted_after_odd_ones(self, client: httpx.Client) -> None:
        webhook(client, b"{}", "e" * 256, "order")
        answer = webhook(client, b'{"order_id": "1"}', "evt-ok", "ping")
        assert answer.status_code == 200, answer.text


class TestLimitsOfTheStore:
    def test_a_movement_id_beyond_bigint_is_422(self, client: httpx.Client) -> None:
        response = client.post("/api/movements/9223372036854775808/reverse", headers=AUTH)
        assert "9223372036854775807" in refused(response, 422)

    def test_a_sku_over_128_characters_names_the_limit_and_quotes_80(
        self, client: httpx.Client
    ) -> None:
        """Path, query and body alike; at most 80 characters of the input come back."""
        answers = [
            client.get(f"/api/stock/{'S' * 129}"),
            client.get(f"/api/stock/{LONG_IN_URL}"),
            client.get("/api/movements", params={"sku": LONG_IN_URL}),
            client.get("/api/channels/fake/pushes", params={"sku": LONG_IN_URL}),
            client.post(
                "/api/movements", json={"sku": LONG, "kind": "receive", "quantity": 1}, headers=AUTH
            ),
        ]
        for answer in answers:
            message = refused(answer, 422)
            assert "limit of 128" in message
            assert "X" * 81 not in message
        nothing_written(client)

    @pytest.mark.parametrize(
        "field", ["sku", "location", "reason", "idempotency_key", "document", "to_location"]
    )
    def test_a_nul_in_any_body_field_is_422_and_writes_nothing(
        self, client: httpx.Client, field: str
    ) -> None:
        body: dict[str, Any] = {"sku": SKU, "kind": "transfer", "quantity": 1}
        body.update({"to_location": "east", "force": True})
        body[field] = "a\x00b"
        message = refused(client.post("/api/movements", json=body, headers=AUTH), 422)
        assert f"{field} contains a NUL" in message
        nothing_written(client)

    def test_a_nul_in_any_path_or_query_parameter_is_422(self, client: httpx.Client) -> None:
        answers = [
            client.get("/api/stock/MUG%00"),
            client.get("/api/movements", params={"sku": "MUG\x00"}),
            client.get("/api/channels/fa%00ke/listings"),
            client.get("/api/channels/fake/pushes", params={"sku": "MUG\x00"}),
            client.get("/api/drift", params={"channel": "fa\x00ke"}),
            client.post("/webhooks/fa%00ke", content=b"{}"),
        ]
        for answer in answers:
            assert "NUL" in refused(answer, 422)

    def test_a_reorder_point_beyond_int32_is_held_on_every_backend(
        self, client: httpx.Client
    ) -> None:
        """BIGINT on PostgreSQL too: what SQLite accepts, PostgreSQL accepts."""
        stock = client.get(f"/api/stock/{SKU}")
        assert stock.status_code == 200, stock.text
        assert stock.json()["reorder_point"] == BIG_REORDER_POINT


class TestOrderKinds:
    @pytest.mark.parametrize(
        "kind",
        ["order_commit", "order_cancel", "order_fulfil", "return_restock", "return_damaged"],
    )
    def test_an_order_kind_is_refused_and_writes_nothing(
        self, client: httpx.Client, kind: str
    ) -> None:
        """Order movements come from storefront intake, tied to their order."""
        body = {"sku": SKU, "kind": kind, "quantity": 1}
        message = refused(client.post("/api/movements", json=body, headers=AUTH), 422)
        assert f"kind {kind} comes only from storefront order intake" in message
        nothing_written(client)


class TestSlackEdge:
    def test_a_timestamp_that_is_not_a_number_is_401(self, client: httpx.Client) -> None:
        headers = {**FORM, "X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}
        assert "Timestamp" in refused(
            client.post("/slack/events", content=b"a=b", headers=headers), 401
        )

    def test_a_signature_for_a_non_number_timestamp_is_still_401(
        self, client: httpx.Client
    ) -> None:
        body = b"command=%2Fstock&text=MUG-1"
        headers = {**FORM, **slack_signed(body, stamp="abc")}
        refused(client.post("/slack/events", content=body, headers=headers), 401)

    def test_an_unsigned_payload_that_is_not_json_is_401(self, client: httpx.Client) -> None:
        """The signature is checked before anything is parsed."""
        body = b"payload=%7Bnot json"
        refused(client.post("/slack/events", content=body, headers=FORM), 401)

    def test_a_signed_payload_that_is_not_json_is_400(self, client: httpx.Client) -> None:
        body = b"payload=%7Bnot json"
        headers = {**FORM, **slack_signed(body)}
        refused(client.post("/slack/events", content=body, headers=headers), 400)

    def test_a_stale_signed_request_is_401(self, client: httpx.Client) -> None:
        body = b"command=%2Fstock&text=MUG-1"
        headers = {**FORM, **slack_signed(body, stamp=str(int(time.time()) - 600))}
        assert "five minutes" in refused(
            client.post("/slack/events", content=body, headers=headers), 401
        )
