"""Reading stock and history, and the operations endpoints, on the running service."""

from __future__ import annotations

import re

from .conftest import RECEIPT, SKU, SLASHED_SKU, Service, refusal


class TestOperations:
    def test_health_and_readiness_answer_200(self, running_service: Service) -> None:
        """A started service is alive and ready: its database answers."""
        health = running_service.client.get("/healthz")
        ready = running_service.client.get("/readyz")

        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        assert ready.status_code == 200, ready.text

    def test_metrics_count_postings_and_requests(self, running_service: Service) -> None:
        """After a post, /metrics shows it in Prometheus text format."""
        assert running_service.post_movement(RECEIPT).status_code == 201

        response = running_service.client.get("/metrics")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        postings = re.search(r"^syncbot_postings_total (\S+)$", response.text, re.MULTILINE)
        assert postings is not None, response.text
        assert float(postings.group(1)) >= 1
        assert (
            'syncbot_http_requests_total{method="POST",route="/api/movements",status="201"} 1.0'
            in response.text
        )

    def test_an_unknown_path_answers_json(self, running_service: Service) -> None:
        """Even a path that does not exist gets a JSON error, not an HTML page."""
        refusal(running_service.client.get("/nowhere"), 404)
        refusal(running_service.client.delete("/healthz"), 405)


class TestReading:
    def test_stock_of_an_unknown_sku_is_not_found(self, running_service: Service) -> None:
        """GET /api/stock and /api/movements of a SKU not in the catalogue answer 404."""
        assert "NOPE-1" in refusal(running_service.client.get("/api/stock/NOPE-1"), 404)
        movements = running_service.client.get("/api/movements", params={"sku": "NOPE-1"})
        assert "NOPE-1" in refusal(movements, 404)

    def test_a_sku_with_a_slash_is_one_path_parameter(self, running_service: Service) -> None:
        """/api/stock/TEE/RED-M reports SKU TEE/RED-M, not a missing route."""
        receipt = {"sku": SLASHED_SKU, "kind": "receive", "quantity": 4}
        assert running_service.post_movement(receipt).status_code == 201

        stock = running_service.stock(SLASHED_SKU)

        assert stock["sku"] == SLASHED_SKU
        assert stock["total"]["available"] == 4

    def test_history_is_newest_first_and_limited(self, running_service: Service) -> None:
        """limit keeps the newest movements; all SKUs are listed when none is named."""
        for quantity in (1, 2, 3):
            running_service.post_movement({"sku": SKU, "kind": "receive", "quantity": quantity})
        running_service.post_movement({"sku": SLASHED_SKU, "kind": "receive", "quantity": 9})

        newest = running_service.client.get("/api/movements", params={"sku": SKU, "limit": 2})
        everything = running_service.client.get("/api/movements")

        assert [m["quantity"] for m in newest.json()] == [3, 2]
        assert [m["quantity"] for m in everything.json()] == [9, 3, 2, 1]

    def test_a_limit_out_of_range_is_refused(self, running_service: Service) -> None:
        """limit must be a whole number from 1 to 1000: anything else answers 422."""
        for limit in ("0", "1001", "-1", "ten"):
            response = running_service.client.get("/api/movements", params={"limit": limit})

            assert "limit" in refusal(response, 422), limit
