"""Writes the part of Shopify's Admin schema that the connector's documents reach.

The full schema (3.8 MB) is kept outside the repository, in
`../shared/shopify-admin-schema/admin-2026-07.graphql`; the tests validate against the
subset this script writes beside it, so that every clone runs them. Run it again whenever a
document in connectors/shopify changes:

    python tests/connectors/shopify_schema/make_subset.py [FULL_SCHEMA]

What is kept: every field the documents select, on the type that declares it (object and
interface types keep only those fields, plus what their interfaces require); every argument
of those fields; every input type, enum and scalar they reach, whole (so a misspelt or
removed argument still fails); and the directives the documents use. Descriptions are
dropped. Before writing, the subset is checked: every document validates against it, and a
misspelt field does not.
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from copy import copy
from pathlib import Path
from typing import TypeVar

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    NamedTypeNode,
    Node,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    UnionTypeDefinitionNode,
    Visitor,
    build_ast_schema,
    parse,
    print_ast,
    validate,
    visit,
)

N = TypeVar("N", bound=Node)
HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[2]
FULL_SCHEMA = REPOSITORY.parent / "shared/shopify-admin-schema/admin-2026-07.graphql"
SUBSET = HERE / "admin-2026-07.subset.graphql"
# The worked example of Shopify's cost documentation, which the cost tests compute.
COST_EXAMPLE = "{ products(first: 10) { nodes { title variants(first: 5) { nodes { price } } } } }"


def connector_documents() -> dict[str, str]:
    """Every document the Shopify connector sends, by name, and the cost example."""
    sys.path.insert(0, str(REPOSITORY))
    from connectors.shopify import documents, subscriptions
    from connectors.shopify.bulk import BULK_OPERATION, BULK_OPERATION_RUN_QUERY, levels_query
    from connectors.shopify.orders import ORDER, RETURN

    found = {
        name: value
        for module in (documents, subscriptions)
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str)
    }
    bulk = {
        "BULK_OPERATION_RUN_QUERY": BULK_OPERATION_RUN_QUERY,
        "BULK_OPERATION": BULK_OPERATION,
        "BULK_LEVELS": levels_query("gid://shopify/Location/1"),
    }
    return {
        **found,
        "ORDER": ORDER,
        "RETURN": RETURN,
        **bulk,
        "COST_EXAMPLE": COST_EXAMPLE,
    }


class Reach:
    """What the documents touch: fields per type, named types, directives."""

    def __init__(self) -> None:
        self.fields: dict[str, set[str]] = defaultdict(set)
        self.types: set[str] = set()
        self.directives: set[str] = set()


def reached(schema: GraphQLSchema, documents: dict[str, str]) -> Reach:
    reach = Reach()

    class Selections(Visitor):
        def enter_field(self, node: Node, *_: object) -> None:
            parent = type_info.get_parent_type()
            assert parent is not None, f"no parent type for {node}"
            reach.fields[parent.name].add(node.name.value)  # type: ignore[attr-defined]

        def enter_named_type(self, node: Node, *_: object) -> None:
            reach.types.add(node.name.value)  # type: ignore[attr-defined]  # variables, fragments

        def enter_directive(self, node: Node, *_: object) -> None:
            reach.directives.add(node.name.value)  # type: ignore[attr-defined]

    for document in documents.values():
        type_info = TypeInfo(schema)
        visit(parse(document), TypeInfoVisitor(type_info, Selections()))
    return reach


def subset(full: DocumentNode, schema: GraphQLSchema, reach: Reach) -> DocumentNode:
    """The full SDL with only what `reach` needs, closed over types and interfaces."""
    definitions = {
        definition.name.value: definition
        for definition in full.definitions
        if isinstance(definition, TypeDefinitionNode)
    }
    fields = {name: set(selected) for name, selected in reach.fields.items()}
    keep: set[str] = set()
    pending = [*reach.types, *fields]
    pending += [_named(a.type) for d in reach.directives for a in _directive(full, d).arguments]
    while pending:
        name = pending.pop()
        if name in keep or name not in definitions:
            continue  # built-in scalars (String, Int, ...) are not in the SDL
        keep.add(name)
        definition = definitions[name]
        if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            chosen = fields.setdefault(name, set())
            if not chosen:  # selected only through fragments: a type needs one field
                names = [field.name.value for field in definition.fields or ()]
                chosen.add("id" if "id" in names else names[0])
            for interface in definition.interfaces or ():
                # An implementation must carry the fields its interface keeps.
                chosen |= fields.get(interface.name.value, set())
            pending += [i.name.value for i in definition.interfaces or () if i.name.value in keep]
            for field in definition.fields or ():
                if field.name.value in chosen:
                    pending.append(_named(field.type))
                    pending += [_named(argument.type) for argument in field.arguments or ()]
        elif isinstance(definition, InputObjectTypeDefinitionNode):
            pending += [_named(field.type) for field in definition.fields or ()]
        elif isinstance(definition, UnionTypeDefinitionNode):
            pending += [member.name.value for member in definition.types or ()]
    _close_interfaces(definitions, keep, fields)
    kept: list[Node] = [_schema_definition(full, keep)]
    kept += [_trimmed(definitions[name], keep, fields) for name in sorted(keep)]
    kept += [_undescribed(_directive(full, name)) for name in sorted(reach.directives)]
    return DocumentNode(definitions=tuple(kept))


def _close_interfaces(
    definitions: dict[str, TypeDefinitionNode], keep: set[str], fields: dict[str, set[str]]
) -> None:
    """Fields an interface keeps are kept on every kept implementation, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for name in keep:
            definition = definitions[name]
            if not isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
                continue
            for interface in definition.interfaces or ():
                required = fields.get(interface.name.value, set()) - fields[name]
                if interface.name.value in keep and required:
                    fields[name] |= required
                    changed = True


def _trimmed(definition: TypeDefinitionNode, keep: set[str], fields: dict[str, set[str]]) -> Node:
    trimmed = _undescribed(definition)
    name = definition.name.value
    if isinstance(trimmed, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        trimmed.fields = tuple(
            _field(field) for field in trimmed.fields or () if field.name.value in fields[name]
        )
        assert trimmed.fields, f"{name} is reached but none of its fields is selected"
        trimmed.interfaces = tuple(i for i in trimmed.interfaces or () if i.name.value in keep)
    elif isinstance(trimmed, UnionTypeDefinitionNode):
        trimmed.types = tuple(t for t in trimmed.types or () if t.name.value in keep)
    elif isinstance(trimmed, InputObjectTypeDefinitionNode):
        trimmed.fields = tuple(_undescribed(field) for field in trimmed.fields or ())
    elif isinstance(trimmed, EnumTypeDefinitionNode):
        trimmed.values = tuple(_undescribed(value) for value in trimmed.values or ())
    return trimmed


def _field(field: FieldDefinitionNode) -> FieldDefinitionNode:
    kept = _undescribed(field)
    kept.arguments = tuple(_undescribed(argument) for argument in field.arguments or ())
    return kept


def _undescribed(node: N) -> N:
    kept = copy(node)
    if hasattr(kept, "description"):
        kept.description = None
    return kept


def _named(type_node: Node) -> str:
    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]  # a list or non-null wrapper
    return type_node.name.value


def _directive(full: DocumentNode, name: str) -> DirectiveDefinitionNode:
    for definition in full.definitions:
        if isinstance(definition, DirectiveDefinitionNode) and definition.name.value == name:
            return definition
    raise LookupError(f"directive @{name} is not in the schema")


def _schema_definition(full: DocumentNode, keep: set[str]) -> SchemaDefinitionNode:
    (definition,) = (d for d in full.definitions if isinstance(d, SchemaDefinitionNode))
    kept = copy(definition)
    kept.operation_types = tuple(
        operation for operation in definition.operation_types if _named(operation.type) in keep
    )
    return kept


def check(schema_text: str, documents: dict[str, str]) -> None:
    """Every document validates against the subset; a misspelt field fails."""
    schema = build_ast_schema(parse(schema_text))
    for name, document in documents.items():
        errors = [error.message for error in validate(schema, parse(document))]
        assert not errors, f"{name} does not validate against the subset: {errors}"
    misspelt = documents["ORDER"].replace("currentQuantity", "currentQty")
    assert validate(schema, parse(misspelt)), "a misspelt field validated: the subset is too loose"


def header(full_path: Path, full_text: str) -> str:
    digest = hashlib.sha256(full_text.encode()).hexdigest()
    return (
        "# A subset of Shopify's Admin GraphQL schema, version 2026-07: just the types, fields,\n"
        "# arguments and directives that syncbot's Shopify documents reach, for the tests.\n"
        f"# Made from ../shared/shopify-admin-schema/{full_path.name} (its README says where\n"
        f"# that comes from), sha256 {digest},\n"
        "# by tests/connectors/shopify_schema/make_subset.py. Do not edit: after changing a\n"
        "# document in connectors/shopify, regenerate it with\n"
        "#     python tests/connectors/shopify_schema/make_subset.py\n\n"
    )


def main(arguments: list[str]) -> None:
    full_path = Path(arguments[0]) if arguments else FULL_SCHEMA
    if not full_path.is_file():
        sys.exit(f"make_subset: the full schema is not at {full_path}; pass its path")
    full_text = full_path.read_text(encoding="utf-8")
    full = parse(full_text)
    schema = build_ast_schema(full)
    documents = connector_documents()
    reach = reached(schema, documents)
    text = header(full_path, full_text) + print_ast(subset(full, schema, reach)) + "\n"
    check(text, documents)
    SUBSET.write_text(text, encoding="utf-8")
    print(f"wrote {SUBSET.relative_to(REPOSITORY)}: {len(text):,} characters")


if __name__ == "__main__":
    main(sys.argv[1:])
