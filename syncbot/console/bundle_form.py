"""The recipe form, as typed: its values, the errors a refusal put beside its fields, and
how a refusal of `bundles.set_recipe` maps onto those fields.

The components are typed one per line as `SKU:QTY` (the CLI's words), so a recipe of any
length is one accessible textarea rather than rows a script would have to add.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from syncbot.app import bundles
from syncbot.ledger import LedgerError, UnknownSku
from syncbot.ledger.bundles import MAX_COMPONENTS, BundleError, BundleHoldsStock, Component

MAX_TEXT = 20_000
"""Characters in the components box: MAX_COMPONENTS lines of long codes fit."""


@dataclass(frozen=True)
class BundleForm:
    """`bundle` (the code, typed on the Bundles page), `components` (the textarea's text),
    `add` (add the SKU to the catalogue when it is missing) and `errors` by field name."""

    bundle: str = ""
    components: str = ""
    add: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, stored: bundles.StoredRecipe | None) -> BundleForm:
        """The form filled with the stored recipe, one component a line (empty for none)."""
        if stored is None:
            return cls()
        lines = "\n".join(str(part) for part in stored.recipe.components)
        return cls(stored.recipe.bundle, lines)

    def refused(self, name: str, message: str) -> BundleForm:
        return BundleForm(self.bundle, self.components, self.add, {**self.errors, name: message})


def components_of(form: BundleForm) -> list[Component] | BundleForm:
    """The typed components, or the form refused with an error beside the components."""
    if len(form.components) > MAX_TEXT:
        return form.refused("components", f"the components are over {MAX_TEXT} characters long")
    lines = [line.strip() for line in form.components.splitlines() if line.strip()]
    if len(lines) > MAX_COMPONENTS:
        return form.refused(
            "components", f"{len(lines)} components: a bundle has at most {MAX_COMPONENTS}"
        )
    try:
        return bundles.parse_components(lines)
    except BundleError as refusal:
        return form.refused("components", str(refusal))


def refusal_field(form: BundleForm, refusal: LedgerError) -> str:
    """The field a refusal of the recipe belongs beside: the bundle's code for what is
    wrong with the bundle itself, the components for the rest."""
    if isinstance(refusal, UnknownSku):
        return "bundle" if refusal.sku == form.bundle else "components"
    if isinstance(refusal, BundleHoldsStock) or not isinstance(refusal, BundleError):
        return "bundle"  # its own stock, or a code the catalogue refuses (`add`)
    return "components"
