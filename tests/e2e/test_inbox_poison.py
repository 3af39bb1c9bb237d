"""Poison deliveries over HTTP into a running `syncbot serve`: none stops the valid order
after them. Each is kept with a readable error (final, or waiting for its next try) or
its unholdable line is parked with the reason, and `inbox list` and `GET /api/inbox`
show what was not applied. Everything is read back over the HTTP API and the CLI.
"""

from __future__ import annotations

from typing import Any

import httpx

from syncbot.testing import wait_until as polled

from .conftest import SKU, TOKEN, Service, anonymous
from .test_shopify_webhooks import T1, accepted, deliver, order, shop  # noqa: F401 (fixture)

AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECONDS = 30


def one_line_order(order_id: int, sku: object, quantity: int = 1, **changes: Any) -> dict[str, Any]:
    """A signed orders/create body of one line, shaped as Shopify sends it."""
    body = order(T1)
    line = {**body["line_items"][0], "id": order_id * 10 + 1, "sku": sku}
    line |= {"quantity": quantity, "current_quantity": quantity, "fulfillable_quantity": quantity}
    return body | {"id": order_id, "name": f"#{order_id}", "line_items": [line]} | changes


def inbox_entries(service: Service) -> dict[str, dict[str, Any]]:
    """GET /api/inbox, by the order's topic and event id."""
    response = service.client.get("/api/inbox", headers=AUTH)
    assert response.status_code == 200, response.text
    return {entry["event_id"]: entry for entry in response.json()}


def wait_until(check: Any, what: str) -> Any:
    return polled(check, SECONDS, what)


def is_readable(error: str | None) -> bool:
    """A sentence, not an exception's repr or traceback."""
    return (
        bool(error)
        and "Traceback" not in error
        and not error.startswith("'")
        and not error.startswith("KeyError")
    )


def test_poison_deliveries_never_stop_the_valid_order_after_them(shop: Service) -> None:  # noqa: F811
    """The issue's examples, then a valid order: the valid one is applied."""
    shapes = {
        "poison-fulfillments": one_line_order(8001, SKU, fulfillments=[1]),
        "poison-sku-list": one_line_order(8002, ["MUG-1", "MUG-2"]),
    }
    unholdable = {
        "poison-long-sku": one_line_order(8003, "M" * 129),
        "poison-nul-sku": one_line_order(8004, "MUG\x00-1"),
        "poison-huge-quantity": one_line_order(8005, SKU, quantity=2**40),
    }
    for event_id, body in (shapes | unholdable).items():
        accepted(deliver(shop, "orders/create", body, event_id=event_id))
    accepted(deliver(shop, "orders/create", one_line_order(8006, SKU, 3), event_id="valid"))

    wait_until(lambda: shop.stock()["total"]["committed"] == 3, "the valid order")
    entries = wait_until(
        lambda: (
            (found := inbox_entries(shop))
            and all(found.get(e, {}).get("error") for e in shapes)
            and found
        ),
        "the shape errors to be recorded",
    )
    assert shop.stock()["total"]["available"] == 7
    assert "fulfillments.0" in entries["poison-fulfillments"]["error"]
    assert "sku" in entries["poison-sku-list"]["error"]
    for event_id in shapes:
        entry = entries[event_id]
        assert is_readable(entry["error"]), entry
        assert entry["attempts"] >= 1
        # A shape error is final at once, with the field named: typed payloads catch it
        # before it can become a processing bug three calls deep.
        assert entry["status"] == "failed", entry
        assert entry["attempts"] == 1, entry
    assert set(entries) == set(shapes)  # the unholdable lines' orders were applied

    parked = {line["order_id"]: line for line in shop.client.get("/api/parked").json()}
    assert "over the limit of 128" in parked["8003"]["reason"]
    assert "NUL" in parked["8004"]["reason"]
    assert f"quantity {2**40} is over the limit" in parked["8005"]["reason"]

    listed = shop.cli("inbox", "list")
    for event_id in shapes:
        assert str(entries[event_id]["id"]) in listed
    assert "Traceback" not in listed
    assert "KeyError" not in listed


def test_a_delivery_is_skipped_by_hand_over_the_api(shop: Service) -> None:  # noqa: F811
    accepted(
        deliver(shop, "orders/create", one_line_order(8001, SKU, fulfillments=[1]), event_id="p")
    )
    entry = wait_until(
        lambda: inbox_entries(shop).get("p", {}).get("error") and inbox_entries(shop)["p"], "p"
    )
    path = f"/api/inbox/{entry['id']}/skip"

    assert anonymous(shop.client, "POST", path, json={"reason": "x"}).status_code == 401
    skipped = shop.client.post(path, json={"reason": "test order"}, headers=AUTH)
    assert skipped.status_code == 200, skipped.text
    assert (skipped.json()["status"], skipped.json()["closed_by"]) == ("skipped", "api")
    assert skipped.json()["error"] == "test order"

    again = shop.client.post(path, json={"reason": "again"}, headers=AUTH)
    assert again.status_code == 409
    assert again.json() == {"error": f"delivery {entry['id']} is already skipped: nothing to skip"}
    unknown = shop.client.post("/api/inbox/999999/skip", json={"reason": "x"}, headers=AUTH)
    assert unknown.status_code == 404
    blank = shop.client.post(path, json={"reason": ""}, headers=AUTH)
    assert blank.status_code == 422
    assert "skipped by api" in shop.cli("inbox", "list")


def test_the_inbox_needs_the_api_token(shop: Service) -> None:  # noqa: F811
    assert anonymous(shop.client, "GET", "/api/inbox").status_code == 401
    wrong = shop.client.get("/api/inbox", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert isinstance(wrong, httpx.Response)
    assert shop.client.get("/api/inbox", headers=AUTH).json() == []
