"""Purchase orders and suppliers through the running service's API, read back over HTTP:
ordering fills incoming, receipts empty it into available, the roles hold, and a bad
request answers 4xx and writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import SKU, SLASHED_SKU, Service, StartService, refusal

ORDERS = "/api/purchase-orders"


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _line(order: dict[str, Any], sku: str = SKU) -> dict[str, Any]:
    line: dict[str, Any] = next(line for line in order["lines"] if line["sku"] == sku)
    return line


def _main(service: Service, sku: str = SKU) -> dict[str, int]:
    quantities: dict[str, int] = service.stock(sku)["locations"].get("main", {})
    return quantities


@pytest.fixture
def ordered(running_service: Service) -> Service:
    """Supplier Acme; PO-0001 from it for main, due 2026-12-24: 10 MUG-1 at 4.50 and 3
    TEE/RED-M at 7, ordered."""
    client = running_service.client
    _ok(client.post("/api/suppliers", json={"name": "Acme", "lead_time_days": 5}), 201)
    body = {"supplier": "Acme", "location": "main", "expected_on": "2026-12-24"}
    created = _ok(client.post(ORDERS, json=body), 201)
    assert created["number"] == "PO-0001"
    assert created["status"] == "draft"
    _ok(
        client.post(
            f"{ORDERS}/PO-0001/lines", json={"sku": SKU, "quantity": 10, "unit_cost": "4.50"}
        ),
        201,
    )
    line = {"sku": SLASHED_SKU, "quantity": 3, "unit_cost": 7}
    _ok(client.post(f"{ORDERS}/PO-0001/lines", json=line), 201)
    placed = _ok(client.post(f"{ORDERS}/PO-0001/order"))
    assert placed["order"]["status"] == "ordered"
    assert placed["order"]["value"] == "66.00"
    assert {m["destination"]["bucket"] for m in placed["movements"]} == {"incoming"}
    return running_service


class TestTheWholeFlow:
    def test_order_then_receive_in_parts_then_over_receipt_refused_then_forced(
        self, ordered: Service
    ) -> None:
        """Ordering fills incoming; a partial receipt and the rest move it to available;
        one more unit is refused with 409 until forced, then counts as over-received."""
        client = ordered.client
        assert _main(ordered)["incoming"] == 10

        receipt = {"sku": SKU, "quantity": 4, "damaged": 1, "unit_cost": "4.40"}
        first = _ok(client.post(f"{ORDERS}/PO-0001/receipts", json=receipt), 201)
        assert first["order"]["status"] == "partially_received"
        assert _line(first["order"])["open"] == 6
        assert {m["document"] for m in first["movements"]} == {"purchase-orders/PO-0001"}
        assert _main(ordered) == {
            "on_hand": 4, "available": 3, "committed": 0, "damaged": 1, "incoming": 6
        }  # fmt: skip

        rest = _ok(client.post(f"{ORDERS}/PO-0001/receipts", json={"sku": SKU, "quantity": 6}), 201)
        assert _line(rest["order"])["received"] == 10
        assert _main(ordered)["incoming"] == 0
        assert _main(ordered)["available"] == 9

        one_more = {"sku": SKU, "quantity": 1}
        message = refusal(client.post(f"{ORDERS}/PO-0001/receipts", json=one_more), 409)
        assert "force" in message
        assert _main(ordered)["available"] == 9
        forced = _ok(
            client.post(f"{ORDERS}/PO-0001/receipts", json={**one_more, "force": True}), 201
        )
        assert _line(forced["order"])["over_received"] == 1
        assert _main(ordered)["available"] == 10

    def test_cancelling_the_rest_gives_incoming_back_and_a_cancelled_order_closes(
        self, ordered: Service
    ) -> None:
        """Cancelling one line's rest, then the order's, empties incoming; close follows."""
        client = ordered.client
        _ok(client.post(f"{ORDERS}/PO-0001/receipts", json={"sku": SKU, "quantity": 4}), 201)
        line = _ok(client.post(f"{ORDERS}/PO-0001/cancel", json={"sku": SKU}))
        assert _line(line["order"])["cancelled"] == 6
        assert _main(ordered)["incoming"] == 0
        assert _main(ordered, SLASHED_SKU)["incoming"] == 3

        whole = _ok(client.post(f"{ORDERS}/PO-0001/cancel"))
        assert whole["order"]["status"] == "cancelled"
        assert _main(ordered, SLASHED_SKU)["incoming"] == 0
        closed = _ok(client.post(f"{ORDERS}/PO-0001/close"))
        assert closed["status"] == "closed"
        assert _ok(client.get(ORDERS, params={"open": "true"})) == []
        assert [row["status"] for row in _ok(client.get(ORDERS))] == ["closed"]

    def test_receive_all_and_the_order_list_shows_progress(self, ordered: Service) -> None:
        """Receive-all takes every open line in one posting; the list sums the units."""
        client = ordered.client
        _ok(client.post(f"{ORDERS}/PO-0001/receipts", json={"sku": SKU, "quantity": 2}), 201)
        [row] = _ok(client.get(ORDERS, params={"open": "true"}))
        assert (row["ordered"], row["received"], row["supplier"]) == (13, 2, "Acme")
        assert row["expected_on"] == "2026-12-24"

        everything = _ok(client.post(f"{ORDERS}/PO-0001/receive-all"), 201)

        assert everything["order"]["status"] == "received"
        assert len({m["posting"] for m in everything["movements"]}) == 1
        assert _main(ordered)["available"] == 10
        assert _main(ordered, SLASHED_SKU)["available"] == 3

    def test_a_receipt_key_records_once(self, ordered: Service) -> None:
        """The same key and receipt answers 200 already_applied with the first movements;
        the same key with another quantity is a 409."""
        client = ordered.client
        receipt = {"sku": SKU, "quantity": 3, "idempotency_key": "delivery-7"}
        first = _ok(client.post(f"{ORDERS}/PO-0001/receipts", json=receipt), 201)
        again = _ok(client.post(f"{ORDERS}/PO-0001/receipts", json=receipt), 200)

        assert again["status"] == "already_applied"
        assert [m["id"] for m in again["movements"]] == [m["id"] for m in first["movements"]]
        refusal(client.post(f"{ORDERS}/PO-0001/receipts", json={**receipt, "quantity": 4}), 409)
        assert _main(ordered)["available"] == 3


class TestRoles:
    def test_a_clerk_receives_but_may_not_order_and_a_viewer_only_reads(
        self, ordered: Service
    ) -> None:
        """clerk: receipts yes, ordering and creating no (403 naming manager); viewer reads."""
        client = ordered.client
        tokens = {}
        for role in ("viewer", "clerk"):
            added = {"name": f"{role}-1", "role": role, "password": "a long test password"}
            _ok(client.post("/api/users", json=added), 201)
            made = _ok(client.post("/api/tokens", json={"name": role, "user": f"{role}-1"}), 201)
            tokens[role] = {"Authorization": f"Bearer {made['token']}"}
        clerk, viewer = tokens["clerk"], tokens["viewer"]

        received = client.post(
            f"{ORDERS}/PO-0001/receipts", json={"sku": SKU, "quantity": 1}, headers=clerk
        )
        assert received.status_code == 201, received.text
        assert _ok(received, 201)["movements"][0]["actor"] == "api:clerk"
        for path, body in (
            (ORDERS, {"supplier": "Acme"}),
            (f"{ORDERS}/PO-0001/cancel", {}),
            (f"{ORDERS}/PO-0001/lines", {"sku": SKU, "quantity": 1}),
            ("/api/suppliers", {"name": "Bolt"}),
        ):
            message = refusal(client.post(path, json=body, headers=clerk), 403)
            assert "needs the manager role" in message
        message = refusal(
            client.post(
                f"{ORDERS}/PO-0001/receipts", json={"sku": SKU, "quantity": 1}, headers=viewer
            ),
            403,
        )
        assert "needs the clerk role" in message
        assert (
            _ok(client.get(f"{ORDERS}/PO-0001", headers=viewer))["status"] == "partially_received"
        )
        assert _main(ordered)["available"] == 1
        assert len(_ok(client.get(ORDERS))) == 1


class TestBadInput:
    def test_bad_costs_dates_suppliers_and_lines_answer_4xx_and_write_nothing(
        self, ordered: Service
    ) -> None:
        """A float or negative cost, an unknown supplier, a date that is not a date, a line
        not on the order and an order in the wrong state: refused, nothing changes."""
        client = ordered.client
        before = _ok(client.get(f"{ORDERS}/PO-0001"))
        stock_before = ordered.stock(), ordered.stock(SLASHED_SKU)
        receipts = f"{ORDERS}/PO-0001/receipts"
        cases = [
            (receipts, {"sku": SKU, "quantity": 1, "unit_cost": 4.5}, 422, "unit_cost"),
            (receipts, {"sku": SKU, "quantity": 1, "unit_cost": "-1"}, 422, "cost"),
            (receipts, {"sku": SKU, "quantity": 1, "unit_cost": "abc"}, 422, "4.50"),
            (receipts, {"sku": SKU, "quantity": 0}, 422, "quantity"),
            (receipts, {"sku": SKU, "quantity": 2, "damaged": 3}, 422, "damaged"),
            (receipts, {"sku": "NOT-ON-IT", "quantity": 1}, 404, "NOT-ON-IT"),
            (ORDERS, {"supplier": "Nobody"}, 404, "unknown supplier"),
            (ORDERS, {"supplier": "Acme", "expected_on": "24/12/2026"}, 422, "YYYY-MM-DD"),
            (ORDERS, {"supplier": "Acme", "location": "mars"}, 404, "mars"),
            (f"{ORDERS}/PO-0001/lines", {"sku": "MUG-1", "quantity": 1}, 409, "already"),
            (f"{ORDERS}/PO-0001/close", None, 409, "ordered"),
            (f"{ORDERS}/PO-0999/order", None, 404, "PO-0999"),
            (f"{ORDERS}/PO-0001/order", None, 409, "ordered"),
        ]
        for path, body, status, words in cases:
            message = refusal(client.post(path, json=body), status)
            assert words in message, (path, body, message)
        message = refusal(client.delete(f"{ORDERS}/PO-0001/lines/{SKU}"), 409)
        assert "cancel" in message

        assert _ok(client.get(f"{ORDERS}/PO-0001")) == before
        assert (ordered.stock(), ordered.stock(SLASHED_SKU)) == stock_before
        assert [row["number"] for row in _ok(client.get(ORDERS))] == ["PO-0001"]

    def test_a_draft_is_edited_and_a_line_removed_before_it_is_ordered(
        self, start_service: StartService
    ) -> None:
        """PATCH changes a draft line's quantity and cost, DELETE removes it; no stock moves."""
        client = start_service().client
        _ok(client.post("/api/suppliers", json={"name": "Acme"}), 201)
        _ok(
            client.put(
                f"/api/suppliers/Acme/terms/{SKU}", json={"unit_cost": "2.25", "case_pack": 6}
            )
        )
        _ok(client.post(ORDERS, json={"supplier": "Acme", "number": "A/1"}), 201)
        added = _ok(client.post(f"{ORDERS}/A/1/lines", json={"sku": SKU, "quantity": 6}), 201)
        assert _line(added["order"])["unit_cost"] == "2.25"  # the supplier's last cost
        assert added["movements"] == []

        edited = _ok(
            client.patch(f"{ORDERS}/A/1/lines/{SKU}", json={"quantity": 12, "unit_cost": "2"})
        )
        assert (_line(edited["order"])["quantity"], edited["order"]["value"]) == (12, "24.00")
        removed = _ok(client.delete(f"{ORDERS}/A/1/lines/{SKU}"))
        assert removed["lines"] == []
        supplier = _ok(client.get("/api/suppliers/Acme"))
        assert supplier["items"][0]["case_pack"] == 6
        assert (
            _ok(client.patch("/api/suppliers/Acme", json={"lead_time_days": 9}))["lead_time_days"]
            == 9
        )
        assert client.get(f"/api/stock/{SKU}").json()["total"]["incoming"] == 0
