"""ABC classes: the few SKUs that make most of the sales (A), the next (B), the rest (C).

SKUs are ranked by their figure (units sold, or their value), largest first, ties by code.
A SKU's cumulative share is the sum of the figures up to and including it over the total:
A while the share before it is below 80 % (so A makes the first 80 %, and the SKU that
crosses 80 % is A), B while it is below 95 %, C after that. A SKU with nothing sold is C.

Pure: integers in, classes out; the share is compared in integers, so no rounding decides
a class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

A_SHARE = 80
"""Percent of the total the A SKUs make up (the SKU crossing it included)."""
B_SHARE = 95
"""Percent of the total the A and B SKUs make up together."""

AbcClass = Literal["A", "B", "C"]


@dataclass(frozen=True, slots=True)
class Ranked:
    code: str
    figure: int
    rank: int
    """1 for the largest figure."""
    cumulative: int
    """The figures up to and including this SKU."""
    abc: AbcClass

    def share(self, total: int) -> float:
        """The cumulative share, in percent, for showing."""
        return 100.0 * self.cumulative / total if total else 0.0


def classify(figures: Mapping[str, int]) -> list[Ranked]:
    """Each SKU's rank, cumulative figure and class; negative figures count as zero."""
    ordered = sorted(
        ((max(0, figure), code) for code, figure in figures.items()),
        key=lambda pair: (-pair[0], pair[1]),
    )
    total = sum(figure for figure, _ in ordered)
    ranked, before = [], 0
    for rank, (figure, code) in enumerate(ordered, start=1):
        ranked.append(Ranked(code, figure, rank, before + figure, _class(before, figure, total)))
        before += figure
    return ranked


def _class(before: int, figure: int, total: int) -> AbcClass:
    if figure <= 0 or total <= 0:
        return "C"
    if before * 100 < A_SHARE * total:
        return "A"
    if before * 100 < B_SHARE * total:
        return "B"
    return "C"
