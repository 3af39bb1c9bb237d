"""Every Shopify document is valid against the real Admin schema, and affordable.

The schema is the committed subset `shopify_schema/admin-2026-07.subset.graphql`: the part
of `../shared/shopify-admin-schema/admin-2026-07.graphql` (the SDL of a live introspection,
the newest public one; syncbot targets 2026-10, and nothing it uses differs) that the
documents reach, made by `shopify_schema/make_subset.py`. Every clone runs these tests.
It declares `directive @idempotent(key: String!) on FIELD`, so the push mutation validates
with its directive as written: nothing is added to the schema or removed from the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    build_schema,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from connectors.shopify import documents, subscriptions
from connectors.shopify.documents import (
    INVENTORY_LEVELS,
    INVENTORY_SET_QUANTITIES,
    MAX_INPUT_ITEMS,
    ORDERS_PAGE_SIZE,
    ORDERS_UPDATED_SINCE,
    SetQuantity,
    inventory_set_quantities_variables,
    updated_since,
)
from connectors.shopify.subscriptions import (
    TOPICS,
    WEBHOOK_SUBSCRIPTION_CREATE,
    WEBHOOK_SUBSCRIPTION_DELETE,
    WEBHOOK_SUBSCRIPTION_UPDATE,
    WEBHOOK_SUBSCRIPTIONS,
    create_variables,
    update_variables,
)

SCHEMA_PATH = Path(__file__).resolve().parent / "shopify_schema/admin-2026-07.subset.graphql"
REGENERATE = "python tests/connectors/shopify_schema/make_subset.py"

# Every upper-case str in documents.py and subscriptions.py is a document: a new one is
# checked without a list.
DOCUMENTS = {
    name: value
    for module in (documents, subscriptions)
    for name, value in vars(module).items()
    if name.isupper() and isinstance(value, str)
}
WORST_CASE_COST = {**documents.WORST_CASE_COST, **subscriptions.WORST_CASE_COST}

# Variables that size each document's worst case: the sizes the connector sends.
WORST_CASE_VARIABLES: dict[str, dict[str, Any]] = {
    "ORDERS_UPDATED_SINCE": {"first": ORDERS_PAGE_SIZE},
    "INVENTORY_LEVELS": {"inventoryItemIds": ["gid://shopify/InventoryItem/1"] * MAX_INPUT_ITEMS},
}
SINGLE_QUERY_LIMIT = 1000  # Shopify refuses any query whose requested cost exceeds this


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    """The subset of the Admin schema that the documents reach, committed with the tests."""
    return build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


def operation(document: str) -> OperationDefinitionNode:
    (definition,) = parse(document).definitions
    assert isinstance(definition, OperationDefinitionNode)
    return definition


def test_the_documents_are_collected() -> None:
    """The collection finds every document the connector sends."""
    assert set(DOCUMENTS) == {
        "SHOP",
        "ORDERS_UPDATED_SINCE",
        "PRODUCT_VARIANTS",
        "INVENTORY_LEVELS",
        "INVENTORY_SET_QUANTITIES",
        "WEBHOOK_SUBSCRIPTIONS",
        "WEBHOOK_SUBSCRIPTION_CREATE",
        "WEBHOOK_SUBSCRIPTION_UPDATE",
        "WEBHOOK_SUBSCRIPTION_DELETE",
    }


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_is_valid_against_the_admin_schema(schema: GraphQLSchema, name: str) -> None:
    """Each document parses and validates: every field, argument and directive exists."""
    document: DocumentNode = parse(DOCUMENTS[name])
    errors = [error.message for error in validate(schema, document)]
    assert errors == [], f"{errors}: if the document changed on purpose, run {REGENERATE}"


def test_validation_catches_what_shopify_removed(schema: GraphQLSchema) -> None:
    """ignoreCompareQuantity (gone in 2026-04) fails validation: the check above can fail."""
    stale = INVENTORY_SET_QUANTITIES.replace(
        "reason: $reason", "reason: $reason, ignoreCompareQuantity: true"
    )
    (error,) = validate(schema, parse(stale))
    assert "ignoreCompareQuantity" in error.message


def test_the_push_carries_the_idempotent_directive(schema: GraphQLSchema) -> None:
    """inventorySetQuantities carries @idempotent(key: $idempotencyKey), declared in the SDL."""
    assert schema.get_directive("idempotent") is not None
    (field,) = operation(INVENTORY_SET_QUANTITIES).selection_set.selections
    assert isinstance(field, FieldNode)
    (directive,) = field.directives
    (argument,) = directive.arguments
    assert directive.name.value == "idempotent"
    assert isinstance(argument.value, VariableNode)
    assert argument.value.name.value == "idempotencyKey"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_costs_what_its_comment_says(schema: GraphQLSchema, name: str) -> None:
    """Worst-case cost by Shopify's formula equals WORST_CASE_COST and fits one query."""
    document = DOCUMENTS[name]
    cost = worst_case_cost(schema, document, WORST_CASE_VARIABLES.get(name, {}))
    assert WORST_CASE_COST[document] == cost
    assert cost <= SINGLE_QUERY_LIMIT


def test_the_cost_formula_matches_shopifys_worked_example(schema: GraphQLSchema) -> None:
    """products(10) { variants(5) }: 2 + 10 × (1 + 2 + 5 × 1) = 82, as Shopify computes."""
    example = "{ products(first: 10) { nodes { title variants(first: 5) { nodes { price } } } } }"
    assert worst_case_cost(schema, example, {}) == 82


class TestVariables:
    def test_push_variables_match_the_mutation(self, schema: GraphQLSchema) -> None:
        """The variables helper builds input the schema accepts, for 250 quantities."""
        quantities = [
            SetQuantity(f"gid://shopify/InventoryItem/{n}", "gid://shopify/Location/1", n, n + 1)
            for n in range(MAX_INPUT_ITEMS)
        ]
        variables = inventory_set_quantities_variables(
            quantities,
            reason="correction",
            reference_document_uri="gid://syncbot/Push/42",
            idempotency_key="push-42-1",
        )
        assert_variables_fit(schema, INVENTORY_SET_QUANTITIES, variables)

    def test_change_from_quantity_is_sent_even_when_null(self) -> None:
        """A skipped compare-and-set is an explicit null: an absent key is rejected."""
        variables = inventory_set_quantities_variables(
            [SetQuantity("gid://shopify/InventoryItem/1", "gid://shopify/Location/1", 5, None)],
            reason="correction",
            reference_document_uri="gid://syncbot/Push/42",
            idempotency_key="push-42-1",
        )
        assert variables["quantities"][0]["changeFromQuantity"] is None
        assert "changeFromQuantity" in variables["quantities"][0]

    @pytest.mark.parametrize("count", [0, MAX_INPUT_ITEMS + 1])
    def test_a_push_holds_1_to_250_quantities(self, count: int) -> None:
        """Shopify caps input arrays at 250; an empty push is a bug upstream."""
        quantity = SetQuantity("gid://shopify/InventoryItem/1", "gid://shopify/Location/1", 1, 0)
        with pytest.raises(ValueError, match="1 to 250"):
            inventory_set_quantities_variables(
                [quantity] * count,
                reason="correction",
                reference_document_uri="u",
                idempotency_key="k",
            )

    def test_a_push_needs_an_idempotency_key(self) -> None:
        """A blank key would be refused by Shopify; it is refused here first."""
        quantity = SetQuantity("gid://shopify/InventoryItem/1", "gid://shopify/Location/1", 1, 0)
        with pytest.raises(ValueError, match="idempotency key"):
            inventory_set_quantities_variables(
                [quantity], reason="correction", reference_document_uri="u", idempotency_key=" "
            )

    @pytest.mark.parametrize("topic", TOPICS)
    def test_subscription_variables_match_the_mutations(
        self, schema: GraphQLSchema, topic: str
    ) -> None:
        """Every topic syncbot subscribes to is a WebhookSubscriptionTopic; the input fits."""
        address = "https://stock.example.com/webhooks/shop"
        assert_variables_fit(schema, WEBHOOK_SUBSCRIPTION_CREATE, create_variables(topic, address))
        gid = "gid://shopify/WebhookSubscription/1"
        assert_variables_fit(schema, WEBHOOK_SUBSCRIPTION_UPDATE, update_variables(gid, address))
        assert_variables_fit(schema, WEBHOOK_SUBSCRIPTION_DELETE, {"id": gid})
        topics = [create_variables(topic, address)["topic"]]
        assert_variables_fit(schema, WEBHOOK_SUBSCRIPTIONS, {"after": None, "topics": topics})

    def test_a_topic_the_schema_lacks_fails_the_check(self, schema: GraphQLSchema) -> None:
        """orders/shipped is no Shopify topic: the variables check above can fail."""
        variables = create_variables("orders/shipped", "https://stock.example.com/webhooks/shop")
        with pytest.raises(AssertionError):
            assert_variables_fit(schema, WEBHOOK_SUBSCRIPTION_CREATE, variables)

    def test_catch_up_variables_match_the_query(self, schema: GraphQLSchema) -> None:
        """A catch-up page's variables fit ORDERS_UPDATED_SINCE."""
        since = datetime(2026, 11, 1, 12, tzinfo=UTC)
        variables = {"first": ORDERS_PAGE_SIZE, "after": None, "query": updated_since(since)}
        assert_variables_fit(schema, ORDERS_UPDATED_SINCE, variables)

    def test_level_variables_match_the_query(self, schema: GraphQLSchema) -> None:
        """250 inventory item ids and a location fit INVENTORY_LEVELS."""
        variables = {**WORST_CASE_VARIABLES["INVENTORY_LEVELS"], "locationId": "gid://x/1"}
        assert_variables_fit(schema, INVENTORY_LEVELS, variables)

    def test_the_catch_up_filter_is_inclusive_and_in_utc(self) -> None:
        """updated_at:>= with a quoted UTC time: nothing updated in the cursor's second is lost."""
        since = datetime(2026, 11, 1, 14, 30, 5, 999, tzinfo=timezone(timedelta(hours=2)))
        assert updated_since(since) == "updated_at:>='2026-11-01T12:30:05Z'"

    def test_the_catch_up_cursor_must_carry_a_zone(self) -> None:
        """A naive cursor would be read in an unknown zone: refused."""
        with pytest.raises(ValueError, match="timezone"):
            updated_since(datetime(2026, 11, 1, 12))


def assert_variables_fit(schema: GraphQLSchema, document: str, variables: dict[str, Any]) -> None:
    coerced = get_variable_values(schema, operation(document).variable_definitions, variables)
    assert isinstance(coerced, dict), [str(error) for error in coerced]


def worst_case_cost(schema: GraphQLSchema, document: str, variables: Mapping[str, Any]) -> int:
    """Shopify's documented formula: scalar 0, object 1, connection 2 + first × node, list
    first (or its ids' count) × element, mutation field 10. A list with no size counts once.
    """
    definition = operation(document)
    if definition.operation == OperationType.MUTATION:
        root = schema.mutation_type
        assert root is not None
        total = 0
        for field in definition.selection_set.selections:
            assert isinstance(field, FieldNode)
            payload = get_named_type(root.fields[field.name.value].type)
            total += 10 + _selection_cost(schema, payload, field.selection_set, variables)
        return total
    return _selection_cost(schema, schema.query_type, definition.selection_set, variables)


def _selection_cost(
    schema: GraphQLSchema,
    parent: GraphQLNamedType | None,
    selection_set: SelectionSetNode | None,
    variables: Mapping[str, Any],
) -> int:
    if selection_set is None or parent is None:
        return 0
    fields, fragments = 0, [0]
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            assert selection.type_condition is not None
            fragment_type = schema.get_type(selection.type_condition.name.value)
            fragments.append(
                _selection_cost(schema, fragment_type, selection.selection_set, variables)
            )
        elif isinstance(selection, FieldNode):
            fields += _field_cost(schema, parent, selection, variables)
    return fields + max(fragments)  # only one fragment applies to a given object


def _field_cost(
    schema: GraphQLSchema, parent: GraphQLNamedType, node: FieldNode, variables: Mapping[str, Any]
) -> int:
    definition = parent.fields[node.name.value]  # type: ignore[attr-defined]
    named = get_named_type(definition.type)
    if is_leaf_type(named) or node.name.value == "pageInfo":
        return 0  # pageInfo is part of the connection's own 2 points
    sizes = {argument.name.value: _size(argument.value, variables) for argument in node.arguments}
    first = sizes.pop("first", None)
    if named.name.endswith("Connection"):
        assert isinstance(named, GraphQLObjectType)
        assert node.selection_set is not None
        node_type = get_named_type(named.fields["nodes"].type)
        (per_node,) = (  # house style: connections select `nodes`, not `edges { node }`
            1 + _selection_cost(schema, node_type, child.selection_set, variables)
            for child in node.selection_set.selections
            if isinstance(child, FieldNode) and child.name.value == "nodes"
        )
        assert first is not None, f"{node.name.value} needs first:"
        return 2 + first * per_node
    element = 1 + _selection_cost(schema, named, node.selection_set, variables)
    if isinstance(get_nullable_type(definition.type), GraphQLList):
        count = first or next((size for size in sizes.values() if size), None) or 1
        return count * element
    return element


def _size(value: object, variables: Mapping[str, Any]) -> int | None:
    """The number an argument stands for: an int, or the length of a list."""
    if isinstance(value, VariableNode):
        value = variables.get(value.name.value)
        return value if isinstance(value, int) else len(value) if isinstance(value, list) else None
    if isinstance(value, IntValueNode):
        return int(value.value)
    if isinstance(value, ListValueNode):
        return len(value.values)
    return None
