"""The rows of an import file: read, checked cell by cell, and each problem named by its row
and column, so a whole file is judged before anything is written.

Row numbers are the file's line numbers as a spreadsheet shows them: the header is row 1,
the first data row is row 2. A cell is stripped of surrounding spaces; an empty cell is
"not given".
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from syncbot.ledger import LedgerError
from syncbot.ledger.costing import parse_cost
from syncbot.ledger.limits import MAX_BIGINT, quoted, text_problem
from syncbot.ledger.movements import MAX_QUANTITY

T = TypeVar("T")

SHOWN_PROBLEMS = 20
"""Problems an ImportRefused message lists; `problems` holds every one."""

Progress = Callable[[str, int, int], None]
"""Hears (phase, rows done, rows in all): "checking" every row, then "applying"."""


def no_progress(phase: str, done: int, total: int) -> None:
    """The default listener: hears nothing."""


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """Why one cell (or one row, column "") cannot be imported."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportRefused(LedgerError):
    """Some rows are wrong: nothing was written. `problems` names every bad cell."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        ordered = sorted(problems)
        shown = "; ".join(str(problem) for problem in ordered[:SHOWN_PROBLEMS])
        more = len(ordered) - SHOWN_PROBLEMS
        super().__init__(
            f"nothing was imported: {len(ordered)} problem(s): {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + ". Fix the file and import it again"
        )
        self.problems = ordered


class CellProblem(Exception):
    """Raised by a cell parser: the reason, to be placed at its row and column."""


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A file's rows under a checked header, and the digest of its bytes."""

    name: str
    sha256: str
    rows: list[Row]


@dataclass(slots=True)
class ImportReport:
    """What an import did, or (dry run) would do."""

    kind: str
    file: str
    rows: int
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    dry_run: bool = False
    already: str | None = None
    """Why nothing was written although every row is good (the file was imported before)."""
    notes: list[str] = field(default_factory=list)


def read_file(
    path: Path, columns: Sequence[str], required: Sequence[str], max_rows: int
) -> ImportFile:
    """The file's rows; ImportRefused for a header that lacks a required column or names an
    unknown one, for a file that is not UTF-8 CSV, or for one of over `max_rows` rows."""
    content = path.read_bytes()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused([Problem(1, "", f"the file is not UTF-8 text: {error}")]) from None
    try:
        rows = list(_rows(text, columns, required, max_rows))
    except csv.Error as error:
        raise ImportRefused([Problem(1, "", f"the file is not CSV: {error}")]) from None
    if not rows:
        raise ImportRefused([Problem(2, "", "the file has no rows under its header")])
    return ImportFile(path.name, hashlib.sha256(content).hexdigest(), rows)


def _rows(
    text: str, columns: Sequence[str], required: Sequence[str], max_rows: int
) -> Iterator[Row]:
    reader = csv.DictReader(text.splitlines())
    header = [name.strip().lower() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in columns]
    missing = [name for name in required if name not in header]
    if unknown or missing:
        problem = (
            f"unknown column(s) {', '.join(map(quoted, unknown))}"
            if unknown
            else f"missing column(s) {', '.join(missing)}"
        )
        raise ImportRefused(
            [
                Problem(
                    1,
                    "",
                    f"{problem}: the header needs {', '.join(required)} "
                    f"and may have {', '.join(columns)}",
                )
            ]
        )
    reader.fieldnames = header
    for count, cells in enumerate(reader):
        if count >= max_rows:
            raise ImportRefused(
                [Problem(reader.line_num, "", f"over {max_rows:,} rows: split the file")]
            )
        if None in cells:
            raise ImportRefused(
                [Problem(reader.line_num, "", f"more cells than the {len(header)} columns")]
            )
        yield Row(
            reader.line_num, {name: (value or "").strip() for name, value in cells.items() if name}
        )


class Cells:
    """Reads one row's cells, collecting a Problem for each bad one instead of stopping."""

    def __init__(self, row: Row, problems: list[Problem]) -> None:
        self.row = row
        self.problems = problems
        self.bad = False

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.row.number, column, reason))
        self.bad = True

    def text(self, column: str, limit: int, *, required: bool = False) -> str:
        value = self.row.get(column)
        if required and not value:
            self.problem(column, "is empty: it is required")
        elif (problem := text_problem(value, column, limit)) is not None:
            self.problem(column, problem)
        return value

    def parsed(self, column: str, parse: Callable[[str], T]) -> T | None:
        """The cell through `parse` (which raises LedgerError or CellProblem); None when
        the cell is empty or bad."""
        value = self.row.get(column)
        if not value:
            return None
        try:
            return parse(value)
        except (LedgerError, CellProblem) as error:
            self.problem(column, str(error))
            return None

    def whole(self, column: str, *, minimum: int = 0, maximum: int = MAX_BIGINT) -> int | None:
        return self.parsed(column, lambda text: whole_number(text, minimum, maximum))

    def cost(self, column: str) -> Decimal | None:
        return self.parsed(column, parse_cost)


def whole_number(text: str, minimum: int = 0, maximum: int = MAX_QUANTITY) -> int:
    try:
        number = int(text)
    except ValueError:
        raise CellProblem(f"{quoted(text)} is not a whole number") from None
    if not minimum <= number <= maximum:
        raise CellProblem(f"{number} is outside {minimum} to {maximum:,}")
    return number


def duplicates(
    keys: Sequence[tuple[object, int]], column: str, what: str, problems: list[Problem]
) -> None:
    """A problem for every (key, row number) whose key an earlier row already had."""
    first: dict[object, int] = {}
    for key, number in keys:
        if key in first:
            problems.append(Problem(number, column, f"{what} is also on row {first[key]}"))
        else:
            first[key] = number


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
