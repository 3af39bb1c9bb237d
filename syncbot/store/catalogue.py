"""The catalogue: SKUs and their reorder points."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tortoise.exceptions import IntegrityError

from syncbot.ledger import UnknownSku, ValidationError
from syncbot.ledger.limits import integer_problem, quoted
from syncbot.store import models
from syncbot.store.orders import apply_parked

# Printable, no spaces: SKUs appear in URLs, Slack commands and CSV files.
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/#+-]{0,127}$")


class SkuExists(ValidationError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"SKU {sku!r} already exists")
        self.sku = sku


def check_sku_code(code: str) -> str:
    if not _SKU.match(code):
        raise ValidationError(
            f"SKU {quoted(code)} is not valid: use up to 128 letters, digits and . _ / # + -, "
            "starting with a letter or digit"
        )
    return code


def check_reorder_point(reorder_point: int | None) -> int | None:
    if reorder_point is not None and reorder_point < 0:
        raise ValidationError(f"a reorder point cannot be negative, got {reorder_point}")
    problem = None if reorder_point is None else integer_problem(reorder_point, "reorder point")
    if problem is not None:  # the column is a BIGINT on every backend
        raise ValidationError(problem)
    return reorder_point


async def add_sku(code: str, name: str = "", reorder_point: int | None = None) -> models.Sku:
    check_sku_code(code)
    check_reorder_point(reorder_point)
    try:
        return await models.Sku.create(code=code, name=name, reorder_point=reorder_point)
    except IntegrityError as error:
        raise SkuExists(code) from error


async def add_sku_applying_parked(
    code: str, name: str = "", reorder_point: int | None = None
) -> tuple[models.Sku, int]:
    """Adds the SKU, then applies the order lines parked for it: the one way a SKU is added
    (by a person or by listing discovery). Answers the row and how many orders moved."""
    sku = await add_sku(code, name, reorder_point)
    return sku, await apply_parked(code)


async def get_sku(code: str) -> models.Sku:
    sku = await models.Sku.get_or_none(code=code)
    if sku is None:
        raise UnknownSku(code)
    return sku


async def list_skus() -> list[models.Sku]:
    return await models.Sku.all().order_by("code")


async def set_reorder_point(code: str, reorder_point: int | None) -> None:
    check_reorder_point(reorder_point)
    if not await models.Sku.filter(code=code).update(reorder_point=reorder_point):
        raise UnknownSku(code)


async def list_locations() -> list[str]:
    return [location.name for location in await models.Location.all().order_by("name")]


async def known_skus(codes: Iterable[str]) -> set[str]:
    """Those of `codes` that the catalogue holds."""
    found = await models.Sku.filter(code__in=list(codes)).values_list("code", flat=True)
    return {str(code) for code in found}


async def sku_exists(code: str) -> bool:
    return await models.Sku.exists(code=code)
