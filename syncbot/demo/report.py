"""What the demo prints before and after the live lines: where everything is, and the
summary, whose last line is for machines:

    demo orders=N pushes=N change_p95_s=X drift=N

X is seconds with two decimals, or n/a when no change reached a storefront; drift is
`unchecked` when Ctrl-C stopped the demo before it could check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.shopify.admin import DEFAULT_API_VERSION
from connectors.woocommerce.api import API_PATH
from syncbot.demo import catalogue
from syncbot.demo.settle import Outcome
from syncbot.demo.setup import SignIn
from syncbot.demo.storefronts import SHOPIFY, WOO, Storefronts
from syncbot.demo.tally import Tally, seconds

if TYPE_CHECKING:
    from syncbot.demo.run import DemoOptions


def welcome_lines(
    url: str, sign_in: SignIn, fronts: Storefronts, directory: Path, options: DemoOptions
) -> Iterator[str]:
    skus = len(catalogue.products())
    places = " and ".join(catalogue.LOCATIONS)
    yield (
        f"syncbot demo: {skus} SKUs and bundle {catalogue.BUNDLE} stocked at {places}, "
        "listed on two emulated storefronts"
    )
    yield f"  console   {url}/   sign in as {sign_in.name} / {sign_in.password}"
    yield f"  {SHOPIFY:<9} {fronts.shopify_url}/admin/api/{DEFAULT_API_VERSION}/graphql.json"
    yield f"  {WOO:<9} {fronts.woo_url}{API_PATH}/"
    kept = "kept" if options.directory is not None else "removed at exit; --dir keeps it"
    yield f"  data      {directory} (syncbot.db, syncbot.toml, syncbot.log; {kept})"
    until = f"for {options.seconds:g} s" if options.seconds is not None else "until Ctrl-C"
    yield (
        f"customers shop {options.orders_per_minute:g} orders a minute on both storefronts "
        f"{until}; Ctrl-C stops everything"
    )


def summary_lines(
    tally: Tally, fronts: Storefronts, outcome: Outcome | None, elapsed: float
) -> Iterator[str]:
    yield f"summary after {elapsed:.1f} s"
    for name, watched in fronts.watched.items():
        yield (
            f"  {name:<9} {tally.orders[name]} orders, {tally.cancelled[name]} cancelled, "
            f"{tally.returned[name]} returned | {tally.pushes[name]} pushes "
            f"({tally.levels_set[name]} levels) in {watched.calls} calls, "
            f"{watched.throttles} throttled"
        )
    yield (
        f"  change → channel: median {seconds(tally.median())} s, "
        f"p95 {seconds(tally.p95())} s over {len(tally.latencies)} changes"
    )
    if outcome is None:
        drift = "unchecked"
        yield "  drift: not checked (stopped before the end)"
    else:
        drift = str(outcome.drift)
        each = ", ".join(f"{name} {units}" for name, units in outcome.by_channel.items())
        verdict = (
            "every storefront shows syncbot's plan"
            if outcome.drift == 0
            else "a storefront differs from syncbot's plan"
        )
        yield f"  drift: {each} units ({verdict})"
    yield (
        f"demo orders={tally.total_orders} pushes={tally.total_pushes} "
        f"change_p95_s={seconds(tally.p95())} drift={drift}"
    )
