"""The GraphQL documents of the Shopify connector's inventory sync, checked in tests against
the real schema: the shop check, order catch-up, listing discovery, levels and the push.

Every upper-case `str` constant here is a document: tests parse and validate each against
`../shared/shopify-admin-schema/` and check its worst-case cost, so a new one is covered
the moment it is added. The webhook subscriptions' documents are kept the same way in
subscriptions.py, the single-order reads in reads.py and the bulk read's in bulk.py.

Cost, by Shopify's documented formula: a scalar or enum costs 0, an object 1, a connection
2 + first × (its node), a list first × (its element), a mutation 10. `WORST_CASE_COST`
holds the figure for each document at the sizes below; Shopify's own requestedQueryCost
can be lower, and ShopifyAdmin paces by it once the first answer has reported it. A single
query may not exceed 1,000 points, and nested sizes multiply, so pages stay small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_INPUT_ITEMS = 250
"""Shopify caps every input array (ids, quantities) at 250 items."""

ORDERS_PAGE_SIZE = 4
"""Orders per catch-up page: 4 × 217 + 2 = 870 points at worst (see ORDERS_UPDATED_SINCE)."""

# `syncbot channels check`: proves the token works, names the shop, and lists the scopes the
# token holds so a missing read_orders or write_inventory is reported before it bites.
# Cost 3: shop 1, currentAppInstallation 1, accessScopes 1.
SHOP = """
query Shop {
  shop {
    name
    myshopifyDomain
  }
  currentAppInstallation {
    accessScopes {
      handle
    }
  }
}
"""

# Catch-up: orders updated since the cursor, oldest change first, so the cursor can advance
# to the last updatedAt of each page. $query is `updated_since(cursor)`. Orders older than
# 60 days are visible only with the read_all_orders scope.
# Per order, worst case: the order 1
#   + lineItems(20):     2 + 20 × (line 1 + variant 1)                        =  42
#   + fulfillments(3):   3 × (1 + location 1 + fulfillmentLineItems(10):
#                             2 + 10 × (line 1 + lineItem 1) = 22)            =  72
#   + refunds(3):        3 × (1 + return 1 + refundLineItems(10):
#                             2 + 10 × (line 1 + location 1 + lineItem 1) = 32) = 102
#   = 217, so a page of ORDERS_PAGE_SIZE (4) costs 2 + 4 × 217 = 870 points.
# A refund's return id lets catch-up read that return's restocking decisions, which a
# missed returns/process webhook would otherwise lose.
# An order bigger than these sizes shows it: lineItems and the nested line connections say
# hasNextPage, and 3 fulfillments or 3 refunds may mean more; the connector must then read
# that order alone rather than reconcile a truncated snapshot.
ORDERS_UPDATED_SINCE = """
query OrdersUpdatedSince($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      name
      createdAt
      updatedAt
      cancelledAt
      lineItems(first: 20) {
        pageInfo {
          hasNextPage
        }
        nodes {
          id
          sku
          quantity
          currentQuantity
          unfulfilledQuantity
          variant {
            id
          }
        }
      }
      fulfillments(first: 3) {
        id
        status
        createdAt
        location {
          id
        }
        fulfillmentLineItems(first: 10) {
          pageInfo {
            hasNextPage
          }
          nodes {
            id
            quantity
            lineItem {
              id
            }
          }
        }
      }
      refunds(first: 3) {
        id
        createdAt
        return {
          id
        }
        refundLineItems(first: 10) {
          pageInfo {
            hasNextPage
          }
          nodes {
            id
            quantity
            restockType
            restocked
            location {
              id
            }
            lineItem {
              id
            }
          }
        }
      }
    }
  }
}
"""

# Listing discovery (`syncbot channels discover`): every variant with its SKU and inventory
# item. SKUs are not unique in Shopify, so the caller reports duplicates instead of choosing.
# `requiresComponents` marks a bundle product's parent variant: Shopify derives its quantity
# from its components, and the API cannot set it, so syncbot never pushes it.
# Cost: 2 + 250 × (variant 1 + inventoryItem 1 + product 1) = 752.
PRODUCT_VARIANTS = """
query ProductVariants($after: String) {
  productVariants(first: 250, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      sku
      barcode
      title
      requiresComponents
      inventoryItem {
        id
        tracked
      }
      product {
        title
      }
    }
  }
}
"""

# Levels of up to 250 inventory items at one location: what the channel shows as available.
# It feeds the compare-and-set (changeFromQuantity) and the drift check. An item not stocked
# at the location has inventoryLevel null.
# Cost for 250 ids: 250 × (item 1 + inventoryLevel 1 + quantities 1) = 750.
INVENTORY_LEVELS = """
query InventoryLevels($inventoryItemIds: [ID!]!, $locationId: ID!) {
  nodes(ids: $inventoryItemIds) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) {
        id
        quantities(names: ["available"]) {
          name
          quantity
        }
      }
    }
  }
}
"""

# The push: set `available` absolutely, with compare-and-set. From 2026-04 both are mandatory:
# `@idempotent(key:)` on the field (Shopify answers BAD_REQUEST without it), and
# `changeFromQuantity` on every quantity (null only to skip the check on purpose; absent is
# INVALID_FIELD_ARGUMENTS). A stale one fails the whole call with CHANGE_FROM_QUANTITY_STALE
# and applies nothing. A retry of the same change reuses its key; after a failed attempt a
# new call needs a new key (IDEMPOTENCY_KEY_PARAMETER_MISMATCH otherwise).
# Cost: mutation 10 + inventoryAdjustmentGroup 1 + userErrors 1 = 12.
INVENTORY_SET_QUANTITIES = """
mutation InventorySetQuantities(
  $reason: String!
  $referenceDocumentUri: String!
  $quantities: [InventoryQuantityInput!]!
  $idempotencyKey: String!
) {
  inventorySetQuantities(
    input: {
      name: "available"
      reason: $reason
      referenceDocumentUri: $referenceDocumentUri
      quantities: $quantities
    }
  ) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup {
      id
      createdAt
      reason
      referenceDocumentUri
    }
    userErrors {
      code
      field
      message
    }
  }
}
"""

WORST_CASE_COST: dict[str, int] = {
    SHOP: 3,
    ORDERS_UPDATED_SINCE: 870,
    PRODUCT_VARIANTS: 752,
    INVENTORY_LEVELS: 750,
    INVENTORY_SET_QUANTITIES: 12,
}
"""Requested cost of each document at the sizes above; pass it as ShopifyAdmin's estimate."""


def updated_since(cursor: datetime) -> str:
    """The `orders(query:)` filter for catch-up: updated at or after the cursor, in UTC.

    At or after, not strictly after: an order updated in the cursor's own second is read
    again rather than missed, and reconciling it again posts nothing.
    """
    if cursor.tzinfo is None:
        raise ValueError("the catch-up cursor must be timezone-aware")
    return f"updated_at:>='{cursor.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"


@dataclass(frozen=True, slots=True)
class SetQuantity:
    """One quantity of an inventorySetQuantities call."""

    inventory_item_id: str
    location_id: str
    quantity: int
    change_from_quantity: int | None
    """What we believe Shopify holds now; None skips the compare-and-set, on purpose only."""


def inventory_set_quantities_variables(
    quantities: Sequence[SetQuantity],
    *,
    reason: str,
    reference_document_uri: str,
    idempotency_key: str,
) -> dict[str, Any]:
    """Variables for INVENTORY_SET_QUANTITIES, with changeFromQuantity always spelt out."""
    if not 1 <= len(quantities) <= MAX_INPUT_ITEMS:
        raise ValueError(f"send 1 to {MAX_INPUT_ITEMS} quantities per call, not {len(quantities)}")
    if not idempotency_key.strip():
        raise ValueError("the idempotency key must not be blank")
    return {
        "reason": reason,
        "referenceDocumentUri": reference_document_uri,
        "idempotencyKey": idempotency_key,
        "quantities": [
            {
                "inventoryItemId": item.inventory_item_id,
                "locationId": item.location_id,
                "quantity": item.quantity,
                # Present even when None: Shopify rejects an absent changeFromQuantity.
                "changeFromQuantity": item.change_from_quantity,
            }
            for item in quantities
        ],
    }
