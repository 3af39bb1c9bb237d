"""Fault figures: kill -9 during intake, a poison mix, and a 429/THROTTLED storm.

    python bench/faults.py [--kills 100] [--deliveries 1000] [--storm-seconds 60]
                           [--postgres ADMIN_URL] [--quick] [--seed N]

Each part runs a real `syncbot serve` on a scratch database (SQLite in a temporary
directory, or a PostgreSQL database created and dropped with --postgres) with one Shopify
channel pointed at a fake Shopify Admin API served on 127.0.0.1 from this process
(bench/faults_shopify.py, built on connectors.shopify.testing).

1. Intake kills (bench/faults_kills.py): SIGKILL at random moments while signed orders
   stream in, each resent until a 2xx, and the scheduler pushes. Counted after recovery:
   orders lost, orders or receipts posted twice, pushes applied beyond syncbot's planned
   changes, inbox rows not applied, and `syncbot verify`. Target: 0, 0, 0, 0, clean.
2. Poison mix (bench/faults_poison.py): deliveries of which 5% are poison. Target: 100%
   of the valid ones applied, and every poison one closed with its reason.
3. Storm (bench/faults_storm.py): 429 with Retry-After and THROTTLED answers. Target: no
   call before Retry-After has elapsed; the time to converge after the storm is measured.

The last line is machine-readable:
`faults kills=N lost=N duplicated=N stuck=N verify=clean|dirty poison_valid_applied=PCT
early_calls=N converge_s=X quarantined=N`: converge_s is `none` when the storm part did not
converge, quarantined counts the listings part 1 left quarantined (the target is 0).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from faults_kills import KillFigures, kill_storm
from faults_kills import describe as describe_kills
from faults_poison import PoisonFigures, poison_mix
from faults_poison import describe as describe_poison
from faults_service import Service, item, scratch_database, seed
from faults_shopify import RecordingShopify
from faults_storm import StormFigures, storm
from faults_storm import describe as describe_storm

from syncbot.testing import serve_in_thread

SKUS = [f"FAULT-{n}" for n in range(10)]
ON_HAND = 1_000_000  # enough that no order is refused by the shop for want of stock


@asynccontextmanager
async def stage(
    name: str, postgres: str | None, *, discover: bool = True
) -> AsyncIterator[tuple[Service, RecordingShopify, dict[str, str]]]:
    """A seeded scratch database, a fake shop listing every SKU, and a service (not started)."""
    items = {sku: item(n) for n, sku in enumerate(SKUS)}
    fake = RecordingShopify(list(items.items()))
    fake.inventory.levels = dict.fromkeys(items.values(), ON_HAND)
    with tempfile.TemporaryDirectory(prefix=f"faults-{name}-") as directory:
        async with scratch_database(postgres, Path(directory)) as database_url:
            await seed(database_url, SKUS, ON_HAND)
            with serve_in_thread(fake.app, "fake Shopify") as fake_url:
                service = Service(Path(directory), database_url, fake_url)
                if discover:
                    found = service.cli("channels", "discover", "bench")
                    if found.returncode != 0:
                        raise SystemExit(f"channels discover failed: {found.stdout}{found.stderr}")
                try:
                    yield service, fake, items
                finally:
                    await service.stop()


def say(lines: list[str]) -> None:
    for line in lines:
        print(line, flush=True)


async def run(arguments: argparse.Namespace) -> str:
    started = time.monotonic()
    postgres = arguments.postgres or None
    print(
        f"fault figures on {'PostgreSQL' if postgres else 'SQLite'}, seed {arguments.seed}",
        flush=True,
    )
    async with stage("kills", postgres) as (service, fake, items):
        kills: KillFigures = await kill_storm(
            service, fake, items, kills=arguments.kills, rate=arguments.rate, seed=arguments.seed
        )
        say(describe_kills(kills))
    async with stage("poison", postgres, discover=False) as (service, _, _):
        poison: PoisonFigures = await poison_mix(
            service,
            SKUS,
            deliveries=arguments.deliveries,
            share=0.05,
            seed=arguments.seed,
            stall=arguments.stall_seconds,
        )
        say(describe_poison(poison))
    async with stage("storm", postgres) as (service, fake, items):
        storming: StormFigures = await storm(
            service,
            fake,
            items,
            seconds=arguments.storm_seconds,
            converge_limit=arguments.converge_limit,
            seed=arguments.seed,
        )
        say(describe_storm(storming))
    print(f"took {time.monotonic() - started:.0f} s", flush=True)
    converge = "none" if storming.converge_s is None else f"{storming.converge_s:.1f}"
    return (
        f"faults kills={kills.kills} lost={kills.lost} duplicated={kills.duplicated} "
        f"stuck={kills.stuck} verify={'clean' if kills.verify_clean else 'dirty'} "
        f"poison_valid_applied={poison.valid_applied_pct:.1f} "
        f"early_calls={storming.early_calls} converge_s={converge} "
        f"quarantined={kills.quarantined}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100, help="kill -9s of serve (default 100)")
    parser.add_argument("--deliveries", type=int, default=1000, help="poison mix size")
    parser.add_argument("--storm-seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=8.0, help="orders a second during kills")
    parser.add_argument(
        "--stall-seconds",
        type=float,
        default=15.0,
        help="poison mix: stop waiting when the inbox has not moved this long",
    )
    parser.add_argument(
        "--converge-limit",
        type=float,
        default=120.0,
        help="storm: seconds to wait for convergence before giving up",
    )
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        default="",
        help="run on scratch PostgreSQL databases created through this URL",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 5 kills, 100 deliveries, a 10 s storm")  # fmt: skip
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.kills, arguments.deliveries = min(arguments.kills, 5), 100
        arguments.storm_seconds, arguments.stall_seconds = 10.0, 8.0
        arguments.converge_limit = 60.0
    print(asyncio.run(run(arguments)), flush=True)


if __name__ == "__main__":
    main()
