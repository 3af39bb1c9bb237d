"""What every storefront's typed payloads share: ids, counts, and one way to word a shape error.

Each storefront's models (connectors/<store>/payloads.py) are pydantic v2 models that
ignore unknown fields and accept null where the storefront sends it. `read` validates a
decoded document against one and turns the first problem into a MalformedDelivery that
names its path, "fulfillments.0: expected an object, got 1", so a shape error is final
with a readable reason instead of an AttributeError three calls deep.

What the store cannot hold in a line (a SKU over 128 characters or with a NUL, a huge
quantity) is not a shape error: those pass through, and intake parks the line with its
reason. Only ids are bounded here, as an order or line id the store cannot key on leaves
nothing to park the line under.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError

from connectors.base import MalformedDelivery
from syncbot.ledger.limits import MAX_LINE_ID_LENGTH, MAX_ORDER_ID_LENGTH

Model = TypeVar("Model", bound=BaseModel)
Item = TypeVar("Item")
MAX_ID_LENGTH = min(MAX_ORDER_ID_LENGTH, MAX_LINE_ID_LENGTH)

Count = Annotated[int, Strict(), Field(ge=0)]
"""A whole number of units, >= 0; true/false and "2" are not counts."""
Whole = Annotated[int, Strict()]
"""A whole number of either sign (WooCommerce refund lines are negative)."""


class Payload(BaseModel):
    """Base of every storefront model: unknown fields ignored, nothing coerced silently."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _null_is_empty(value: object) -> object:
    return () if value is None else value


ListOf = Annotated[tuple[Item, ...], BeforeValidator(_null_is_empty)]
"""A list that storefronts sometimes send as null: null reads as empty."""


def plain_id(value: object) -> object:
    """123 and "123" are the id "123"; within the store's 64-character limit."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected an id (a number or a numeric string), got {shown(value)}")
    text = str(value).strip()
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"expected an id (a number or a numeric string), got {shown(value)}")
    text = str(int(text))
    if len(text) > MAX_ID_LENGTH:
        raise ValueError(
            f"an id of {len(text)} digits is over the store's limit of {MAX_ID_LENGTH}"
        )
    return text


PlainId = Annotated[str, BeforeValidator(plain_id)]


def decode(body: bytes, what: str) -> Any:
    """The JSON in a body; junk, or nesting too deep to read, is MalformedDelivery."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        detail = "nested too deeply" if isinstance(error, RecursionError) else str(error)[:200]
        raise MalformedDelivery(f"the {what} body is not JSON syncbot can read: {detail}") from None


def read(model: type[Model], document: object, what: str) -> Model:
    """`document` as `model`, or a MalformedDelivery naming the first field that is wrong."""
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise MalformedDelivery(f"{what}: {shape_problem(error)}") from None
    except RecursionError:
        raise MalformedDelivery(f"{what}: nested too deeply to read") from None


_EXPECTED = {
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dict_type": "an object",
    "list_type": "a list",
    "tuple_type": "a list",
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}


def shape_problem(error: ValidationError) -> str:
    """The first problem as `path: what was wrong`, quoting at most 80 characters."""
    first = error.errors(include_url=False)[0]
    location = [str(part) for part in first["loc"]]
    kind = first["type"]
    if kind == "missing":
        where = ".".join(location[:-1])
        problem = f"{location[-1]!r} is missing"
        return f"{where}: {problem}" if where else problem
    path = ".".join(location) or "the document"
    if kind in _EXPECTED:
        return f"{path}: expected {_EXPECTED[kind]}, got {shown(first['input'])}"
    if kind == "greater_than_equal":
        return f"{path}: expected a whole number >= 0, got {shown(first['input'])}"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{path}: {message}"


def shown(value: object) -> str:
    try:
        text = json.dumps(value, default=repr) if not isinstance(value, str) else repr(value)
    except (ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 80 else text[:80] + "…"
