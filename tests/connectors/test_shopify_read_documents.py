"""The connector's own reads, ORDER and RETURN, are valid against the real schema, and affordable.

They live beside the mapping in connectors/shopify/orders.py rather than in documents.py;
they are checked exactly as test_shopify_documents.py checks the others, with its helpers,
against the same committed subset of the schema.
"""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate
from test_shopify_documents import (
    SCHEMA_PATH,
    SINGLE_QUERY_LIMIT,
    assert_variables_fit,
    worst_case_cost,
)

from connectors.shopify.orders import ORDER, ORDER_COST, RETURN, RETURN_COST

READS = {"ORDER": (ORDER, ORDER_COST), "RETURN": (RETURN, RETURN_COST)}


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    """The committed subset of the Admin schema (see test_shopify_documents.py)."""
    return build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(READS))
def test_each_read_is_valid_against_the_admin_schema(schema: GraphQLSchema, name: str) -> None:
    """Every field and argument of ORDER and RETURN exists in the 2026-07 Admin schema."""
    document, _ = READS[name]
    assert [error.message for error in validate(schema, parse(document))] == []


@pytest.mark.parametrize("name", sorted(READS))
def test_each_read_costs_what_its_comment_says(schema: GraphQLSchema, name: str) -> None:
    """Worst-case cost by Shopify's formula equals the stated cost and fits one query."""
    document, stated = READS[name]
    cost = worst_case_cost(schema, document, {})
    assert cost == stated
    assert cost <= SINGLE_QUERY_LIMIT


@pytest.mark.parametrize(
    ("name", "variables"),
    [
        ("ORDER", {"id": "gid://shopify/Order/820982911946154508"}),
        ("RETURN", {"id": "gid://shopify/Return/55001"}),
    ],
)
def test_the_connector_sends_variables_the_reads_accept(
    schema: GraphQLSchema, name: str, variables: dict[str, str]
) -> None:
    """The id variables the connector sends coerce to each read's declared types."""
    assert_variables_fit(schema, READS[name][0], variables)


def test_validation_catches_a_field_shopify_does_not_have(schema: GraphQLSchema) -> None:
    """A misspelt field fails validation: the check above can fail."""
    wrong = ORDER.replace("currentQuantity", "currentQty")
    (error,) = validate(schema, parse(wrong))
    assert "currentQty" in error.message
