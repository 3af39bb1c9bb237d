"""The ledger domain imports no ORM, HTTP, web or Slack module."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("tortoise", "httpx", "fastapi", "starlette", "slack_bolt", "slack_sdk", "asyncpg")


def test_importing_the_ledger_pulls_in_no_io_library() -> None:
    """Checked in a fresh interpreter, so other tests' imports cannot hide a leak."""
    code = (
        "import sys, syncbot.ledger; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert output.strip() == "[]"
