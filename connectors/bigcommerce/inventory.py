"""BigCommerce levels: catalog variants as listings, reading on-hand, pushing absolute
adjustments.

BigCommerce has no compare-and-set and applies inventory writes asynchronously: a push
reads the batch's levels first, reports the changes whose `expected` differs as stale
without sending them, sends the rest as one absolute adjustment (2,000 items at most),
and acknowledges each quantity when BigCommerce accepts the call. The next read (the drift
check) is what confirms BigCommerce applied it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from connectors.base import LevelChange, Listing, PushOutcome, barcodes_of
from connectors.bigcommerce.api import BigCommerceAPI, BigCommerceRefused

BATCH_LIMIT = 2000  # "Limit of 2000 items for payload length" on absolute adjustments
READ_CHUNK = 250
"""Variant ids per level read: the v3 page maximum (the endpoint allows 1,000 items), and a
query string of about 3 KB at 250 ids, well under what proxies accept."""
PAGE = 250
ADJUST = "v3/inventory/adjustments/absolute"
PUSH_REASON = "syncbot: sellable quantity from the inventory ledger"


class BigCommerceInventory:
    """One store's variants and their levels at the inventory location syncbot pushes to."""

    def __init__(self, api: BigCommerceAPI, location_id: int) -> None:
        self._api = api
        self._location_id = location_id

    async def listings(self) -> Sequence[Listing]:
        """Every catalog variant with a SKU; the inventory id is the variant id."""
        found: list[Listing] = []
        page = 1
        while True:
            params: dict[str, str | int] = {"page": page, "limit": PAGE}
            params["include_fields"] = "sku,product_id,upc,gtin"
            answer = await self._api.get("v3/catalog/variants", params) or {}
            for variant in answer.get("data") or []:
                if not variant.get("sku"):
                    continue  # nothing to match a syncbot SKU against
                found.append(
                    Listing(
                        sku=variant["sku"],
                        listing_id=f"{variant['product_id']}/{variant['id']}",
                        inventory_id=str(variant["id"]),
                        location_id=str(self._location_id),
                        barcodes=barcodes_of(variant.get("upc"), variant.get("gtin")),
                    )
                )
            pagination = (answer.get("meta") or {}).get("pagination") or {}
            if not answer.get("data") or page >= int(pagination.get("total_pages") or page):
                return found
            page += 1

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        """`total_inventory_onhand` by variant id at each listing's location: the figure an
        absolute adjustment sets (BigCommerce sells it less the item's safety stock).
        Variants BigCommerce reports nothing for are left out."""
        wanted: dict[str, list[str]] = {}
        for item in listings:
            place = wanted.setdefault(item.location_id or str(self._location_id), [])
            if item.inventory_id not in place:
                place.append(item.inventory_id)
        levels: dict[str, int] = {}
        for location, ids in wanted.items():
            for start in range(0, len(ids), READ_CHUNK):
                chunk = ids[start : start + READ_CHUNK]
                params: dict[str, str | int] = {"variant_id:in": ",".join(chunk)}
                params["limit"] = READ_CHUNK
                path = f"v3/inventory/locations/{location}/items"
                for item in (await self._api.get(path, params) or {}).get("data") or []:
                    variant_id = str((item.get("identity") or {}).get("variant_id"))
                    levels[variant_id] = int(item.get("total_inventory_onhand") or 0)
        return levels

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        outcomes: list[PushOutcome] = []
        for start in range(0, len(changes), BATCH_LIMIT):
            outcomes += await self._push_batch(changes[start : start + BATCH_LIMIT])
        return outcomes

    async def _push_batch(self, changes: Sequence[LevelChange]) -> list[PushOutcome]:
        """Stale changes are not sent; items a 422 names fail alone, the rest go again."""
        done: dict[int, PushOutcome] = {}
        checked = [change.listing for change in changes if change.expected is not None]
        held = await self.read_levels(checked) if checked else {}
        for index, change in enumerate(changes):
            # An item never stocked at the location has no record there: it holds 0.
            if change.expected is not None and held.get(change.listing.inventory_id, 0) != (
                change.expected
            ):
                done[index] = PushOutcome(change, stale=True)
        pending = [index for index in range(len(changes)) if index not in done]
        while pending:
            batch = [changes[index] for index in pending]
            items = [self._item(change) for change in batch]
            try:
                await self._api.put(ADJUST, {"reason": PUSH_REASON, "items": items})
            except BigCommerceRefused as refused:
                # A refusal that names no item of the batch refuses every item alike.
                named = _named_items(refused, batch) or set(range(len(batch)))
                for local in named:
                    done[pending[local]] = PushOutcome(batch[local], error=str(refused))
                pending = [index for local, index in enumerate(pending) if local not in named]
                continue
            for index in pending:
                done[index] = PushOutcome(changes[index], acknowledged=changes[index].quantity)
            pending = []
        return [done[index] for index in range(len(changes))]

    def _item(self, change: LevelChange) -> dict[str, int]:
        location = change.listing.location_id or self._location_id
        return {
            "location_id": int(location),
            "variant_id": int(change.listing.inventory_id),
            "quantity": change.quantity,
        }


def _named_items(refused: BigCommerceRefused, batch: Sequence[LevelChange]) -> set[int]:
    """Batch indices a refusal names, by variant id ("[Item with variant_id 106 is tracked
    by product...]", the documented 422) or by position ("items.3.quantity")."""
    text = f"{refused.title} {json.dumps(refused.errors, default=str)}"
    variant_ids = set(re.findall(r"variant_id\D{0,4}(\d+)", text))
    named = {
        local for local, change in enumerate(batch) if change.listing.inventory_id in variant_ids
    }
    positions = {int(found) for found in re.findall(r"items\.(\d+)", text)}
    return named | {local for local in positions if local < len(batch)}
