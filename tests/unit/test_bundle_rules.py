"""Bundles in the pure domain: the rules of a recipe, availability and explosion."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncbot.ledger import Quantities
from syncbot.ledger.bundles import (
    MAX_COMPONENT_QUANTITY,
    MAX_COMPONENTS,
    BundleError,
    Component,
    NestedBundle,
    Recipe,
    availability,
    bundle_stock,
    explode,
    parse_component,
    recipe,
)

codes = st.text(alphabet="ABCDEFGH-1234", min_size=1, max_size=6)
quantities = st.integers(min_value=1, max_value=50)
recipes: st.SearchStrategy[Recipe] = st.dictionaries(codes, quantities, min_size=1, max_size=6).map(
    lambda parts: recipe("KIT", [Component(code, qty) for code, qty in parts.items() if code])
)


class TestRecipeRules:
    def test_components_are_sorted_by_code(self) -> None:
        """A recipe lists its components in SKU order, whatever order they were given in."""
        made = recipe("KIT", [Component("TEE-1", 1), Component("MUG-1", 2)])
        assert str(made) == "MUG-1:2 TEE-1:1"

    def test_an_empty_recipe_is_refused(self) -> None:
        with pytest.raises(BundleError, match="at least one component"):
            recipe("KIT", [])

    def test_a_bundle_cannot_contain_itself(self) -> None:
        with pytest.raises(NestedBundle, match="cannot contain itself"):
            recipe("KIT", [Component("KIT", 1)])

    def test_a_bundle_inside_a_bundle_is_refused(self) -> None:
        """Components are plain SKUs: naming another bundle is refused."""
        with pytest.raises(NestedBundle, match="'GIFT' is a bundle itself"):
            recipe("KIT", [Component("GIFT", 1), Component("MUG-1", 1)], bundles={"GIFT"})

    def test_a_component_cannot_become_a_bundle(self) -> None:
        """A SKU inside a bundle turned into a bundle would nest, or close a cycle."""
        with pytest.raises(NestedBundle, match="component of the bundle"):
            recipe("MUG-1", [Component("TEE-1", 1)], contained_in={"KIT"})

    @pytest.mark.parametrize("quantity", [0, -1, MAX_COMPONENT_QUANTITY + 1])
    def test_quantities_are_bounded(self, quantity: int) -> None:
        with pytest.raises(BundleError, match="must be from 1"):
            recipe("KIT", [Component("MUG-1", quantity)])

    def test_a_component_listed_twice_is_refused(self) -> None:
        with pytest.raises(BundleError, match="listed twice"):
            recipe("KIT", [Component("MUG-1", 1), Component("MUG-1", 2)])

    def test_too_many_components_are_refused(self) -> None:
        many = [Component(f"P{n}", 1) for n in range(MAX_COMPONENTS + 1)]
        with pytest.raises(BundleError, match="over the limit"):
            recipe("KIT", many)

    def test_a_component_is_written_sku_colon_quantity(self) -> None:
        """The last colon separates, so a code holding a colon still parses."""
        assert parse_component("A:B:3") == Component("A:B", 3)
        with pytest.raises(BundleError, match="SKU:QTY"):
            parse_component("MUG-1")
        with pytest.raises(BundleError, match="not a whole number"):
            parse_component("MUG-1:two")


class TestAvailability:
    def test_the_limiting_component_explains_the_figure(self) -> None:
        made = recipe("KIT", [Component("MUG-1", 2), Component("TEE-1", 1)])
        stock = {"MUG-1": Quantities(available=7), "TEE-1": Quantities(available=10)}
        assert availability(made, stock).explain() == "3, limited by MUG-1: 7 available / 2"

    def test_a_missing_component_makes_none(self) -> None:
        made = recipe("KIT", [Component("MUG-1", 2), Component("TEE-1", 1)])
        result = availability(made, {"MUG-1": Quantities(available=7)})
        assert result.explain() == "0, limited by TEE-1: 0 available / 1"

    def test_an_oversold_component_gives_zero_not_a_negative(self) -> None:
        made = recipe("KIT", [Component("MUG-1", 2)])
        result = availability(made, {"MUG-1": Quantities(available=-3)})
        assert result.available == 0
        assert result.explain() == "0, limited by MUG-1: -3 available / 2"

    def test_incoming_counts_the_bundles_receipts_would_add(self) -> None:
        """4 mugs and 6 incoming make 5 bundles of 2 once in: 2 now, 3 more incoming."""
        made = recipe("KIT", [Component("MUG-1", 2), Component("TEE-1", 1)])
        stock = {
            "MUG-1": Quantities(available=4, incoming=6),
            "TEE-1": Quantities(available=9),
        }
        result = availability(made, stock)
        assert (result.available, result.incoming) == (2, 3)

    def test_locations_do_not_pool(self) -> None:
        """A mug at one warehouse and a tee at another make no set: the total is zero."""
        made = recipe("KIT", [Component("MUG-1", 1), Component("TEE-1", 1)])
        stock = {
            "east": {"MUG-1": Quantities(available=5)},
            "west": {"TEE-1": Quantities(available=5)},
        }
        result = bundle_stock(made, stock)
        assert sorted(result.locations) == ["east", "west"]
        assert result.available == 0

    @given(
        recipes,
        st.dictionaries(codes, st.integers(min_value=-20, max_value=500)),
    )
    def test_never_promises_more_than_a_component_holds(
        self, made: Recipe, held: dict[str, int]
    ) -> None:
        """available × per-bundle ≤ component available, for every component not oversold;
        and one more bundle would exceed some component."""
        stock = {code: Quantities(available=units) for code, units in held.items()}
        result = availability(made, stock)
        assert result.available >= 0
        for component in made.components:
            units = held.get(component.sku, 0)
            if units >= 0:
                assert result.available * component.quantity <= units
        assert any(
            (result.available + 1) * component.quantity > held.get(component.sku, 0)
            for component in made.components
        )


class TestExplode:
    def test_a_line_becomes_its_components(self) -> None:
        made = recipe("KIT", [Component("MUG-1", 2), Component("TEE-1", 1)])
        assert explode(made, 3) == (Component("MUG-1", 6), Component("TEE-1", 3))

    @pytest.mark.parametrize("quantity", [0, -2, True])
    def test_a_line_quantity_must_be_positive(self, quantity: int) -> None:
        made = recipe("KIT", [Component("MUG-1", 2)])
        with pytest.raises(BundleError):
            explode(made, quantity)

    @given(recipes, st.integers(min_value=1, max_value=1000), st.integers(1, 1000))
    def test_exploding_is_exact_and_additive(self, made: Recipe, first: int, second: int) -> None:
        """Two lines exploded and summed move what one line of both quantities moves, and
        each component moves exactly quantity × its per-bundle units."""
        both = {c.sku: c.quantity for c in explode(made, first + second)}
        summed: dict[str, int] = {}
        for part in (*explode(made, first), *explode(made, second)):
            summed[part.sku] = summed.get(part.sku, 0) + part.quantity
        assert both == summed
        for component in made.components:
            assert both[component.sku] == component.quantity * (first + second)
