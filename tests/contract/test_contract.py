"""The contract every connector keeps, run against each one (conftest.py lists them).

What a storefront sends is judged by its effect on the ledger: the order events a
connector parses are reconciled by the pure ledger rules from an empty state, and the
movements they post are summed by SKU and kind. Two storefronts that describe the same
order the same way therefore pass the same assertions, whatever their payloads look like.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from connectors.base import Connector, InvalidSignature, LevelChange, Listing
from syncbot.ledger import damage, receive
from syncbot.ledger.bundles import Component
from syncbot.ledger.movements import MovementKind
from syncbot.ledger.orders import (
    OrderEvent,
    OrderState,
    apply_event,
)
from syncbot.store import bundles as store_bundles
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.sync.channels import SyncChannel
from syncbot.sync.listings import discover
from syncbot.sync.pusher import sync

from .conftest import Sleeps
from .harness import SKU_A, SKU_B, Harness

COMMIT, CANCEL = MovementKind.ORDER_COMMIT, MovementKind.ORDER_CANCEL
FULFIL, RESTOCK = MovementKind.ORDER_FULFIL, MovementKind.RETURN_RESTOCK


def effect(events: Sequence[OrderEvent]) -> Counter[tuple[str, MovementKind]]:
    """Units moved, by SKU and movement kind, when the events are reconciled in order."""
    states: dict[str, OrderState] = {}
    moved: Counter[tuple[str, MovementKind]] = Counter()
    for event in events:
        states[event.order_id], movements = apply_event(
            states.get(event.order_id, OrderState()), event
        )
        for movement in movements:
            moved[(movement.sku, movement.kind)] += movement.quantity
    return +moved


async def told(harness: Harness, connector: Connector, story: str) -> list[OrderEvent]:
    if story in harness.unsupported:
        pytest.skip(f"{harness.kind}: {harness.unsupported[story]}")
    events: list[OrderEvent] = []
    for signed in harness.story(story):
        delivery = connector.verify(signed.body, signed.headers)
        events += await connector.parse(delivery, signed.body)
    return events


@pytest.fixture
def connector(
    harness: Harness, http: httpx.AsyncClient, router: respx.MockRouter, sleeps: Sleeps
) -> Connector:
    return harness.build(http, router, sleeps)


# --- verification ---------------------------------------------------------------------


def test_a_signed_delivery_verifies(harness: Harness, connector: Connector) -> None:
    first = next(iter(harness.story("new")))
    delivery = connector.verify(first.body, first.headers)
    assert delivery.event_id


def test_a_tampered_body_is_refused(harness: Harness, connector: Connector) -> None:
    first = next(iter(harness.story("new")))
    with pytest.raises(InvalidSignature):
        connector.verify(first.body.replace(b"1", b"2", 1) + b" ", first.headers)


def test_a_wrong_signature_is_refused(harness: Harness, connector: Connector) -> None:
    first = next(iter(harness.story("new")))
    headers = {**first.headers, harness.signature_header: "bm90IHRoZSBzaWduYXR1cmU="}
    with pytest.raises(InvalidSignature):
        connector.verify(first.body, headers)


def test_a_missing_signature_is_refused(harness: Harness, connector: Connector) -> None:
    first = next(iter(harness.story("new")))
    wanted = harness.signature_header.lower()
    headers = {k: v for k, v in first.headers.items() if k.lower() != wanted}
    with pytest.raises(InvalidSignature):
        connector.verify(first.body, headers)


# --- parsing --------------------------------------------------------------------------


async def test_a_new_order_commits_its_units(harness: Harness, connector: Connector) -> None:
    moved = effect(await told(harness, connector, "new"))
    assert moved == Counter({(SKU_A, COMMIT): 2, (SKU_B, COMMIT): 1})


async def test_a_partial_fulfilment_ships_only_what_shipped(
    harness: Harness, connector: Connector
) -> None:
    moved = effect(await told(harness, connector, "partial"))
    assert moved == Counter({(SKU_A, COMMIT): 2, (SKU_B, COMMIT): 1, (SKU_A, FULFIL): 1})


async def test_a_cancel_releases_every_unit(harness: Harness, connector: Connector) -> None:
    moved = effect(await told(harness, connector, "cancel"))
    assert moved[(SKU_A, CANCEL)] == 2
    assert moved[(SKU_B, CANCEL)] == 1
    assert moved[(SKU_A, FULFIL)] == moved[(SKU_B, FULFIL)] == 0


async def test_a_refund_with_restock_puts_units_back(
    harness: Harness, connector: Connector
) -> None:
    moved = effect(await told(harness, connector, "refund_restock"))
    assert moved[(SKU_A, FULFIL)] == 2
    assert moved[(SKU_B, FULFIL)] == 1
    assert moved[(SKU_A, RESTOCK)] == 1
    assert moved[(SKU_B, RESTOCK)] == 0


async def test_a_refund_without_restock_moves_nothing_back(
    harness: Harness, connector: Connector
) -> None:
    moved = effect(await told(harness, connector, "refund_no_restock"))
    assert moved[(SKU_A, FULFIL)] == 2
    assert moved[(SKU_B, FULFIL)] == 1
    assert moved[(SKU_A, RESTOCK)] == 0
    assert moved[(SKU_A, MovementKind.RETURN_DAMAGED)] == 0


async def test_a_repeated_delivery_moves_nothing_more(
    harness: Harness, connector: Connector
) -> None:
    story = next(name for name in ("partial", "refund_restock") if name not in harness.unsupported)
    events = await told(harness, connector, story)
    assert effect(events + events) == effect(events)


# --- catch-up -------------------------------------------------------------------------


async def test_catch_up_pages_through_every_order(harness: Harness, connector: Connector) -> None:
    harness.seed_orders(7)
    seen: set[str] = set()
    pages, cursors = 0, []
    async for page in connector.orders_since(None):
        pages += 1
        seen |= {event.order_id for event in page.events}
        cursors.append(page.cursor)
    assert len(seen) == 7
    assert pages >= 2, "seven orders must take more than one page"
    assert all(cursor is not None for cursor in cursors)
    assert cursors == sorted(cursors), "the cursor never moves back"  # type: ignore[type-var]


# --- listings -------------------------------------------------------------------------


async def test_discovery_lists_every_listing_duplicates_included(
    harness: Harness, connector: Connector
) -> None:
    harness.seed_listings(["CT-1", "CT-2", "CT-DUP", "CT-DUP"])
    listed = await connector.listings()
    assert sorted(item.sku for item in listed) == ["CT-1", "CT-2", "CT-DUP", "CT-DUP"]
    duplicates = [item for item in listed if item.sku == "CT-DUP"]
    assert duplicates[0].inventory_id != duplicates[1].inventory_id


# --- push -----------------------------------------------------------------------------


async def _listed(harness: Harness, connector: Connector, count: int) -> list[Listing]:
    harness.seed_listings([f"CT-{n}" for n in range(count)])
    listed = sorted(await connector.listings(), key=lambda item: item.sku)
    assert len(listed) == count
    return listed


def _changes(listed: Sequence[Listing], quantity: int = 5) -> list[LevelChange]:
    return [
        LevelChange(item, quantity, expected=0, idempotency_key=f"contract-{item.inventory_id}")
        for item in listed
    ]


async def test_a_push_batches_at_the_channel_limit(harness: Harness, connector: Connector) -> None:
    listed = await _listed(harness, connector, connector.batch_limit + 1)
    outcomes = await connector.push_levels(_changes(listed))
    assert [outcome.acknowledged for outcome in outcomes] == [5] * len(listed)
    assert harness.write_calls == 2
    assert {harness.level(item.inventory_id) for item in listed} == {5}


async def test_one_bad_item_never_fails_the_rest(harness: Harness, connector: Connector) -> None:
    listed = await _listed(harness, connector, 3)
    harness.fail_item(listed[1].sku)
    outcomes = await connector.push_levels(_changes(listed, quantity=4))
    assert outcomes[1].error
    assert outcomes[1].acknowledged is None
    assert [outcomes[0].acknowledged, outcomes[2].acknowledged] == [4, 4]
    assert harness.level(listed[0].inventory_id) == harness.level(listed[2].inventory_id) == 4


async def test_a_429_is_waited_out_then_retried(
    harness: Harness, connector: Connector, sleeps: Sleeps
) -> None:
    listed = await _listed(harness, connector, 2)
    outcomes = await connector.push_levels(_changes(listed, quantity=3))
    assert [outcome.acknowledged for outcome in outcomes] == [3, 3]
    assert not any(wait >= 7 for wait in sleeps.waits), "no long wait without a 429"
    harness.throttle_next(retry_after=7)
    changes = [
        LevelChange(item, 4, expected=3, idempotency_key=f"contract-429-{item.inventory_id}")
        for item in listed
    ]
    outcomes = await connector.push_levels(changes)
    assert [outcome.acknowledged for outcome in outcomes] == [4, 4]
    assert any(7 <= wait < 8 for wait in sleeps.waits), sleeps.waits


# --- bundles --------------------------------------------------------------------------


async def test_a_bundle_listing_is_pushed_from_its_components_and_drops_with_them(
    harness: Harness, connector: Connector, database: str
) -> None:
    """CT-KIT = CT-A × 2 + CT-B × 1 holds no stock: with 5 CT-A and 10 CT-B its listing
    shows 2; 2 CT-A damaged, it shows 1, pushed with CT-A in the same sync."""
    harness.seed_listings([SKU_A, SKU_B, "CT-KIT"])
    for sku, units in ((SKU_A, 5), (SKU_B, 10), ("CT-KIT", 0)):
        await add_sku(sku)
        if units:
            await post([receive(sku, units)])
    parts = [Component(SKU_A, 2), Component(SKU_B, 1)]
    await store_bundles.set_recipe("CT-KIT", parts, "contract", datetime.now(UTC))
    await discover(connector)
    channel = SyncChannel(connector, ("main",))
    items = {item.sku: item.inventory_id for item in await connector.listings()}

    report = await sync(channel, grace=timedelta(minutes=10))
    assert (report.pushed, report.error) == (3, None)
    assert [harness.level(items[sku]) for sku in (SKU_A, SKU_B, "CT-KIT")] == [5, 10, 2]

    await post([damage(SKU_A, 2)])
    report = await sync(channel, grace=timedelta(minutes=10))
    assert (report.pushed, report.error) == (2, None)
    assert [harness.level(items[sku]) for sku in (SKU_A, SKU_B, "CT-KIT")] == [3, 10, 1]
