"""The bulk read's documents are valid against the real Admin schema, and its polls cheap.

Checked like test_shopify_documents.py checks the others, with its helpers, against the
same committed subset of the schema. The bulk query itself is validated as Shopify runs
it, with a location written in; bulk queries have no cost limit, so only the mutation
that starts it and the poll are costed.
"""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate
from test_shopify_documents import SCHEMA_PATH, assert_variables_fit, worst_case_cost

from connectors.shopify.bulk import (
    BULK_OPERATION,
    BULK_OPERATION_RUN_QUERY,
    POLL_COST,
    RUN_COST,
    levels_query,
)

LEVELS = levels_query("gid://shopify/Location/65760001")


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    """The committed subset of the Admin schema (see test_shopify_documents.py)."""
    return build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("document", [BULK_OPERATION_RUN_QUERY, BULK_OPERATION, LEVELS])
def test_each_bulk_document_is_valid_against_the_admin_schema(
    schema: GraphQLSchema, document: str
) -> None:
    """Every field and argument of the mutation, the poll and the bulk query exists."""
    assert [error.message for error in validate(schema, parse(document))] == []


def test_validation_catches_a_misspelt_bulk_field(schema: GraphQLSchema) -> None:
    """A field the schema lacks fails: the check above can fail."""
    (error,) = validate(schema, parse(BULK_OPERATION.replace("objectCount", "objectTotal")))
    assert "objectTotal" in error.message


@pytest.mark.parametrize(
    ("document", "stated"), [(BULK_OPERATION_RUN_QUERY, RUN_COST), (BULK_OPERATION, POLL_COST)]
)
def test_starting_and_polling_cost_what_the_comments_say(
    schema: GraphQLSchema, document: str, stated: int
) -> None:
    """The mutation costs 12 and a poll 1, whatever the number of items read."""
    assert worst_case_cost(schema, document, {}) == stated


def test_the_variables_fit(schema: GraphQLSchema) -> None:
    """The rendered bulk query is the mutation's $query; the poll takes the operation's id."""
    assert_variables_fit(schema, BULK_OPERATION_RUN_QUERY, {"query": LEVELS})
    assert_variables_fit(schema, BULK_OPERATION, {"id": "gid://shopify/BulkOperation/1"})


def test_the_location_is_written_in_as_a_string() -> None:
    """Bulk queries take no variables; a gid that could break out of the string is refused."""
    assert 'inventoryLevel(locationId: "gid://shopify/Location/65760001")' in LEVELS
    with pytest.raises(ValueError, match="not a location gid"):
        levels_query('gid://shopify/Location/1") { id } x: location(id: "')
