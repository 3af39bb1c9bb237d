"""A receipt on a purchase order raises every channel within the sync bound, and a channel
that sells incoming stock lists the order as soon as it is placed.

The same running service and storefront fakes as `test_three_channels`: the purchase
order is created, ordered and received through the real HTTP API, and the channels are
read from the fakes the connectors pushed to.
"""

from __future__ import annotations

from typing import Any

from .conftest import SKU, TOKEN
from .test_three_channels import Stores, stores  # noqa: F401  (the fixture)

MANAGER = {"Authorization": f"Bearer {TOKEN}"}


def _call(target: Stores, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = target.client.post(path, json=body or {}, headers=MANAGER)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_receipt_on_an_order_raises_every_channel(stores: Stores) -> None:  # noqa: F811
    """Ordering 12 changes nothing on the channels (incoming is not sellable); receiving 8
    of them, 1 damaged, lifts all three to 7 within the sync bound."""
    _call(stores, "/api/suppliers", {"name": "Acme", "lead_time_days": 7})
    order = _call(stores, "/api/purchase-orders", {"supplier": "Acme", "expected_on": "2026-12-12"})
    number = order["number"]
    _call(stores, f"/api/purchase-orders/{number}/lines", {"sku": SKU, "quantity": 12,
                                                            "unit_cost": "4.50"})  # fmt: skip
    _call(stores, f"/api/purchase-orders/{number}/order")
    stock = stores.client.get(f"/api/stock/{SKU}", headers=MANAGER).json()
    assert stock["total"]["incoming"] == 12
    assert [(line["order"], line["quantity"]) for line in stock["incoming"]] == [(number, 12)]
    assert stores.levels() == (0, 0, 0)

    receipt = {"sku": SKU, "quantity": 8, "damaged": 1, "idempotency_key": "delivery-1"}
    _call(stores, f"/api/purchase-orders/{number}/receipts", receipt)
    stores.eventually((7, 7, 7), "the receipt on the order reached every channel")

    # The same delivery scanned again records nothing, and the channels stay where they are.
    again = stores.client.post(
        f"/api/purchase-orders/{number}/receipts", json=receipt, headers=MANAGER
    )
    assert (again.status_code, again.json()["status"]) == (200, "already_applied")
    stock = stores.client.get(f"/api/stock/{SKU}", headers=MANAGER).json()
    assert (stock["total"]["available"], stock["total"]["damaged"]) == (7, 1)
    assert (stock["total"]["incoming"], stock["average_cost"]) == (4, "4.50")
