"""Bulk reads: every inventory level at the location in one bulk operation, read as JSONL.

Paged reads cost 3 points an item (INVENTORY_LEVELS), so a first read of 10,000 listings
is 30,000 points, five minutes at 100 points a second. A bulk operation costs one
mutation (10 points) and a poll a few seconds apart (1 point each), whatever the count:

1. `bulkOperationRunQuery` starts BULK_LEVELS (inventoryItems, each with its level at the
   location); Shopify runs it in the background.
2. `bulkOperation(id:)` is polled until its status is COMPLETED (or FAILED, CANCELED,
   EXPIRED), waiting longer between polls up to POLL_MAX_SECONDS.
3. The JSONL file at `url` is downloaded with a plain GET (a signed storage URL: the
   access token is never sent there) and read line by line. Each line is one node; a
   nested connection's nodes would come on lines of their own with `__parentId`, which
   BULK_LEVELS has none of, and such lines are skipped.

A completed operation with no objects has no url: nothing is stocked anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.errors import ShopifyBulkFailed

DEFAULT_THRESHOLD = 2_000
"""Above this many listings a read of levels is a bulk operation; paged at or below it.

Below about a thousand items a paged read is quicker than a bulk operation's start, poll
and download; above it the bulk operation's flat cost wins more with every item."""

# Starts the bulk query given as $query (BULK_LEVELS, rendered for one location).
# Cost: mutation 10 + bulkOperation 1 + userErrors 1 = 12.
BULK_OPERATION_RUN_QUERY = """
mutation BulkOperationRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation {
      id
      status
    }
    userErrors {
      code
      field
      message
    }
  }
}
"""
RUN_COST = 12

# One bulk operation's progress. Cost: bulkOperation 1.
BULK_OPERATION = """
query BulkOperation($id: ID!) {
  bulkOperation(id: $id) {
    id
    status
    errorCode
    objectCount
    url
  }
}
"""
POLL_COST = 1

# The bulk query: every inventory item with its `available` at one location (null when the
# item is not stocked there). Bulk queries take no variables, so the location's gid is
# written in; bulk operations need no `first:` and select `edges { node }`.
BULK_LEVELS = """
{
  inventoryItems {
    edges {
      node {
        id
        inventoryLevel(locationId: "%(location)s") {
          quantities(names: ["available"]) {
            name
            quantity
          }
        }
      }
    }
  }
}
"""

POLL_FIRST_SECONDS = 0.5
POLL_MAX_SECONDS = 5.0
WAIT_LIMIT_SECONDS = 900.0
"""A bulk operation still running after this long is given up; the next sweep starts again."""
_FINISHED = {"COMPLETED", "FAILED", "CANCELED", "EXPIRED"}


def levels_query(location_gid: str) -> str:
    """BULK_LEVELS for one location; the gid is ours (`gid://shopify/Location/<digits>`)."""
    if '"' in location_gid or "\\" in location_gid:
        raise ValueError(f"not a location gid: {location_gid!r}")
    return BULK_LEVELS % {"location": location_gid}


async def read_levels(
    admin: ShopifyAdmin, location_gid: str, wanted: Mapping[str, str]
) -> dict[str, int]:
    """`available` at the location for the inventory item gids in `wanted` (gid → the
    listing's inventory id), keyed by inventory id; items not stocked there are left out."""
    started = await admin.execute(
        BULK_OPERATION_RUN_QUERY,
        {"query": levels_query(location_gid)},
        estimated_cost=RUN_COST,
    )
    run = started["bulkOperationRunQuery"]
    if run["userErrors"] or run["bulkOperation"] is None:
        problems = "; ".join(error["message"] for error in run["userErrors"]) or "no operation"
        raise ShopifyBulkFailed(admin.shop, problems)
    url = (await _finished(admin, run["bulkOperation"]["id"])).get("url")
    if not isinstance(url, str):
        return {}
    levels: dict[str, int] = {}
    async for line in admin.download_lines(url):
        if not line.strip():
            continue
        node = json.loads(line)
        if "__parentId" in node or node.get("id") not in wanted:
            continue
        for quantity in (node.get("inventoryLevel") or {}).get("quantities", []):
            if quantity["name"] == "available":
                levels[wanted[node["id"]]] = int(quantity["quantity"])
    return levels


async def _finished(admin: ShopifyAdmin, operation_id: str) -> dict[str, object]:
    """Polls the operation until it finishes; raises ShopifyBulkFailed unless COMPLETED."""
    waited, wait = 0.0, POLL_FIRST_SECONDS
    while True:
        await admin.pause(wait)
        waited += wait
        answer = await admin.execute(BULK_OPERATION, {"id": operation_id}, estimated_cost=POLL_COST)
        operation = answer["bulkOperation"]
        if operation is None:
            raise ShopifyBulkFailed(admin.shop, f"operation {operation_id} is unknown")
        status = operation["status"]
        if status == "COMPLETED":
            return dict(operation)
        if status in _FINISHED:
            code = operation.get("errorCode")
            raise ShopifyBulkFailed(admin.shop, f"{status}" + (f", {code}" if code else ""))
        if waited >= WAIT_LIMIT_SECONDS:
            raise ShopifyBulkFailed(admin.shop, f"still {status} after {waited:.0f} s")
        wait = min(wait * 2, POLL_MAX_SECONDS)
