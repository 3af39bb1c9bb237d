"""Field types for the HTTP edge: each refuses, with a 422 naming the limit, what the store
could not hold, so no request reaches the database with a value it would refuse.

The limits come from `syncbot.ledger.limits`; the OpenAPI description states them too
(maxLength, no NUL, minimum, maximum), so a client can know them before it sends anything.
The length is checked by `text_problem`, whose message quotes at most 80 characters of
what was sent, rather than by pydantic's `max_length`, which would not say what was sent.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Path, Query
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from syncbot.ledger import limits

Text = TypeVar("Text", str, str | None)


def stored(field: str, max_length: int) -> AfterValidator:
    def check(value: Text) -> Text:
        problem = None if value is None else limits.text_problem(value, field, max_length)
        if problem is not None:
            raise PydanticCustomError("store_limit", problem)
        return value

    return AfterValidator(check)


def documented(max_length: int) -> dict[str, Any]:
    return {"maxLength": max_length, "pattern": "^[^\\x00]*$"}


_SKU, _LOCATION, _CHANNEL = (
    limits.MAX_SKU_LENGTH,
    limits.MAX_LOCATION_LENGTH,
    limits.MAX_CHANNEL_LENGTH,
)
_REASON, _DOCUMENT = limits.MAX_REASON_LENGTH, limits.MAX_DOCUMENT_LENGTH

SkuCode = Annotated[
    str, Field(min_length=1, json_schema_extra=documented(_SKU)), stored("sku", _SKU)
]
LocationName = Annotated[
    str,
    Field(min_length=1, json_schema_extra=documented(_LOCATION)),
    stored("location", _LOCATION),
]
ToLocation = Annotated[
    str,
    Field(min_length=1, json_schema_extra=documented(_LOCATION)),
    stored("to_location", _LOCATION),
]
Reason = Annotated[str, Field(json_schema_extra=documented(_REASON)), stored("reason", _REASON)]
Document = Annotated[
    str, Field(json_schema_extra=documented(_DOCUMENT)), stored("document", _DOCUMENT)
]

# Not min_length=1: the router's `$` matches before a final line break, so the path
# /api/stock/%0A arrives as an empty SKU, which is answered as unknown (404), not 422.
SkuInPath = Annotated[
    str, Path(json_schema_extra={"minLength": 1, **documented(_SKU)}), stored("sku", _SKU)
]
SkuInQuery = Annotated[
    str | None, Query(min_length=1, json_schema_extra=documented(_SKU)), stored("sku", _SKU)
]
ChannelInPath = Annotated[
    str,
    Path(min_length=1, json_schema_extra=documented(_CHANNEL)),
    stored("channel", _CHANNEL),
]
ChannelInQuery = Annotated[
    str | None,
    Query(min_length=1, json_schema_extra=documented(_CHANNEL)),
    stored("channel", _CHANNEL),
]

# A path id beyond BIGINT can name no row: 422 here, rather than an overflow in the driver.
MovementId = Annotated[int, Path(ge=1, le=limits.MAX_BIGINT)]
DeliveryId = Annotated[int, Path(ge=1, le=limits.MAX_BIGINT)]
