"""WooCommerce stock levels: the listings, and reading and pushing `stock_quantity`.

WooCommerce keeps one `stock_quantity` per product or variation that manages its stock; it
maps to the channel's one location. An inventory id is "123" for a product and "123/456"
for variation 456 of product 123. There is no compare-and-set: a push reads the batch's
figures, marks each change whose `expected` differs as stale, and writes the rest at once
with the batch endpoint, so the window between read and write is one round trip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import ConnectorError, LevelChange, Listing, PushOutcome, barcodes_of
from connectors.woocommerce.api import (
    MAX_PER_PAGE,
    WooCommerceApi,
    WooCommerceBadResponse,
    WooCommerceNotFound,
)
from connectors.woocommerce.orders import resource_id


@dataclass(frozen=True, slots=True)
class _Item:
    index: int
    item_id: str
    change: LevelChange


class WooCommerceInventory:
    """One store's products and variations, as listings and their stock figures."""

    def __init__(self, api: WooCommerceApi) -> None:
        self._api = api

    async def listings(self) -> Sequence[Listing]:
        """Products and variations that manage their stock and have a SKU."""
        found: list[Listing] = []
        async for products in self._api.every_page("/products", {"per_page": MAX_PER_PAGE}):
            for product in products:
                product_id = resource_id(product.get("id"))
                found += _listed(product, product_id)
                if product.get("type") == "variable" and product.get("variations"):
                    path = f"/products/{product_id}/variations"
                    async for page in self._api.every_page(path, {"per_page": MAX_PER_PAGE}):
                        for variation in page:
                            variation_id = resource_id(variation.get("id"))
                            found += _listed(variation, f"{product_id}/{variation_id}")
        return found

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        """`stock_quantity` by inventory id; items gone or no longer managed are left out."""
        wanted: dict[str, dict[str, str]] = {}
        for listing in listings:
            collection, item_id = _target(listing.inventory_id)
            wanted.setdefault(collection, {})[item_id] = listing.inventory_id
        levels: dict[str, int] = {}
        for collection, items in wanted.items():
            ids = list(items)
            for start in range(0, len(ids), MAX_PER_PAGE):
                held = await self._stock(collection, ids[start : start + MAX_PER_PAGE])
                levels.update({items[item_id]: quantity for item_id, quantity in held.items()})
        return levels

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        """Reads, then writes, 100 items per call; one endpoint per product's variations."""
        done: dict[int, PushOutcome] = {}
        groups: dict[str, list[_Item]] = {}
        for index, change in enumerate(changes):
            try:
                collection, item_id = _target(change.listing.inventory_id)
            except ConnectorError as error:
                done[index] = PushOutcome(change, error=str(error))
                continue
            groups.setdefault(collection, []).append(_Item(index, item_id, change))
        for collection, items in groups.items():
            for start in range(0, len(items), MAX_PER_PAGE):
                done.update(await self._push(collection, items[start : start + MAX_PER_PAGE]))
        return [done[index] for index in range(len(changes))]

    async def _push(self, collection: str, items: Sequence[_Item]) -> dict[int, PushOutcome]:
        checked = [item.item_id for item in items if item.change.expected is not None]
        held = await self._stock(collection, checked) if checked else {}
        done: dict[int, PushOutcome] = {}
        writes: list[_Item] = []
        for item in items:
            expected = item.change.expected
            if expected is not None and item.item_id not in held:
                done[item.index] = PushOutcome(item.change, error=_unmanaged(item))
            elif expected is not None and held[item.item_id] != expected:
                done[item.index] = PushOutcome(item.change, stale=True)
            else:
                writes.append(item)
        if not writes:
            return done
        update = [{"id": int(w.item_id), "stock_quantity": w.change.quantity} for w in writes]
        try:
            answer = await self._api.post(f"{collection}/batch", {"update": update})
        except (WooCommerceBadResponse, WooCommerceNotFound) as error:
            # The store refused the call as a whole; other calls of this push still go.
            return done | {w.index: PushOutcome(w.change, error=str(error)) for w in writes}
        results = _by_id(answer.get("update") if isinstance(answer, dict) else None)
        for item in writes:
            done[item.index] = _outcome(item, results.get(item.item_id))
        return done

    async def _stock(self, collection: str, item_ids: Sequence[str]) -> dict[str, int]:
        """The stock_quantity of each item that exists and manages its stock."""
        params: dict[str, str | int] = {
            "include": ",".join(item_ids),
            "per_page": MAX_PER_PAGE,
            "_fields": "id,manage_stock,stock_quantity",
        }
        found = await self._api.get(collection, params)
        return {
            resource_id(item.get("id")): item["stock_quantity"]
            for item in (found if isinstance(found, list) else [])
            if item.get("manage_stock") is True and _whole(item.get("stock_quantity"))
        }


def _listed(item: Mapping[str, Any], inventory_id: str) -> list[Listing]:
    """A product or variation as a listing, if it manages its own stock and has a SKU.

    A variation's manage_stock is "parent" when its parent's stock figure is the one sold.
    """
    sku = item.get("sku")
    if item.get("manage_stock") is not True or not isinstance(sku, str) or not sku:
        return []
    codes = barcodes_of(item.get("global_unique_id"))  # GTIN, UPC, EAN or ISBN (Woo 9.2+)
    return [Listing(sku=sku, listing_id=inventory_id, inventory_id=inventory_id, barcodes=codes)]


def _target(inventory_id: str) -> tuple[str, str]:
    """The collection an inventory id lives in, and its id there."""
    parent, _, child = inventory_id.partition("/")
    if not parent.isdigit() or not (child.isdigit() or child == ""):
        raise ConnectorError(f"{inventory_id!r} is not a WooCommerce inventory id")
    if child:
        return f"/products/{int(parent)}/variations", str(int(child))
    return "/products", str(int(parent))


def _outcome(item: _Item, result: Mapping[str, Any] | None) -> PushOutcome:
    if result is None:
        return PushOutcome(item.change, error="WooCommerce's answer left this item out")
    error = result.get("error")
    if isinstance(error, Mapping):
        return PushOutcome(item.change, error=f"{error.get('code')}: {error.get('message')}")
    quantity = result.get("stock_quantity")
    if result.get("manage_stock") is False or not _whole(quantity):
        return PushOutcome(item.change, error=_unmanaged(item))
    return PushOutcome(item.change, acknowledged=quantity)


def _unmanaged(item: _Item) -> str:
    return (
        f"{item.change.listing.inventory_id} is not in WooCommerce or does not manage its "
        "stock: turn on Manage stock, or refresh the listings"
    )


def _by_id(results: object) -> dict[str, Mapping[str, Any]]:
    if not isinstance(results, list):
        return {}
    return {
        str(result.get("id")): result
        for result in results
        if isinstance(result, Mapping) and result.get("id") is not None
    }


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
