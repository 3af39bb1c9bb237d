"""`pip install . && syncbot demo` works without the `test` extra: nothing the demo imports
needs a package only the tests install (respx, pytest, ...)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_needs_no_test_only_package() -> None:
    """Every import of `syncbot demo` succeeds with the test extra's packages made unimportable."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {_module(requirement) for requirement in project["dependencies"]}
    test_only = sorted(
        {_module(requirement) for requirement in project["optional-dependencies"]["test"]} - runtime
    )
    assert "respx" in test_only
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in test_only)
    program = (
        f"import sys; {blocked}; import syncbot.demo.run, syncbot.demo.customers, "
        "syncbot.cli.demo, syncbot.cli.main"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", program],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _module(requirement: str) -> str:
    """The importable name of a requirement such as "pytest-asyncio>=0.23"."""
    name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]
    return name.lower().replace("-", "_")
