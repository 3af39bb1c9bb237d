"""Shopify payloads for the connector's tests: the order and refund builders live in the
package (connectors.shopify.order_shapes, shared with the demo's emulator); here are the
respx answers of the Admin GraphQL API the tests queue by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from connectors.shopify.order_shapes import (
    EAST_LOCATION,
    MAIN_LOCATION,
    SHOP,
    UNMAPPED_LOCATION,
    Fulfillment,
    Line,
    Order,
    Refund,
    graphql_order,
    rest_order,
    rest_refund,
    utc,
)

__all__ = [
    "EAST_LOCATION",
    "MAIN_LOCATION",
    "SHOP",
    "UNMAPPED_LOCATION",
    "AdminApi",
    "Fulfillment",
    "Line",
    "Order",
    "Refund",
    "answer",
    "graphql_order",
    "rest_order",
    "rest_refund",
    "utc",
]


def answer(
    data: dict[str, Any], *, requested: int = 10, available: float = 1990.0
) -> httpx.Response:
    """A 200 from the Admin GraphQL API, with extensions.cost as Shopify sends it."""
    return httpx.Response(
        200,
        json={
            "data": data,
            "extensions": {
                "cost": {
                    "requestedQueryCost": requested,
                    "actualQueryCost": requested,
                    "throttleStatus": {
                        "maximumAvailable": 2000.0,
                        "currentlyAvailable": available,
                        "restoreRate": 100.0,
                    },
                }
            },
        },
    )


Reply = dict[str, Any] | httpx.Response | Callable[[dict[str, Any]], Any]


class AdminApi:
    """The Admin GraphQL endpoint for respx: answers each document from its own queue.

    `on(DOCUMENT, reply, ...)` queues replies (a `data` dict, a Response, or a function of
    the variables returning either); the last reply repeats. Every call is recorded.
    """

    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def on(self, document: str, *replies: Reply) -> None:
        self.replies[document] = list(replies)

    def variables(self, document: str) -> list[dict[str, Any]]:
        return [variables for sent, variables in self.calls if sent == document]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content)
        document, variables = payload["query"], payload.get("variables") or {}
        self.calls.append((document, variables))
        queue = self.replies[document]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(reply):
            reply = reply(variables)
        return reply if isinstance(reply, httpx.Response) else answer(reply)
