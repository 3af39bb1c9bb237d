"""A rich progress bar on stderr for long commands (import, export), so stdout stays data.

It draws only on a terminal: a pipe or a test sees no bar, only the command's own lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from syncbot.cli.tables import console


class Bar:
    """One bar per phase; `update(phase, done, total)` moves it (total 0: unknown)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def update(self, phase: str, done: int, total: int) -> None:
        task = self._tasks.get(phase)
        if task is None:
            task = self._progress.add_task(phase, total=total or None)
            self._tasks[phase] = task
        self._progress.update(task, completed=done, total=total or None)


@contextmanager
def progress_bar() -> Iterator[Bar]:
    out = console(stderr=True)
    with Progress(
        TextColumn("{task.description:>10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        disable=not out.is_terminal,
        transient=False,
    ) as progress:
        yield Bar(progress)
