"""Every command runs on the loop `serve` runs on: uvloop, a dependency wherever it
builds. A command that runs on asyncio's loop spends more CPU on each statement it sends."""

from __future__ import annotations

import asyncio

import pytest
import typer

from syncbot.cli.common import run
from syncbot.ledger import InvalidMovement

uvloop = pytest.importorskip("uvloop")


async def _loop_type() -> type[asyncio.AbstractEventLoop]:
    return type(asyncio.get_running_loop())


def test_a_command_runs_on_uvloop() -> None:
    assert run(_loop_type()) is uvloop.Loop


def test_a_refusal_on_that_loop_still_exits_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def refused() -> None:
        raise InvalidMovement("nothing to post")

    with pytest.raises(typer.Exit) as exited:
        run(refused())
    assert exited.value.exit_code == 1
    assert capsys.readouterr().err.strip() == "syncbot: nothing to post"
