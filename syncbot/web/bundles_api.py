"""`/api/bundles`: bundles and their recipes, each with its availability per location.

Reading needs a viewer's token; setting or removing a recipe a manager's (a recipe decides
what every sale of the bundle will move)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from syncbot.app import bundles
from syncbot.app.roles import Role
from syncbot.ledger.bundles import (
    MAX_COMPONENT_QUANTITY,
    MAX_COMPONENTS,
    Availability,
    BundleStock,
    Component,
)
from syncbot.web.auth import AUTH_RESPONSES, Access, Caller
from syncbot.web.errors import responses
from syncbot.web.fields import SkuCode, SkuInPath


class ComponentIn(BaseModel):
    sku: SkuCode
    quantity: int = Field(ge=1, le=MAX_COMPONENT_QUANTITY)
    """Units of this SKU in one bundle."""


class RecipeRequest(BaseModel):
    components: list[ComponentIn] = Field(min_length=1, max_length=MAX_COMPONENTS)
    """Plain SKUs (not bundles), each once."""
    add: bool = False
    """Add the bundle's SKU to the catalogue when it is not there yet, rather than 404."""


class ComponentOut(BaseModel):
    sku: str
    quantity: int


class LimitOut(BaseModel):
    sku: str
    """The component that limits the bundle here."""
    available: int
    per_bundle: int


class BundleLocationOut(BaseModel):
    location: str
    available: int
    """min over components of ⌊available / quantity⌋, never below zero."""
    incoming: int
    """How many more bundles the components' incoming units would make."""
    limited_by: LimitOut
    explanation: str
    """As "3, limited by MUG-1: 7 available / 2"."""

    @classmethod
    def of(cls, place: str, figure: Availability) -> BundleLocationOut:
        limit = figure.limited_by
        return cls(
            location=place,
            available=figure.available,
            incoming=figure.incoming,
            limited_by=LimitOut(
                sku=limit.sku, available=limit.available, per_bundle=limit.per_bundle
            ),
            explanation=figure.explain(),
        )


class BundleStockOut(BaseModel):
    """A bundle's availability; it holds no stock of its own. The totals are sums over
    locations: units at two locations never make a bundle together."""

    available: int
    incoming: int
    locations: list[BundleLocationOut]

    @classmethod
    def of(cls, stock: BundleStock) -> BundleStockOut:
        return cls(
            available=stock.available,
            incoming=stock.incoming,
            locations=[BundleLocationOut.of(p, f) for p, f in stock.locations.items()],
        )


class BundleOut(BaseModel):
    bundle: str
    components: list[ComponentOut]
    version: int
    """1 when first set, one more at each change."""
    changed_at: datetime
    changed_by: str
    stock: BundleStockOut

    @classmethod
    def of(cls, stored: bundles.StoredRecipe, stock: BundleStock | None) -> BundleOut:
        recipe = stored.recipe
        return cls(
            bundle=recipe.bundle,
            components=[ComponentOut(sku=c.sku, quantity=c.quantity) for c in recipe.components],
            version=stored.version,
            changed_at=stored.changed_at,
            changed_by=stored.changed_by,
            stock=BundleStockOut.of(stock or BundleStock(recipe, {})),
        )


def bundles_router(access: Access) -> APIRouter:
    router = APIRouter(
        prefix="/api",
        tags=["bundles"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )
    manager = access.require(Role.MANAGER)

    @router.get("/bundles")
    async def list_bundles() -> list[BundleOut]:
        """Every bundle by code, with its recipe and availability."""
        stored = await bundles.list_recipes()
        stock = await bundles.availability()
        return [BundleOut.of(one, stock.get(one.recipe.bundle)) for one in stored]

    @router.get("/bundles/{bundle:path}", responses=responses(404))
    async def get_bundle(bundle: SkuInPath) -> BundleOut:
        """One bundle's recipe and availability; 404 an unknown SKU or one that is not a
        bundle."""
        stored = await bundles.show(bundle)
        return BundleOut.of(stored, await bundles.stock_of(bundle))

    @router.put("/bundles/{bundle:path}", responses=responses(400, 403, 404, 409))
    async def put_bundle(
        bundle: SkuInPath,
        body: RecipeRequest,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
    ) -> BundleOut:
        """Gives the SKU this recipe, replacing any it had (its version moves on by one).
        404 an unknown SKU (unless `add`); 409 the SKU holds stock of its own; 422 a
        component listed twice, the bundle itself, a bundle as a component, or a SKU that
        is a component of another bundle. Order lines parked for the bundle are then
        applied through the recipe. Channel sync of bundles is not built yet."""
        parts = [Component(part.sku, part.quantity) for part in body.components]
        done = await bundles.set_recipe(bundle, parts, caller.actor, add=body.add)
        return BundleOut.of(done.stored, await bundles.stock_of(bundle))

    @router.delete("/bundles/{bundle:path}", responses=responses(403, 404))
    async def delete_bundle(
        bundle: SkuInPath,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
    ) -> BundleOut:
        """Removes the recipe (the SKU stays, a plain SKU again) and answers what it
        was; 404 an unknown SKU or one that is not a bundle."""
        stored = await bundles.remove(bundle)
        return BundleOut.of(stored, None)

    return router
