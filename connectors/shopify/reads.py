"""The GraphQL documents that read one order or one return back, and their worst-case costs.

orders/edited and returns/* name what changed without carrying it, so the connector reads
it through the Admin API; so does catch-up for an order too big for its page.
"""

# One order read alone (orders/edited, or a catch-up order too big for its page).
# Cost: order 1 + lineItems 2 + 50 × 1 + fulfillments 5 × (1 + location 1 + lines
# 2 + 50 × 2) + refunds 5 × (1 + return 1 + lines 2 + 20 × 3) = 1 + 52 + 520 + 320 = 893.
ORDER = """
query Order($id: ID!) {
  order(id: $id) {
    id
    updatedAt
    cancelledAt
    lineItems(first: 50) {
      pageInfo { hasNextPage }
      nodes { id sku quantity currentQuantity }
    }
    fulfillments(first: 5) {
      status
      createdAt
      location { id }
      fulfillmentLineItems(first: 50) {
        pageInfo { hasNextPage }
        nodes { quantity lineItem { id } }
      }
    }
    refunds(first: 5) {
      id
      return { id }
      refundLineItems(first: 20) {
        pageInfo { hasNextPage }
        nodes { id quantity restockType location { id } lineItem { id } }
      }
    }
  }
}
"""
ORDER_COST = 893
ORDER_LIST_LIMIT = 5
"""fulfillments and refunds have no pageInfo: a full list may mean more."""

# A return's restocking decisions (returns/*). Cost: return 1 + order 1 + orders 2 + 5 ×
# (1 + lineItems 2 + 25 × (1 + dispositions 2 + fulfillmentLineItem 2)) = 644.
RETURN = """
query ReturnDispositions($id: ID!) {
  return(id: $id) {
    id
    order { id }
    reverseFulfillmentOrders(first: 5) {
      pageInfo { hasNextPage }
      nodes {
        lineItems(first: 25) {
          pageInfo { hasNextPage }
          nodes {
            dispositions { id type quantity location { id } }
            fulfillmentLineItem { lineItem { id sku } }
          }
        }
      }
    }
  }
}
"""
RETURN_COST = 644
