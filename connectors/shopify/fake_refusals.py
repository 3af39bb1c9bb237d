"""How the Shopify emulator refuses a push, in Shopify's words and shapes.

Two kinds, as the Admin API answers them: a variable GraphQL cannot coerce (a quantity
beyond the 32-bit `Int`) fails the whole call with a top-level INVALID_VARIABLE error,
HTTP 200 and no data; anything else inventorySetQuantities refuses is a user error naming
the quantity, and one user error refuses the whole call.
"""

from __future__ import annotations

from typing import Any

INT_MAX = 2**31 - 1


def invalid_variable(variables: dict[str, Any]) -> dict[str, Any] | None:
    """GraphQL refuses a variable its type cannot hold before anything runs."""
    for index, quantity in enumerate(variables["quantities"]):
        if not -INT_MAX - 1 <= quantity["quantity"] <= INT_MAX:
            explanation = f"Could not coerce value {quantity['quantity']} to Int"
            return {
                "message": "Variable $quantities of type [InventoryQuantityInput!]! was "
                f"provided invalid value for {index}.quantity ({explanation})",
                "extensions": {
                    "code": "INVALID_VARIABLE",
                    "problems": [{"path": [index, "quantity"], "explanation": explanation}],
                },
            }
    return None


def user_error(code: str, index: int, name: str) -> dict[str, Any]:
    """One of inventorySetQuantities' `userErrors`, naming the quantity it refuses."""
    messages = {
        "INVALID_INVENTORY_ITEM": "The specified inventory item could not be found.",
        "CHANGE_FROM_QUANTITY_STALE": "The changeFromQuantity value does not match.",
        "ITEM_NOT_STOCKED_AT_LOCATION": "The specified inventory item is not stocked at the "
        "location.",
        "NON_MUTABLE_INVENTORY_ITEM": "The specified inventory item is not allowed to be "
        "adjusted via API. Example: if the inventory item is a parent bundle.",
    }
    return {
        "code": code,
        "field": ["input", "quantities", str(index), name],
        "message": messages[code],
    }
