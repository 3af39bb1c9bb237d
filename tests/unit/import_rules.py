"""The layering rules of syncbot, checked over the source text with `ast`.

Every import counts: `import x`, `from x import y`, relative imports, imports inside
functions, and imports under `if TYPE_CHECKING:` (a type-only import still ties the two
layers together: mypy and every reader follow it, and it is one step from a real one).
Only the packages `syncbot` and `connectors` are read; tests and bench are free.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

ROOTS = ("syncbot", "connectors")


@dataclass(frozen=True)
class Import:
    """One imported name: `from module import name`, or `import module` (name empty)."""

    path: str  # relative to the tree's root
    line: int
    importer: str
    module: str
    name: str = ""

    @property
    def target(self) -> str:
        """The dotted name imported: a module, or a name inside one."""
        return f"{self.module}.{self.name}" if self.name and self.name != "*" else self.module

    def __str__(self) -> str:
        statement = (
            f"from {self.module} import {self.name}" if self.name else f"import {self.module}"
        )
        return f"{self.path}:{self.line}: {statement}"


@dataclass(frozen=True)
class Rule:
    """Modules matching `scope` (fnmatch patterns) may not import what `forbids` is true of."""

    scope: tuple[str, ...]
    forbids: Callable[[str], bool]


def within(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def outside_the_standard_library(target: str) -> bool:
    return target.split(".")[0] not in sys.stdlib_module_names and not within(
        target, "syncbot.ledger"
    )


def syncbot_beyond_the_ledger(target: str) -> bool:
    return within(target, "syncbot") and not within(target, "syncbot.ledger")


def an_orm_model(target: str) -> bool:
    """The models and the ORM's query API. Its exceptions are not models: an adapter may
    still map a refusal the edge checks missed to a 4xx (see docs/api.md)."""
    return within(
        target,
        "syncbot.store.models",
        "syncbot.store.sync_models",
        "syncbot.store.purchasing_models",
        "tortoise",
    ) and not within(target, "tortoise.exceptions")


# The packages, and any flat module beside them (web_*.py, cli_*.py) that would creep back.
ADAPTERS = ("syncbot.web*", "syncbot.cli*", "syncbot.slackbot*")

RULES = {
    "ledger imports the standard library only": Rule(
        ("syncbot.ledger", "syncbot.ledger.*"), outside_the_standard_library
    ),
    # Connectors depend on their own port and the pure ledger, so they can be lifted out;
    # with the ledger's rule this also keeps syncbot and connectors from importing each other.
    "connectors import only connectors and syncbot.ledger": Rule(
        ("connectors", "connectors.*"), syncbot_beyond_the_ledger
    ),
    # The adapters parse, call a use case in syncbot.app and render its answer.
    "web, cli and slackbot import no ORM model": Rule(ADAPTERS, an_orm_model),
}


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(root: Path, path: Path) -> Iterator[Import]:
    """Every import in one file, relative ones resolved to absolute names."""
    importer = module_name(root, path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    where = path.relative_to(root).as_posix()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=where)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(where, node.lineno, importer, alias.name)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                yield Import(where, node.lineno, importer, module, alias.name)


def all_imports(root: Path) -> Iterator[Import]:
    for top in ROOTS:
        for path in sorted((root / top).rglob("*.py")):
            yield from imports_of(root, path)


def violations(root: Path, rule: Rule) -> list[Import]:
    """The imports in the rule's scope that it forbids, in file and line order."""
    return [
        found
        for found in all_imports(root)
        if any(fnmatchcase(found.importer, pattern) for pattern in rule.scope)
        and rule.forbids(found.target)
    ]


def package_of(module: str) -> str:
    """The node of the package graph: `syncbot.store`, `connectors.shopify`, `syncbot.cli_sync`."""
    return ".".join(module.split(".")[:2])


def package_cycles(root: Path) -> list[str]:
    """Each group of packages that import each other, with one import per edge as a witness."""
    edges: dict[str, dict[str, Import]] = {}
    for found in all_imports(root):
        source, target = package_of(found.importer), package_of(found.target)
        if target.split(".")[0] in ROOTS and source != target:
            edges.setdefault(source, {}).setdefault(target, found)
    reach = {node: reachable(edges, node) for node in edges}
    groups = {
        frozenset({node} | {other for other in reach[node] if node in reach.get(other, ())})
        for node in edges
        if node in reach[node]
    }
    return [
        " ⇄ ".join(sorted(group))
        + "".join(
            f"\n    {source} → {target} ({edges[source][target]})"
            for source in sorted(group)
            for target in sorted(edges[source])
            if target in group
        )
        for group in sorted(groups, key=min)
    ]


def reachable(edges: dict[str, dict[str, Import]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in edges.get(todo.pop(), {}):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen
