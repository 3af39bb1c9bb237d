"""The layering holds: each rule of `import_rules` passes on syncbot and fails on a planted
violation, naming the file, the line and the import."""

from __future__ import annotations

import textwrap
from pathlib import Path

import import_rules
import pytest
from import_rules import RULES, package_cycles, violations

ROOT = Path(__file__).resolve().parents[2]
LEDGER, CONNECTORS, ADAPTERS = RULES  # the rules' names, in the order RULES states them


@pytest.mark.parametrize("rule", list(RULES))
def test_syncbot_keeps_the_rule(rule: str) -> None:
    """Each rule holds over syncbot/ and connectors/."""
    found = violations(ROOT, RULES[rule])
    assert not found, f"{rule}:\n" + "\n".join(f"  {each}" for each in found)


def test_no_two_packages_import_each_other() -> None:
    """The package graph has no cycle: each one found is named with an import per edge."""
    cycles = package_cycles(ROOT)
    assert not cycles, "packages that import each other:\n" + "\n".join(cycles)


def plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


CLEAN = {
    "syncbot/__init__.py": "",
    "syncbot/ledger/__init__.py": "from __future__ import annotations\nimport dataclasses\n",
    "syncbot/ledger/orders.py": "from . import quantities\nfrom syncbot.ledger.events import E\n",
    "syncbot/store/__init__.py": "",
    "syncbot/store/models.py": "from tortoise import fields\nfrom syncbot.ledger import Bucket\n",
    "syncbot/app/__init__.py": "from syncbot.store import models\n",
    "syncbot/web/__init__.py": "from syncbot import app\n"
    "from tortoise.exceptions import IntegrityError\n",
    "connectors/__init__.py": "",
    "connectors/shopify/__init__.py": "import httpx\nfrom connectors.base import Port\n"
    "from syncbot.ledger.limits import MAX_SKU_LENGTH\n",
}


def test_a_tree_that_keeps_every_rule_passes(tmp_path: Path) -> None:
    """The checker refuses nothing a layered tree does: stdlib, relative, allowed imports."""
    root = plant(tmp_path, CLEAN)
    assert {rule: violations(root, RULES[rule]) for rule in RULES} == {rule: [] for rule in RULES}
    assert package_cycles(root) == []


@pytest.mark.parametrize(
    ("rule", "path", "text", "named"),
    [
        (LEDGER, "syncbot/ledger/quantities.py", "import httpx\n", "quantities.py:1: import httpx"),
        (
            LEDGER,
            "syncbot/ledger/orders.py",
            "def f():\n    from syncbot.store import posting\n",
            "orders.py:2: from syncbot.store import posting",
        ),
        (
            CONNECTORS,
            "connectors/shopify/config.py",
            "from syncbot.config import ChannelConfig\n",
            "shopify/config.py:1: from syncbot.config import ChannelConfig",
        ),
        (
            CONNECTORS,
            "connectors/woo.py",
            "import json\n\ndef load():\n    import syncbot.store.listings\n",
            "connectors/woo.py:4: import syncbot.store.listings",
        ),
        (
            ADAPTERS,
            "syncbot/web/api.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from syncbot.store.models import Sku\n",
            "syncbot/web/api.py:3: from syncbot.store.models import Sku",
        ),
        (
            ADAPTERS,
            "syncbot/slackbot/commands.py",
            "from ..store import models\n",
            "slackbot/commands.py:1: from syncbot.store import models",
        ),
        (
            ADAPTERS,
            "syncbot/cli_channels.py",
            "from tortoise.expressions import Q\n",
            "cli_channels.py:1: from tortoise.expressions import Q",
        ),
    ],
)
def test_a_planted_violation_is_named(
    tmp_path: Path, rule: str, path: str, text: str, named: str
) -> None:
    """One forbidden import fails its rule with file, line and import, and no other rule."""
    root = plant(tmp_path, {**CLEAN, path: text})
    found = [str(each) for each in violations(root, RULES[rule])]
    assert len(found) == 1
    assert found[0].endswith(named)
    assert all(not violations(root, RULES[other]) for other in RULES if other != rule)


def test_a_planted_cycle_is_named_with_its_imports(tmp_path: Path) -> None:
    """store → sync → intake → store is one cycle, named with the import behind each edge."""
    root = plant(
        tmp_path,
        {
            **CLEAN,
            "syncbot/store/outbox.py": "from syncbot.sync import pusher\n",
            "syncbot/sync/pusher.py": "def later():\n    from syncbot.intake import inbox\n",
            "syncbot/intake/inbox.py": "from ..store.outbox import claim\n",
        },
    )
    (cycle,) = package_cycles(root)
    assert cycle.splitlines() == [
        "syncbot.intake ⇄ syncbot.store ⇄ syncbot.sync",
        "    syncbot.intake → syncbot.store "
        "(syncbot/intake/inbox.py:1: from syncbot.store.outbox import claim)",
        "    syncbot.store → syncbot.sync "
        "(syncbot/store/outbox.py:1: from syncbot.sync import pusher)",
        "    syncbot.sync → syncbot.intake "
        "(syncbot/sync/pusher.py:2: from syncbot.intake import inbox)",
    ]


def test_the_checker_reads_every_module_of_both_packages() -> None:
    """A rule over no files would pass for nothing: the real tree yields the ledger's imports."""
    importers = {found.importer for found in import_rules.all_imports(ROOT)}
    assert {"syncbot.ledger", "syncbot.store.posting", "connectors.base"} <= importers
