"""What every connector's contract harness provides, and the stories the suite tells.

A harness stands one storefront up behind its real connector: the storefront's HTTP is
mocked with respx (the fake connector needs none), its payloads are in the storefront's
documented shapes, and it is signed with a dummy secret. The suite in test_contract.py
asks only for what is written here, so a fourth storefront is a module plus a harness.

Every story is told about one order of SKU_A × 2 and SKU_B × 1 at location "main":

- "new":               created
- "partial":           created, then SKU_A fulfilled 1 of 2
- "cancel":            created, then cancelled before anything shipped
- "refund_restock":    created, fulfilled in full, then 1 × SKU_A refunded and restocked
- "refund_no_restock": created, fulfilled in full, then 1 × SKU_A refunded, not restocked

A storefront that cannot express a story (WooCommerce core has no partial fulfilment)
names it in `unsupported` with the reason; the suite skips it and says why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx
import respx

from connectors.base import Connector

SKU_A = "CT-A"
SKU_B = "CT-B"
STORIES = ("new", "partial", "cancel", "refund_restock", "refund_no_restock")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Signed:
    """One webhook delivery exactly as the storefront sends it."""

    body: bytes
    headers: Mapping[str, str]


class Harness(Protocol):
    kind: str
    signature_header: str
    """The header that carries the signature; the suite removes it and tampers with it."""
    unsupported: Mapping[str, str]
    """Stories this storefront cannot express, with the reason."""

    def build(self, http: httpx.AsyncClient, router: respx.MockRouter, sleep: Sleep) -> Connector:
        """The real connector for a channel named "contract", its HTTP mocked on `router`
        (a respx router already active over `http`), every wait it makes going to `sleep`."""
        ...

    def story(self, name: str) -> Iterator[Signed]:
        """The signed deliveries of a story, in order. A storefront whose webhooks carry
        only ids (BigCommerce) sets what its mocked API answers before yielding each step,
        and the suite parses each delivery before asking for the next."""
        ...

    def seed_orders(self, count: int) -> None:
        """`count` orders updated one second apart, more than one page of catch-up."""
        ...

    def seed_listings(self, skus: list[str]) -> None:
        """Listings in the storefront, one per entry; a repeated SKU is listed twice,
        under different ids. Each starts with a sellable quantity of 0."""
        ...

    def fail_item(self, sku: str) -> None:
        """The storefront refuses the next write of this listing, and only this one."""
        ...

    def throttle_next(self, retry_after: float) -> None:
        """The next request answers 429 with Retry-After (or the storefront's own form
        of it); the connector must wait at least that long through `sleep`, then retry."""
        ...

    def level(self, inventory_id: str) -> int:
        """The sellable quantity the storefront now holds for an inventory id."""
        ...

    @property
    def write_calls(self) -> int:
        """Requests that wrote levels so far (not reads)."""
        ...
