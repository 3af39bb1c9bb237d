"""Part 2 of bench/faults.py: signed deliveries of which a share is poison.

The target is every valid order applied, whatever comes before it, and every poison
delivery closed for good with a reason: refused at the door with a 4xx, or stored and
marked final with its error. A poison delivery whose order was applied anyway (its bad
line parked) is counted apart. Nothing here assumes which of those the service does.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field

from faults_inbox import read_inbox
from faults_service import Database, Service
from faults_traffic import POISON_KINDS, Delivery, Sender, order_delivery, poison_delivery
from faults_traffic import random_order as make_order


@dataclass
class PoisonFigures:
    deliveries: int = 0
    valid: int = 0
    valid_applied: int = 0
    valid_refused: int = 0
    poison: int = 0
    final_with_reason: int = 0
    refused_at_door: int = 0
    applied_anyway: int = 0
    pending: int = 0
    settle_s: float = 0.0
    settled: bool = False
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    unknown_statuses: dict[str, int] = field(default_factory=dict)

    @property
    def valid_applied_pct(self) -> float:
        return 100.0 * self.valid_applied / self.valid if self.valid else 0.0


async def poison_mix(
    service: Service, skus: list[str], *, deliveries: int, share: float, seed: int, stall: float
) -> PoisonFigures:
    draw = random.Random(seed)
    database = Database(service.database_url)
    poisoned = set(draw.sample(range(deliveries), round(deliveries * share)))
    valid: dict[str, tuple[int, dict[str, int]]] = {}
    kinds: dict[str, str] = {}
    service.start()
    await service.ready()
    async with Sender(service.webhook_url, max_attempts=8) as sender:
        for n in range(deliveries):
            order = make_order(9_000_000 + n, skus, draw)
            if n in poisoned:
                kind = POISON_KINDS[len(kinds) % len(POISON_KINDS)]
                delivery = poison_delivery(kind, order)
                kinds[delivery.event_id] = kind
            else:
                delivery = order_delivery(order)
                units: Counter[str] = Counter()
                for line in order.lines:
                    units[line.sku] += line.quantity
                valid[delivery.event_id] = (order.order_id, dict(units))
            sender.send(delivery)
            if n % 50 == 49:  # a storefront's pace, not one burst
                await asyncio.sleep(0.01)
        await sender.drain(120)
        figures = PoisonFigures(deliveries=deliveries, valid=len(valid), poison=len(kinds))
        figures.settled, figures.settle_s = await _settle(database, stall)
    await service.stop()
    await _count(figures, database, sender.sent, valid, kinds)
    return figures


async def _settle(database: Database, stall: float) -> tuple[bool, float]:
    """Waits until no delivery is pending, or nothing has moved for `stall` seconds."""
    loop = asyncio.get_running_loop()
    started = last_change = loop.time()
    seen: tuple[int, int] | None = None
    while True:
        inbox = await read_inbox(database)
        now = (inbox.count("applied"), inbox.count("final"))
        if inbox.count("pending") == 0:
            return True, loop.time() - started
        if now != seen:
            seen, last_change = now, loop.time()
        elif loop.time() - last_change > stall:
            return False, loop.time() - started
        await asyncio.sleep(0.2)


async def _count(
    figures: PoisonFigures,
    database: Database,
    sent: list[Delivery],
    valid: dict[str, tuple[int, dict[str, int]]],
    kinds: dict[str, str],
) -> None:
    posted = await database.order_movements()
    inbox = await read_inbox(database)
    figures.unknown_statuses = dict(inbox.unknown_statuses)
    rows = inbox.by_event()
    for delivery in sent:
        if delivery.event_id in valid:
            order_id, units = valid[delivery.event_id]
            figures.valid_refused += not delivery.acknowledged
            figures.valid_applied += all(
                posted.get((str(order_id), sku, "order_commit"), 0) == quantity
                for sku, quantity in units.items()
            )
            continue
        kind = kinds[delivery.event_id]
        row = rows.get(delivery.event_id)
        if not delivery.acknowledged:
            outcome = f"refused with HTTP {delivery.status}"
            figures.refused_at_door += delivery.status is not None
        elif row is None:
            outcome = "acknowledged but not in the inbox"
        elif row.state == "final" and row.reason:
            outcome = "final with a reason"
            figures.final_with_reason += 1
            figures.reasons.setdefault(kind, row.reason)
        elif row.state == "applied":
            outcome = "applied"
            figures.applied_anyway += 1
        else:
            outcome = f"{row.state}, {row.attempts} tries, " + (
                "with a reason" if row.reason else "no error recorded"
            )
            figures.pending += row.state == "pending"
        figures.outcomes.setdefault(kind, Counter())[outcome] += 1


def describe(figures: PoisonFigures) -> list[str]:
    f = figures
    lines = [
        f"poison mix: {f.deliveries} signed deliveries, {f.poison} poison; the inbox "
        + ("settled" if f.settled else "STALLED (nothing moved)")
        + f" after {f.settle_s:.1f} s",
        f"  valid orders applied {f.valid_applied}/{f.valid} ({f.valid_applied_pct:.1f}%), "
        f"{f.valid_refused} valid ones never acknowledged",
        f"  poison: {f.final_with_reason} final with a reason, {f.refused_at_door} refused at "
        f"the door (4xx), {f.applied_anyway} applied (bad line parked or read as valid), "
        f"{f.pending} still pending",
    ]
    if f.unknown_statuses:
        lines.append(f"  inbox statuses not recognised (counted pending): {f.unknown_statuses}")
    for kind in sorted(f.outcomes):
        said = ", ".join(f"{n} {outcome}" for outcome, n in f.outcomes[kind].most_common())
        reason = f.reasons.get(kind)
        lines.append(f"    {kind}: {said}" + (f" ({reason[:90]!r})" if reason else ""))
    return lines
