"""Stock-takes through the running service's API, read back over HTTP: a sale during the
count makes no variance, blind sessions hide expected from counters, approval needs a
manager, posting is idempotent and `verify` is clean, and bad input writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import SKU, SLASHED_SKU, Service, refusal

STOCKTAKES = "/api/stocktakes"


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _rows(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def _line(view: dict[str, Any], sku: str = SKU) -> dict[str, Any]:
    line: dict[str, Any] = next(line for line in view["lines"] if line["sku"] == sku)
    return line


def _on_hand(service: Service, sku: str = SKU) -> int:
    quantities: dict[str, int] = service.stock(sku)["locations"].get("main", {})
    return quantities.get("on_hand", 0)


def _receive(service: Service, sku: str, quantity: int, cost: str) -> None:
    body = {"sku": sku, "kind": "receive", "quantity": quantity, "unit_cost": cost}
    _ok(service.client.post("/api/movements", json=body), 201)


@pytest.fixture
def stocked(running_service: Service) -> Service:
    """10 MUG-1 at 2.00 and 5 TEE/RED-M at 3.00 on hand at main."""
    _receive(running_service, SKU, 10, "2.00")
    _receive(running_service, SLASHED_SKU, 5, "3.00")
    return running_service


@pytest.fixture
def tokens(running_service: Service) -> dict[str, dict[str, str]]:
    """Authorization headers of a viewer's and a clerk's token (the client's own is admin)."""
    client, headers = running_service.client, {}
    for role in ("viewer", "clerk"):
        added = {"name": f"{role}-1", "role": role, "password": "a long test password"}
        _ok(client.post("/api/users", json=added), 201)
        made = _ok(client.post("/api/tokens", json={"name": role, "user": f"{role}-1"}), 201)
        headers[role] = {"Authorization": f"Bearer {made['token']}"}
    return headers


def _start(service: Service, **body: Any) -> dict[str, Any]:
    return _ok(service.client.post(STOCKTAKES, json={"skus": [SKU, SLASHED_SKU], **body}), 201)


class TestTheWholeFlow:
    def test_a_sale_during_the_count_makes_no_variance_and_posting_is_idempotent(
        self, stocked: Service, tokens: dict[str, dict[str, str]]
    ) -> None:
        """Counted by two areas after 2 MUG-1 left, the mug is 1 short, not 3; the tee's
        variance of -3 waits for a manager: a clerk is refused, a manager approves; the
        post records two count movements once, and `verify` is clean."""
        client, clerk = stocked.client, tokens["clerk"]
        started = _start(stocked, name="aisle-1", approve_over_units=1)
        assert (started["name"], started["lines"], started["status"]) == ("aisle-1", 2, "open")

        sale = {"sku": SKU, "kind": "adjust", "quantity": -2, "reason": "sold at the counter"}
        _ok(client.post("/api/movements", json=sale), 201)
        for area, quantity in (("shelf A", 4), ("back room", 3)):
            body = {"sku": SKU, "quantity": quantity, "area": area}
            counted = _ok(
                client.post(f"{STOCKTAKES}/aisle-1/counts", json=body, headers=clerk), 201
            )
        assert counted["count"]["counter"] == "api:clerk"
        assert (counted["line"]["counted"], counted["line"]["expected"]) == (7, 8)
        tee = {"sku": SLASHED_SKU, "quantity": 2, "location": "main"}
        _ok(client.post(f"{STOCKTAKES}/aisle-1/counts", json=tee, headers=clerk), 201)

        review = _ok(client.get(f"{STOCKTAKES}/aisle-1"))
        mug, shirt = _line(review), _line(review, SLASHED_SKU)
        assert (mug["expected"], mug["counted"], mug["variance"]) == (8, 7, -1)
        assert (shirt["variance"], shirt["value"], shirt["needs_approval"]) == (-3, "-9.00", True)
        assert len(mug["counts"]) == 2

        waiting = refusal(client.post(f"{STOCKTAKES}/aisle-1/post"), 409)
        assert "approval" in waiting
        assert _on_hand(stocked, SLASHED_SKU) == 5
        refused = refusal(client.post(f"{STOCKTAKES}/aisle-1/approve", headers=clerk), 403)
        assert "needs the manager role" in refused
        approved = _ok(client.post(f"{STOCKTAKES}/aisle-1/approve", json={"sku": SLASHED_SKU}))
        assert approved["skus"] == [SLASHED_SKU]

        posted = _ok(client.post(f"{STOCKTAKES}/aisle-1/post"), 201)
        assert (posted["applied"], posted["movements"]) == (True, 2)
        again = _ok(client.post(f"{STOCKTAKES}/aisle-1/post"))
        assert (again["applied"], again["movements"]) == (False, 0)
        assert (_on_hand(stocked), _on_hand(stocked, SLASHED_SKU)) == (7, 2)
        counts = [m for m in stocked.movements() if m["kind"] == "count"]
        assert [m["document"] for m in counts] == [f"stocktakes/{started['id']}"]
        assert "ok:" in stocked.cli("verify")
        assert _rows(client.get(STOCKTAKES, params={"open": "true"})) == []
        assert _rows(client.get(STOCKTAKES))[0]["status"] == "posted"

    def test_cancel_leaves_no_trace_in_the_balances(self, stocked: Service) -> None:
        """A cancelled session posts nothing; cancelling twice answers applied false."""
        client = stocked.client
        session = _start(stocked)["id"]
        _ok(client.post(f"{STOCKTAKES}/{session}/counts", json={"sku": SKU, "quantity": 1}), 201)
        assert _ok(client.post(f"{STOCKTAKES}/{session}/cancel"))["applied"] is True
        assert _ok(client.post(f"{STOCKTAKES}/{session}/cancel"))["applied"] is False
        assert _on_hand(stocked) == 10
        assert refusal(client.post(f"{STOCKTAKES}/{session}/post"), 409)

    def test_a_count_key_counts_once(self, stocked: Service) -> None:
        """A retried count with its key answers 200 and the first count; another count
        with the same key is refused 409."""
        client, path = stocked.client, f"{STOCKTAKES}/{_start(stocked)['id']}/counts"
        scan = {"sku": SKU, "quantity": 1, "mode": "add", "key": "scan-1"}
        assert _ok(client.post(path, json=scan), 201)["applied"] is True
        retried = _ok(client.post(path, json=scan))
        assert (retried["applied"], retried["line"]["counted"]) == (False, 1)
        assert "scan-1" in refusal(client.post(path, json={**scan, "quantity": 2}), 409)

    def test_a_barcode_counts_its_sku(self, stocked: Service) -> None:
        """A scanned barcode counts the SKU it belongs to; an unknown one answers 404."""
        stocked.cli("sku", "barcode", "add", SKU, "4006381333931")
        client, path = stocked.client, f"{STOCKTAKES}/{_start(stocked)['id']}/counts"
        scan = {"sku": "4006381333931", "quantity": 1, "mode": "add", "key": "scan-1"}
        counted = _ok(client.post(path, json=scan), 201)
        assert (counted["line"]["sku"], counted["line"]["counted"]) == (SKU, 1)
        unknown = {"sku": "4006381333948", "quantity": 1}
        assert "4006381333948" in refusal(client.post(path, json=unknown), 404)


class TestBlindSessions:
    def test_a_counter_never_sees_expected_but_a_manager_does(
        self, stocked: Service, tokens: dict[str, dict[str, str]]
    ) -> None:
        """In a blind session the count's answer and the session as a clerk or viewer
        reads it carry no expected, variance or value; the manager's review does."""
        client = stocked.client
        session = _start(stocked, blind=True)["id"]
        body = {"sku": SKU, "quantity": 9}
        counted = _ok(
            client.post(f"{STOCKTAKES}/{session}/counts", json=body, headers=tokens["clerk"]), 201
        )
        assert counted["line"]["counted"] == 9
        assert (counted["line"]["expected"], counted["line"]["variance"]) == (None, None)
        for role in ("clerk", "viewer"):
            seen = _ok(client.get(f"{STOCKTAKES}/{session}", headers=tokens[role]))
            assert seen["expected_shown"] is False
            for line in seen["lines"]:
                assert {line[k] for k in ("expected", "variance", "percent", "value")} == {None}
            assert "10" not in str([line["expected"] for line in seen["lines"]])
        review = _ok(client.get(f"{STOCKTAKES}/{session}"))
        assert review["expected_shown"] is True
        assert (_line(review)["expected"], _line(review)["variance"]) == (10, -1)
        assert _line(review, SLASHED_SKU)["expected"] == 5

    def test_an_open_session_shows_expected_to_a_clerk(
        self, stocked: Service, tokens: dict[str, dict[str, str]]
    ) -> None:
        """Not blind: the counter's view shows the expected on hand."""
        session = _start(stocked)["id"]
        seen = _ok(stocked.client.get(f"{STOCKTAKES}/{session}", headers=tokens["clerk"]))
        assert (seen["expected_shown"], _line(seen)["expected"]) == (True, 10)


class TestBadInput:
    def test_bad_counts_are_refused_clearly_and_write_nothing(self, stocked: Service) -> None:
        """An unknown SKU 404, a negative count 422, another location 409, a SKU not in
        the session 404, an unknown session 404: no count is recorded."""
        client = stocked.client
        session = _start(stocked, skus=[SKU])["id"]
        path = f"{STOCKTAKES}/{session}/counts"
        assert "NOPE-1" in refusal(client.post(path, json={"sku": "NOPE-1", "quantity": 1}), 404)
        negative = refusal(client.post(path, json={"sku": SKU, "quantity": -1}), 422)
        assert "quantity" in negative
        elsewhere = {"sku": SKU, "quantity": 1, "location": "east"}
        assert "east" in refusal(client.post(path, json=elsewhere), 409)
        outside = refusal(client.post(path, json={"sku": SLASHED_SKU, "quantity": 1}), 404)
        assert f"not in stock-take {session}" in outside
        unknown = refusal(
            client.post(f"{STOCKTAKES}/nosuch/counts", json={"sku": SKU, "quantity": 1}), 404
        )
        assert "nosuch" in unknown
        assert refusal(client.post(path, json={"sku": SKU, "quantity": 1, "qty": 1}), 422)
        assert _line(_ok(client.get(f"{STOCKTAKES}/{session}")))["counts"] == []

    def test_a_closed_session_refuses_counts(self, stocked: Service) -> None:
        """Once cancelled, a count answers 409 naming the session's state."""
        client = stocked.client
        session = _start(stocked)["id"]
        _ok(client.post(f"{STOCKTAKES}/{session}/cancel"))
        closed = refusal(
            client.post(f"{STOCKTAKES}/{session}/counts", json={"sku": SKU, "quantity": 1}), 409
        )
        assert "cancelled" in closed
        assert _line(_ok(client.get(f"{STOCKTAKES}/{session}")))["counts"] == []

    def test_bad_starts_are_refused_and_open_nothing(self, stocked: Service) -> None:
        """An unknown location or SKU 404, an overlap 409, a numeric name or a bad
        threshold 422: only the first session exists."""
        client = stocked.client
        first = _start(stocked)["id"]
        assert "nowhere" in refusal(
            client.post(STOCKTAKES, json={"skus": [SKU], "location": "nowhere"}), 404
        )
        assert "NOPE-1" in refusal(client.post(STOCKTAKES, json={"skus": ["NOPE-1"]}), 404)
        overlap = refusal(client.post(STOCKTAKES, json={"skus": [SKU]}), 409)
        assert str(first) in overlap
        assert "number" in refusal(client.post(STOCKTAKES, json={"name": "42"}), 422)
        assert refusal(
            client.post(STOCKTAKES, json={"skus": [SKU], "approve_over_percent": "lots"}), 422
        )
        assert [row["id"] for row in _rows(client.get(STOCKTAKES))] == [first]
