"""Bundles: a SKU's recipe (issue 17). A bundle row per SKU code, and its component rows.

`version` counts the recipe's changes and `changed_at` dates the last one, so an order can
keep the recipe it was taken with. The domain rules live in `ledger.bundles`.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from syncbot.store.models import Sku


class Bundle(Model):
    """A SKU sold as a set of other SKUs. It holds no stock of its own."""

    id = fields.BigIntField(primary_key=True)
    sku: fields.OneToOneRelation[Sku] = fields.OneToOneField(
        "syncbot.Sku", related_name="bundle", on_delete=fields.CASCADE
    )
    version = fields.IntField(default=1)
    changed_at = fields.DatetimeField()
    changed_by = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    sku_id: str
    components: fields.ReverseRelation[BundleComponent]

    class Meta:
        table = "bundle"


class BundleComponent(Model):
    """`quantity` units of the SKU `component` in one bundle of its recipe."""

    id = fields.BigIntField(primary_key=True)
    bundle: fields.ForeignKeyRelation[Bundle] = fields.ForeignKeyField(
        "syncbot.Bundle", related_name="components", on_delete=fields.CASCADE
    )
    component: fields.ForeignKeyRelation[Sku] = fields.ForeignKeyField(
        "syncbot.Sku", related_name="in_bundles", on_delete=fields.RESTRICT
    )
    quantity = fields.BigIntField()

    bundle_id: int
    component_id: str

    class Meta:
        table = "bundle_component"
        unique_together = (("bundle_id", "component_id"),)
        # "Which bundles hold this SKU": the refusal of a component as a bundle, and later
        # the re-plan of every bundle a changed component is in.
        indexes = (("component_id", "bundle_id"),)
