"""The Shopify emulator's bulk operations: a query started, polled until it ends, and its
JSONL result downloaded with a plain GET, as `bulkOperationRunQuery` runs them.

`ShopifyBulkOperations` keeps the operations one `ShopifyInventory` starts. The result is
written when a poll first finds the operation COMPLETED, from the levels the inventory has
then, as Shopify exports the data of the moment the operation ends. The file is served at
`/bulk-results/<n>.jsonl` on the API's own host, which a respx mount must route too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

BULK_RESULTS = "/bulk-results/"
_BULK_LOCATION = re.compile(r'inventoryLevel\(locationId: "([^"]+)"\)')


@dataclass
class ShopifyBulkOperations:
    running_polls: int = 1
    """Polls a bulk operation answers RUNNING before it is COMPLETED."""
    running_seconds: float = 0.0
    """And seconds on the clock it runs for at least, as Shopify takes time to export."""
    fails: str | None = None
    """The status (FAILED, CANCELED, EXPIRED) the next bulk operation ends with, once."""
    operations: list[dict[str, Any]] = field(default_factory=list)
    downloads: int = 0

    def start(self, url: httpx.URL, query: str, now: float) -> dict[str, Any]:
        """Starts a bulk read of every item's level at the location the query names."""
        location = _BULK_LOCATION.search(query)
        if location is None:
            raise AssertionError(f"unexpected bulk query: {query[:80]}")
        number = len(self.operations)
        operation = {
            "id": f"gid://shopify/BulkOperation/{number}",
            "url": str(url.copy_with(path=f"{BULK_RESULTS}{number}.jsonl", query=None)),
            "polls": 0,
            "started": now,
            "ends": self.fails or "COMPLETED",
            "lines": b"",
        }
        self.fails = None
        self.operations.append(operation)
        started = {"id": operation["id"], "status": "CREATED"}
        return {"bulkOperationRunQuery": {"bulkOperation": started, "userErrors": []}}

    def poll(self, operation_id: str, now: float, export: Callable[[], bytes]) -> dict[str, Any]:
        """The operation's status; `export` gives the JSONL once it first reads COMPLETED."""
        found = [item for item in self.operations if item["id"] == operation_id]
        if not found:
            return {"bulkOperation": None}
        (operation,) = found
        operation["polls"] += 1
        answer: dict[str, Any] = {"id": operation_id, "status": "RUNNING", "errorCode": None}
        answer |= {"objectCount": "0", "url": None}
        running = now - operation["started"] < self.running_seconds
        if operation["polls"] <= self.running_polls or running:
            return {"bulkOperation": answer}
        answer["status"] = operation["ends"]
        if operation["ends"] != "COMPLETED":
            answer["errorCode"] = "INTERNAL_SERVER_ERROR" if operation["ends"] == "FAILED" else None
            return {"bulkOperation": answer}
        if not operation["lines"]:  # the data as it is when the operation completes
            operation["lines"] = export()
        count = operation["lines"].count(b"\n")
        answer |= {"objectCount": str(count), "url": operation["url"] if count else None}
        return {"bulkOperation": answer}

    def result(self, path: str) -> httpx.Response:
        """The GET of an operation's JSONL file."""
        number = int(path.removeprefix(BULK_RESULTS).removesuffix(".jsonl"))
        self.downloads += 1
        return httpx.Response(200, content=self.operations[number]["lines"])


def levels_jsonl(levels: Mapping[str, int]) -> bytes:
    """One JSONL line per inventory item gid, with its `available` level at the location."""
    lines = [
        json.dumps(
            {
                "id": gid,
                "inventoryLevel": {"quantities": [{"name": "available", "quantity": quantity}]},
            }
        )
        for gid, quantity in levels.items()
    ]
    return "".join(line + "\n" for line in lines).encode()
