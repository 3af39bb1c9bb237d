"""Stock-take rules: what a line counted, what it should have held then, and who must approve.

A session snapshots each SKU's on-hand at its start together with the ledger's newest
movement id (the start watermark); each count records the newest movement id at its own
moment. Invariant (no false variances): a line's expected on-hand at its count is the
snapshot plus the on-hand change of every movement on that SKU and location with
start watermark < id <= the count's watermark, so a sale shipped while the aisle is counted
moves the expectation with the shelf and makes no variance.

StocktakeError (a LedgerError)
├── StocktakeInputError   a name, count, area, threshold or policy that cannot be used
│                         (also a ValidationError: refused before the database opens)
├── UnknownStocktake      no session has that id or name
├── StocktakeClosed       the session was posted or cancelled
├── NotInStocktake        the SKU is not in the session's scope
├── WrongLocation         a count names another location than the session's
├── OverlappingStocktake  another open session already covers some SKUs at that location
├── ApprovalNeeded        posting while lines over a threshold are unapproved
└── ApprovalRefused       the role held may not approve
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from syncbot.ledger.costing import value_of
from syncbot.ledger.errors import LedgerError, ValidationError, quoted
from syncbot.ledger.movements import MAX_QUANTITY, Movement
from syncbot.ledger.quantities import ON_HAND_BUCKETS

MAX_NAME = 64
MAX_PERCENT = 1_000_000  # a percent threshold beyond this is a typo (and the column's limit)
MAX_KEY = 200  # a count's key, stored with the session's id in front (255 characters)
SHOWN_SKUS = 10  # an overlap or approval message names at most this many SKUs


class StocktakeStatus(StrEnum):
    OPEN = "open"
    POSTED = "posted"
    CANCELLED = "cancelled"


class CountMode(StrEnum):
    SET = "set"
    """The counter's quantity in that area is this (a recount replaces the last)."""
    ADD = "add"
    """Add this to the counter's quantity in that area (a scan is +1)."""


class Uncounted(StrEnum):
    LEAVE = "leave"
    ZERO = "zero"


class StocktakeError(LedgerError):
    """Base of every refusal of a stock-take; nothing was written."""


class StocktakeInputError(StocktakeError, ValidationError):
    """A value that cannot be used: a name, a mode, a threshold, a policy (also a
    ValidationError, so edges refuse it before opening the database)."""


class UnknownStocktake(StocktakeError):
    def __init__(self, session: str) -> None:
        super().__init__(f"no stock-take has id or name {quoted(session)}: see `stocktake list`")
        self.session = session


class StocktakeClosed(StocktakeError):
    def __init__(self, session: int, status: str) -> None:
        super().__init__(
            f"stock-take {session} is {status}: start a new one with `syncbot stocktake start`"
        )
        self.session = session
        self.status = status


class NotInStocktake(StocktakeError):
    def __init__(self, session: int, sku: str) -> None:
        super().__init__(
            f"SKU {quoted(sku)} is not in stock-take {session}: "
            "count it in a session whose scope covers it"
        )
        self.session = session
        self.sku = sku


class WrongLocation(StocktakeError):
    def __init__(self, session: int, expected: str, given: str) -> None:
        super().__init__(
            f"stock-take {session} counts location {quoted(expected)}, not {quoted(given)}: "
            "count there in a session at that location"
        )
        self.session = session
        self.expected = expected
        self.given = given


class OverlappingStocktake(StocktakeError):
    def __init__(self, location: str, skus: Sequence[str], sessions: Sequence[int]) -> None:
        shown = ", ".join(skus[:SHOWN_SKUS]) + (" …" if len(skus) > SHOWN_SKUS else "")
        super().__init__(
            f"{len(skus)} SKU(s) at {location} are already in open stock-take(s) "
            f"{', '.join(map(str, sessions))}: {shown}; post or cancel those first, "
            "or narrow --skus"
        )
        self.location = location
        self.skus = tuple(skus)
        self.sessions = tuple(sessions)


class ApprovalNeeded(StocktakeError):
    def __init__(self, session: int, skus: Sequence[str]) -> None:
        shown = ", ".join(skus[:SHOWN_SKUS]) + (" …" if len(skus) > SHOWN_SKUS else "")
        super().__init__(
            f"stock-take {session}: {len(skus)} line(s) over a threshold need a manager's "
            f"approval first ({shown}): `syncbot stocktake approve {session} SKU|--all`"
        )
        self.session = session
        self.skus = tuple(skus)


class ApprovalRefused(StocktakeError):
    def __init__(self, role: str) -> None:
        super().__init__(
            f"approving a stock-take line needs a manager; you are {role}: ask a manager"
        )
        self.role = role


def check_name(name: str) -> str:
    """A session's name: 1 to MAX_NAME printable characters, not all digits (an id is)."""
    text = name.strip()
    if not text or len(text) > MAX_NAME or not text.isprintable():
        raise StocktakeInputError(f"a stock-take name has 1 to {MAX_NAME} printable characters")
    if text.isdigit():
        raise StocktakeInputError(f"a stock-take name is not a number ({text} would read as id)")
    return text


def check_count(quantity: object, mode: str) -> tuple[int, CountMode]:
    """A count's quantity (a whole number, 0 or more; an `add` at least 1) and its mode."""
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise StocktakeInputError(f"a count is a whole number, got {quantity!r}")
    try:
        checked_mode = CountMode(mode)
    except ValueError:
        raise StocktakeInputError(f"a count's mode is set or add, not {quoted(mode)}") from None
    if quantity < 0:
        raise StocktakeInputError(f"a count cannot be negative, got {quantity}")
    if quantity > MAX_QUANTITY:
        raise StocktakeInputError(f"a count of {quantity} is beyond the limit of {MAX_QUANTITY}")
    if checked_mode is CountMode.ADD and quantity == 0:
        raise StocktakeInputError("adding 0 to a count changes nothing: add 1 or more")
    return quantity, checked_mode


def check_area(area: str) -> str:
    """Where in the location a count was made ("shelf A"); "" is the whole location."""
    text = area.strip()
    if len(text) > MAX_NAME or not text.isprintable():
        raise StocktakeInputError(f"an area has at most {MAX_NAME} printable characters")
    return text


def check_key(key: str) -> str:
    """A client's key for one count, so a retried scan counts once."""
    if not 0 < len(key) <= MAX_KEY or not key.isprintable():
        raise StocktakeInputError(f"a count's key has 1 to {MAX_KEY} printable characters")
    return key


def parse_uncounted(text: str) -> Uncounted:
    try:
        return Uncounted(text.strip().lower())
    except ValueError:
        raise StocktakeInputError(f"--uncounted is leave or zero, not {quoted(text)}") from None


@dataclass(frozen=True, slots=True)
class CountEntry:
    """One count as recorded, in order: the line's history is a list of these."""

    counter: str
    area: str
    quantity: int
    mode: CountMode
    watermark: int
    """The ledger's newest movement id when the count was recorded."""


def counted(entries: Sequence[CountEntry]) -> int | None:
    """The line's count: per counter and area the last `set` plus the `add`s after it,
    summed over counters and areas; None when nobody counted it."""
    if not entries:
        return None
    per_place: dict[tuple[str, str], int] = {}
    for entry in entries:
        place = (entry.counter, entry.area)
        base = per_place.get(place, 0) if entry.mode is CountMode.ADD else 0
        per_place[place] = base + entry.quantity
    return sum(per_place.values())


def on_hand_change(movement: Movement, location: str) -> int:
    """How a movement changes on-hand (available + committed + damaged) at `location`."""
    change = 0
    if movement.destination.location == location and movement.destination.bucket in ON_HAND_BUCKETS:
        change += movement.quantity
    if movement.source.location == location and movement.source.bucket in ON_HAND_BUCKETS:
        change -= movement.quantity
    return change


def expected_at(
    snapshot: int, start_watermark: int, watermark: int, changes: Iterable[tuple[int, int]]
) -> int:
    """Expected on-hand at a count: the snapshot plus the changes (movement id, on-hand
    change) recorded after the start and up to the count's watermark."""
    return snapshot + sum(
        change for movement_id, change in changes if start_watermark < movement_id <= watermark
    )


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Over any of these a line needs a manager; None is no threshold of that kind."""

    units: int | None = None
    percent: Decimal | None = None
    value: int | None = None
    """In millionths of the currency (`costing.VALUE_PLACES`), like every value."""

    def __post_init__(self) -> None:
        if self.units is not None and not 0 <= self.units <= MAX_QUANTITY:
            raise StocktakeInputError(
                f"--approve-over-units is 0 to {MAX_QUANTITY}, got {self.units}"
            )
        if self.percent is not None and not (
            self.percent.is_finite() and 0 <= self.percent <= MAX_PERCENT
        ):
            raise StocktakeInputError(
                f"--approve-over-percent is 0 to {MAX_PERCENT}, got {self.percent}"
            )
        if self.value is not None and self.value < 0:
            raise StocktakeInputError("--approve-over-value is not negative")


def variance_percent(variance: int, expected: int) -> Decimal | None:
    """Variance as a percent of expected, to 0.1; None when nothing was expected."""
    if expected == 0:
        return None
    return (Decimal(variance) * 100 / abs(expected)).quantize(Decimal("0.1"))


def over_thresholds(
    variance: int, expected: int, value: int | None, thresholds: Thresholds
) -> tuple[str, ...]:
    """Which thresholds a variance exceeds: "units", "percent", "value". A variance where
    nothing was expected is over any percent; an unknown value is over no value threshold."""
    over: list[str] = []
    if variance == 0:
        return ()
    if thresholds.units is not None and abs(variance) > thresholds.units:
        over.append("units")
    if thresholds.percent is not None:
        percent = variance_percent(variance, expected)
        if percent is None or abs(percent) > thresholds.percent:
            over.append("percent")
    if thresholds.value is not None and value is not None and abs(value) > thresholds.value:
        over.append("value")
    return tuple(over)


def document_of(session: int) -> str:
    """The source document every movement of a session's posting names."""
    return f"stocktakes/{session}"


def posting_key(session: int) -> str:
    """The one idempotency key of a session's posting: a second post records nothing."""
    return f"stocktake:{session}"


@dataclass(frozen=True, slots=True)
class Judgement:
    """A line judged at its last count; all None but `expected_now` when uncounted."""

    counted: int | None
    expected: int | None
    """Expected on-hand at the moment of the last count (snapshot + movements up to it)."""
    variance: int | None
    percent: Decimal | None
    value: int | None
    """variance × the SKU's average cost, in millionths; None when no cost is known."""
    over: tuple[str, ...]


def judge(
    snapshot: int,
    start_watermark: int,
    entries: Sequence[CountEntry],
    changes: Iterable[tuple[int, int]],
    average_cost: Decimal | None,
    thresholds: Thresholds,
) -> Judgement:
    """One line: counted − expected at its last count, its percent, value and thresholds."""
    count = counted(entries)
    if count is None:
        return Judgement(None, None, None, None, None, ())
    expected = expected_at(snapshot, start_watermark, entries[-1].watermark, changes)
    variance = count - expected
    value = None if not average_cost else value_of(variance, average_cost)
    over = over_thresholds(variance, expected, value, thresholds)
    return Judgement(count, expected, variance, variance_percent(variance, expected), value, over)
