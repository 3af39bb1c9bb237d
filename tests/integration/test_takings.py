"""What a channel's own orders took since each SKU's last push: the planner reads it on
every sync of every channel, so it must cost the movements after the watermarks, never
the whole ledger."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tortoise import connections

from syncbot.ledger import order_commit, receive
from syncbot.store import listing_reads
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import Provenance, post
from syncbot.store.sku_list import with_placeholders

SKUS = [f"SKU-{n:03d}" for n in range(200)]


class TestTakingsSince:
    async def test_each_sku_from_its_own_watermark_and_only_the_channels_orders(
        self, database: str
    ) -> None:
        for sku in ("MUG", "TEE"):
            await add_sku(sku)
            await post([receive(sku, 50)])
        await post([order_commit("MUG", 1)], provenance=Provenance(actor="shop"))
        mark = await listing_reads.watermark()
        await post([order_commit("MUG", 2)], provenance=Provenance(actor="shop"))
        await post([order_commit("MUG", 4)], provenance=Provenance(actor="other-shop"))
        await post([order_commit("TEE", 3)], provenance=Provenance(actor="shop"))

        found = await listing_reads.takings_since("shop", {"MUG": mark, "TEE": 0}, ["main"])

        assert {sku: [units for _, units in takings] for sku, takings in found.items()} == {
            "MUG": [2],  # the sale of 1 is at or below MUG's watermark; 4 is another channel's
            "TEE": [3],
        }

    async def test_on_postgresql_it_reads_the_index_from_each_watermark(
        self, database: str
    ) -> None:
        """With 20,000 movements, the plan is one index range per SKU: no scan of every
        movement (a plain join of the SKUs' array was planned as one)."""
        connection = connections.get("default")
        if connection.capabilities.dialect != "postgres":
            pytest.skip("SQLite reads the (sku_id, id) index per chunk of SKUs: no join to plan")
        for sku in SKUS:
            await add_sku(sku)
        await connection.execute_script(
            "INSERT INTO movement (posting, kind, quantity, source_location, source_bucket, "
            "destination_location, destination_bucket, reason, forced, actor, document, "
            "occurred_at, recorded_at, sku_id) "
            "SELECT gen_random_uuid(), 'order_commit', 1, 'main', 'available', 'main', "
            "'committed', '', false, "
            "CASE WHEN g % 2 = 0 THEN 'shop' ELSE 'other-shop' END, 'order-' || g, "
            "now(), now(), 'SKU-' || lpad((g % 200)::text, 3, '0') "
            "FROM generate_series(1, 20000) AS g; ANALYZE movement"
        )
        marks = [19_000] * len(SKUS)
        sql = with_placeholders(listing_reads._TAKINGS_POSTGRES, "postgres")
        _, rows = await connection.execute_query(
            f"EXPLAIN (FORMAT JSON) {sql}", [SKUS, marks, "shop"]
        )
        explained = rows[0][0]  # asyncpg hands json as text
        nodes = list(_nodes(orjson.loads(explained)[0]["Plan"]))

        on_movement = {
            node["Node Type"] for node in nodes if node.get("Relation Name") == "movement"
        }
        assert "Seq Scan" not in on_movement, nodes
        assert on_movement & {"Index Scan", "Bitmap Heap Scan", "Index Only Scan"}, nodes
        found = await listing_reads.takings_since(
            "shop", dict(zip(SKUS, marks, strict=True)), ["main"]
        )
        assert sum(len(takings) for takings in found.values()) == 500  # ids 19,002…20,000, even


def _nodes(plan: dict[str, Any]) -> Any:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)
