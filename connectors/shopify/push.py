"""Shopify levels out: `available` set with compare-and-set, 250 items per call.

A user error fails the whole inventorySetQuantities call (nothing applied), so the items it
did not name go again once, in a new call under a new deterministic idempotency key; a
stale compare (CHANGE_FROM_QUANTITY_STALE) marks its item stale, for the pusher to re-read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from connectors.base import LevelChange, PushOutcome
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.deliveries import gid
from connectors.shopify.documents import (
    INVENTORY_SET_QUANTITIES,
    MAX_INPUT_ITEMS,
    WORST_CASE_COST,
    SetQuantity,
    inventory_set_quantities_variables,
)

PUSH_REASON = "correction"  # "used to correct an inventory error or as a general adjustment"
STALE = "CHANGE_FROM_QUANTITY_STALE"


@dataclass(slots=True)
class _SetAnswer:
    applied: bool
    failed: dict[int, tuple[str | None, str]] = field(default_factory=dict)
    """Item index → (user error code, message), for the items an error names."""
    whole_call: str | None = None
    """User errors naming no item: they refuse every item of the call."""
    retry_whole: bool = False
    """IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED: the same items may go again under a new key."""


async def push_levels(
    admin: ShopifyAdmin, changes: Sequence[LevelChange], location: Callable[[], str]
) -> list[PushOutcome]:
    """Sets `available` with compare-and-set, 250 per call; one bad item fails alone.

    A user error fails the whole Shopify call (nothing applied), so the items it did not
    name go again once, in a new call under a new deterministic key.
    """
    outcomes: list[PushOutcome] = []
    for start in range(0, len(changes), MAX_INPUT_ITEMS):
        outcomes += await _push_batch(admin, changes[start : start + MAX_INPUT_ITEMS], location)
    return outcomes


async def _push_batch(
    admin: ShopifyAdmin, changes: Sequence[LevelChange], location: Callable[[], str]
) -> list[PushOutcome]:
    done: dict[int, PushOutcome] = {}
    pending = list(range(len(changes)))
    for attempt in range(2):
        batch = [changes[index] for index in pending]
        answer = await _set_quantities(admin, batch, push_key(batch, attempt), location())
        for local, (code, text) in answer.failed.items():
            change, stale = batch[local], code == STALE
            done[pending[local]] = PushOutcome(change, stale=stale, error=None if stale else text)
        pending = [index for index in pending if index not in done]
        if answer.applied or (answer.whole_call and not answer.retry_whole):
            for index in pending:
                change = changes[index]
                done[index] = (
                    PushOutcome(change, acknowledged=change.quantity)
                    if answer.applied
                    else PushOutcome(change, error=answer.whole_call)
                )
            pending = []
        if not pending:
            break
    # Both calls failed on other items' stale compares (the shop's levels are moving under
    # a sale): these were never judged, so they are stale too, not refused. The pusher
    # re-reads and re-plans them; an error here would quarantine a good listing.
    for index in pending:
        done[index] = PushOutcome(changes[index], stale=True)
    return [done[index] for index in range(len(changes))]


async def _set_quantities(
    admin: ShopifyAdmin, batch: Sequence[LevelChange], key: str, location: str
) -> _SetAnswer:
    """One inventorySetQuantities call; user errors sorted by the item they name."""
    quantities = [
        SetQuantity(
            inventory_item_id=gid("InventoryItem", change.listing.inventory_id),
            location_id=gid("Location", change.listing.location_id or location),
            quantity=change.quantity,
            change_from_quantity=change.expected,
        )
        for change in batch
    ]
    variables = inventory_set_quantities_variables(
        quantities,
        reason=PUSH_REASON,
        reference_document_uri=f"syncbot://push/{key}",
        idempotency_key=key,
    )
    cost = WORST_CASE_COST[INVENTORY_SET_QUANTITIES]
    data = await admin.execute(INVENTORY_SET_QUANTITIES, variables, estimated_cost=cost)
    result = data["inventorySetQuantities"]
    errors = result.get("userErrors") or []
    answer = _SetAnswer(applied=not errors or result.get("inventoryAdjustmentGroup") is not None)
    whole: list[str] = []
    for error in errors:
        code = error.get("code")
        text = f"{code or 'ERROR'}: {error.get('message', '')}"
        index = _quantity_index(error.get("field"), len(batch))
        if index is None:
            whole.append(text)
            answer.retry_whole = answer.retry_whole or code == "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"
        else:
            answer.failed.setdefault(index, (code, text))
    answer.whole_call = "; ".join(whole) or None
    return answer


def push_key(changes: Sequence[LevelChange], attempt: int = 0) -> str:
    """The @idempotent key of one call: the same planned changes, the same key."""
    digest = hashlib.sha256("\n".join(c.idempotency_key for c in changes).encode()).hexdigest()
    return f"syncbot-{digest[:40]}" + (f"-{attempt}" if attempt else "")


def _quantity_index(field: object, size: int) -> int | None:
    """The item a user error names: `["input", "quantities", "3", ...]` is item 3."""
    if isinstance(field, list) and "quantities" in field:
        position = field.index("quantities") + 1
        if position < len(field) and re.fullmatch(r"\d+", str(field[position])):
            index = int(field[position])
            return index if index < size else None
    return None
