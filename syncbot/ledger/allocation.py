"""Channel allocation: what each listing should show, and whether to push it now. No I/O.

Two rules live here.

1. **Publish.** A channel shows a policy applied to `available`, summed over the locations
   it sells from: keep `buffer` back, list `percent` of the rest (rounded down), never more
   than `maximum`, never below zero, and never above what the channel can hold (its
   `ceiling`, e.g. Shopify's GraphQL `Int`). `publish` returns the number with its
   explanation: `7 = available 12 − buffer 5`. `incoming` is never sellable, unless the
   channel opts in (`sell_incoming`): then units on open purchase orders for those
   locations, due within `incoming_within_days` (any date when None), are added before the
   policy: `9 = available 4 + incoming 5 due 12 Dec`.

2. **Decide.** A listing is pushed only when the channel is believed to hold something else,
   and never *raised* while the channel may hold sales syncbot has not ingested: when the
   channel reads below what syncbot last pushed, the units it took must be matched by
   order movements ingested from that channel since the push. Until they are, or until the
   grace period has passed (then the gap is recorded as drift), the listing is held.
   Lowering is always safe and never waits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from syncbot.ledger.errors import PolicyError

MINUS = "\u2212"


@dataclass(frozen=True, slots=True)
class Policy:
    """How much of `available` a channel lists. The default lists all of it."""

    buffer: int = 0
    percent: int = 100
    maximum: int | None = None
    sell_incoming: bool = False
    incoming_within_days: int | None = None
    """With `sell_incoming`: only units due within this many days count (None: all)."""

    def __post_init__(self) -> None:
        if self.buffer < 0:
            raise PolicyError(f"buffer {self.buffer}: use 0 or more units")
        if not 0 <= self.percent <= 100:
            raise PolicyError(f"percent {self.percent}: use 0 to 100")
        if self.maximum is not None and self.maximum < 0:
            raise PolicyError(f"max {self.maximum}: use 0 or more units")
        if self.incoming_within_days is not None and self.incoming_within_days < 0:
            raise PolicyError(f"incoming_within_days {self.incoming_within_days}: use 0 or more")

    def merged(self, override: Mapping[str, int | None]) -> Policy:
        """This policy with a SKU's own `buffer`, `percent` or `max` in place of the channel's."""
        return Policy(
            buffer=_int(override.get("buffer", self.buffer)),
            percent=_int(override.get("percent", self.percent)),
            maximum=override.get("max", self.maximum),
            sell_incoming=self.sell_incoming,
            incoming_within_days=self.incoming_within_days,
        )

    def sells(self, lot: Incoming, today: date) -> bool:
        """Whether this policy counts an incoming lot as sellable today."""
        if not self.sell_incoming or lot.quantity <= 0:
            return False
        if self.incoming_within_days is None:
            return True
        return lot.due is not None and lot.due <= today + timedelta(self.incoming_within_days)


@dataclass(frozen=True, slots=True)
class Incoming:
    """Units expected at a location on an open purchase order, and when they are due."""

    location: str
    quantity: int
    due: date | None = None
    order: str = ""


@dataclass(frozen=True, slots=True)
class Allocation:
    quantity: int
    explanation: str


def publish(
    available: Mapping[str, int],
    sells_from: Sequence[str],
    policy: Policy,
    *,
    ceiling: int | None = None,
    holder: str = "the channel",
    incoming: Sequence[Incoming] = (),
    today: date | None = None,
) -> Allocation:
    """The quantity a channel should show; `explanation` reads `<quantity> = <how>`.

    `ceiling`: the largest quantity the channel can hold (None: no limit); `holder` names
    whose limit it is in the explanation. A value above it would make the channel refuse
    the whole call, so it is clamped and the clamp is said.

    `incoming` (with `today`) counts only when the policy sells incoming stock.

    Invariant: 0 <= quantity <= max(0, sum of available over `sells_from` plus the incoming
    the policy sells), and never above the policy's maximum or the ceiling.
    """
    total = sum(available.get(location, 0) for location in sells_from)
    parts = [location for location in sells_from if available.get(location, 0)]
    how = f"available {_signed(total)}"
    if len(parts) > 1:
        how += " (" + " + ".join(f"{loc} {_signed(available[loc])}" for loc in parts) + ")"
    quantity = total
    sellable = _sellable_incoming(incoming, sells_from, policy, today)
    for due, units in sellable:
        quantity += units
        how += f" + incoming {units}" + ("" if due is None else f" due {_day(due)}")
    if policy.buffer:
        quantity -= policy.buffer
        how += f" {MINUS} buffer {policy.buffer}"
    if policy.percent != 100:
        # Rounded down, so "80 %" never lists a unit more than 80 % of what is there.
        compound = policy.buffer or len(parts) > 1 or sellable
        how = f"{policy.percent}% of ({how})" if compound else f"{policy.percent}% of {how}"
        if quantity > 0:
            if quantity * policy.percent % 100:
                how += ", rounded down"
            quantity = quantity * policy.percent // 100
    if policy.maximum is not None and quantity > policy.maximum:
        quantity = policy.maximum
        how += f", capped at max {policy.maximum}"
    if ceiling is not None and quantity > max(0, ceiling):
        quantity = max(0, ceiling)
        how += f", clamped to {holder}'s maximum {quantity}"
    if quantity < 0:
        quantity = 0
        how += ", floored at 0"
    return Allocation(quantity, f"{quantity} = {how}")


class Action(StrEnum):
    IN_SYNC = "in_sync"
    PUSH = "push"
    HOLD = "hold"
    READ = "read"
    """The channel's level is unknown: read it before any push (compare-and-set needs it)."""
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class ListingState:
    """What syncbot knows of one listing on one channel."""

    channel_quantity: int | None
    """What the channel is believed to hold: its last acknowledgement or its last read."""
    pushed_quantity: int | None = None
    """What the channel last acknowledged from syncbot."""
    held_since: datetime | None = None
    quarantined: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    planned: int
    expected: int | None = None
    """For a push: the compare-and-set value, what the channel should still hold."""
    unaccounted: int = 0
    """Units the channel took below syncbot's last push that no ingested order explains."""
    held_since: datetime | None = None
    drift: int | None = None
    """Set when a hold ends by its grace period: the gap is recorded as drift."""
    reason: str = ""


def decide(
    state: ListingState,
    planned: int,
    *,
    ingested_since_push: int,
    now: datetime,
    grace: timedelta,
) -> Decision:
    """Push, hold or leave one listing. `ingested_since_push`: units this channel's orders
    took from `available` since syncbot's last acknowledged push (net of cancellations)."""
    if state.quarantined:
        return Decision(Action.QUARANTINED, planned, reason="quarantined until released")
    if state.channel_quantity is None:
        return Decision(Action.READ, planned, reason="channel level unknown")
    held = state.channel_quantity
    if planned == held:
        return Decision(Action.IN_SYNC, planned, expected=held)
    if planned < held:
        return Decision(Action.PUSH, planned, expected=held, reason="lower")
    taken = (state.pushed_quantity or 0) - held if state.pushed_quantity is not None else 0
    unaccounted = max(0, taken - max(0, ingested_since_push))
    if unaccounted == 0:
        return Decision(Action.PUSH, planned, expected=held, reason="raise")
    since = state.held_since or now
    if now - since < grace:
        return Decision(
            Action.HOLD,
            planned,
            expected=held,
            unaccounted=unaccounted,
            held_since=since,
            reason=f"channel took {unaccounted} unit(s) syncbot has not ingested yet",
        )
    return Decision(
        Action.PUSH,
        planned,
        expected=held,
        unaccounted=unaccounted,
        drift=unaccounted,
        reason=f"grace period over: {unaccounted} unit(s) recorded as drift",
    )


def _sellable_incoming(
    incoming: Sequence[Incoming], sells_from: Sequence[str], policy: Policy, today: date | None
) -> list[tuple[date | None, int]]:
    """The incoming units the policy sells, summed per due date, soonest first."""
    if not policy.sell_incoming or today is None:
        return []
    places = set(sells_from)
    by_due: dict[date | None, int] = {}
    for lot in incoming:
        if lot.location in places and policy.sells(lot, today):
            by_due[lot.due] = by_due.get(lot.due, 0) + lot.quantity
    return sorted(by_due.items(), key=lambda item: (item[0] is None, item[0] or today))


def _day(day: date) -> str:
    """ "12 Dec": a purchase order is due within weeks, so the year goes without saying."""
    return f"{day.day} {day:%b}"


def _int(value: int | None) -> int:
    if value is None:
        raise PolicyError("buffer and percent need a number")
    return value


def _signed(quantity: int) -> str:
    return f"{MINUS}{-quantity}" if quantity < 0 else str(quantity)
