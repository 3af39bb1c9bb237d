"""Recording movements through POST /api/movements on the running service, read over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from .conftest import (
    EMPTY,
    MAX_BODY_BYTES,
    RECEIPT,
    SKU,
    TOKEN,
    Service,
    StartService,
    anonymous,
    assert_nothing_written,
    refusal,
)


class TestPosting:
    def test_a_receipt_is_recorded_and_shows_in_stock_and_history(
        self, running_service: Service
    ) -> None:
        """A good post answers 201 with the movement and stock; both read back the same."""
        response = running_service.post_movement({**RECEIPT, "document": "PO-42"})

        assert response.status_code == 201, response.text
        answer = response.json()
        assert answer["status"] == "applied"
        [movement] = answer["movements"]
        assert movement["kind"] == "receive"
        assert movement["quantity"] == 10
        assert movement["source"] == {"location": "main", "bucket": "supplier"}
        assert movement["destination"] == {"location": "main", "bucket": "available"}
        assert movement["actor"] == "api"
        assert movement["document"] == "PO-42"
        assert movement["posting"] == answer["posting"]
        assert answer["stock"]["locations"]["main"]["available"] == 10
        stock = running_service.stock()
        assert stock["sku"] == SKU
        assert stock["locations"]["main"] == {**EMPTY, "on_hand": 10, "available": 10}
        assert stock["total"] == stock["locations"]["main"]
        assert running_service.movements() == [movement]

    def test_every_kind_moves_the_buckets_it_names(self, running_service: Service) -> None:
        """Each kind of the API posts its route; the balances add up across locations."""
        steps: list[dict[str, Any]] = [
            {"kind": "receive", "quantity": 10},
            {"kind": "damage", "quantity": 2, "reason": "dropped"},
            {"kind": "write_off", "quantity": 1},
            {"kind": "transfer", "quantity": 3, "to_location": "east"},
            {"kind": "adjust", "quantity": -1, "reason": "broken seal"},
            {"kind": "adjust", "quantity": 2, "bucket": "incoming", "reason": "PO 43 shipped"},
            {"kind": "count", "quantity": 4},
        ]
        for step in steps:
            response = running_service.post_movement({"sku": SKU, **step})
            assert response.status_code == 201, (step, response.text)

        stock = running_service.stock()
        assert stock["locations"]["main"] == {
            "on_hand": 4,
            "available": 3,
            "committed": 0,
            "damaged": 1,
            "incoming": 2,
        }
        assert stock["locations"]["east"] == {**EMPTY, "on_hand": 3, "available": 3}
        assert stock["total"]["on_hand"] == 7
        kinds = [movement["kind"] for movement in running_service.movements()]
        assert kinds == [step["kind"] for step in reversed(steps)]

    def test_a_count_that_matches_answers_201_with_no_movement(
        self, running_service: Service
    ) -> None:
        """A count equal to on_hand is recorded as checked and moves nothing."""
        running_service.post_movement(RECEIPT)

        response = running_service.post_movement({"sku": SKU, "kind": "count", "quantity": 10})

        assert response.status_code == 201, response.text
        assert response.json()["movements"] == []
        assert len(running_service.movements()) == 1


class TestIdempotency:
    def test_the_same_key_and_body_is_applied_once(self, running_service: Service) -> None:
        """A retry answers 200 already_applied with the first posting; stock is unchanged."""
        first = running_service.post_movement(RECEIPT)
        retry = running_service.post_movement(RECEIPT)

        assert first.status_code == 201, first.text
        assert retry.status_code == 200, retry.text
        assert retry.json()["status"] == "already_applied"
        assert retry.json()["posting"] == first.json()["posting"]
        assert retry.json()["movements"] == first.json()["movements"]
        assert running_service.stock()["total"]["available"] == 10
        assert len(running_service.movements()) == 1

    def test_the_same_key_with_another_quantity_is_a_conflict(
        self, running_service: Service
    ) -> None:
        """Reusing a key for a different movement answers 409 and writes nothing."""
        running_service.post_movement(RECEIPT)

        response = running_service.post_movement({**RECEIPT, "quantity": 11})

        assert "po-42:line-1" in refusal(response, 409)
        assert running_service.stock()["total"]["available"] == 10
        assert len(running_service.movements()) == 1


# Each list below runs against one server: a server per case would triple the suite's time.
WRONG_AUTHORIZATIONS = [
    None,
    f"Bearer {TOKEN}x",
    "Bearer not-the-token",
    "Bearer",
    f"Basic {TOKEN}",
    TOKEN,
]
BAD_QUANTITIES: list[object] = [0, -3, 1.5, "three", True, None, "", [1], 10**12]
INVALID_MOVEMENTS: list[tuple[dict[str, Any], str]] = [
    ({"sku": SKU, "kind": "count", "quantity": -1}, "cannot be negative"),
    ({"sku": SKU, "kind": "adjust", "quantity": 0, "reason": "typo"}, "adjustment of 0"),
    ({"sku": SKU, "kind": "adjust", "quantity": 3}, "needs a reason"),
    ({"sku": SKU, "kind": "adjust", "quantity": 1, "reason": "x", "bucket": "scrap"}, "real"),
    ({"sku": SKU, "kind": "transfer", "quantity": 1}, "to_location"),
    ({"sku": SKU, "kind": "transfer", "quantity": 1, "to_location": "main"}, "different"),
    ({"sku": SKU, "kind": "receive", "quantity": 1, "to_location": "east"}, "to_location"),
    ({"sku": SKU, "kind": "damage", "quantity": 1, "bucket": "damaged"}, "bucket"),
    ({"sku": SKU, "kind": "steal", "quantity": 1}, "kind"),
    ({"sku": SKU, "kind": "receive", "quantity": 1, "colour": "blue"}, "colour"),
    ({"sku": SKU, "kind": "receive", "quantity": 1, "force": "yes"}, "force"),
    ({"kind": "receive", "quantity": 1}, "sku"),
]
NOT_JSON_OBJECTS = [b'{"sku": "MUG-1", "kind": ', b"", b"{not json}", b"[]", b"10", b"null"]


class TestAuthentication:
    def test_without_the_token_nothing_is_written(self, running_service: Service) -> None:
        """A missing or wrong bearer token answers 401 and records nothing."""
        for authorization in WRONG_AUTHORIZATIONS:
            if authorization is None:
                response = anonymous(running_service.client, "POST", "/api/movements", json=RECEIPT)
            else:
                headers = {"Authorization": authorization}
                response = running_service.client.post(
                    "/api/movements", json=RECEIPT, headers=headers
                )

            assert "Bearer" in refusal(response, 401), authorization
            assert response.headers["www-authenticate"] == "Bearer"
        assert_nothing_written(running_service)

    def test_without_a_configured_token_posting_is_refused(
        self, start_service: StartService
    ) -> None:
        """A server started without SYNCBOT_API_TOKEN has no bootstrap token: it refuses it."""
        service = start_service(SYNCBOT_API_TOKEN=None)

        response = service.post_movement(RECEIPT)

        assert "unknown" in refusal(response, 401)
        assert service.client.get("/api/movements").status_code == 401

    def test_the_token_is_checked_before_the_body_is_parsed(self, running_service: Service) -> None:
        """Without the token, even malformed JSON answers 401, not 422."""
        response = anonymous(running_service.client, "POST", "/api/movements", content=b"{")

        refusal(response, 401)


class TestInvalidInput:
    def test_a_bad_quantity_is_refused(self, running_service: Service) -> None:
        """A receipt of anything but a positive whole number answers 422 and writes nothing."""
        for quantity in BAD_QUANTITIES:
            response = running_service.post_movement({**RECEIPT, "quantity": quantity})

            assert "quantity" in refusal(response, 422), quantity
        assert_nothing_written(running_service)

    def test_an_invalid_movement_is_refused(self, running_service: Service) -> None:
        """A movement the ledger cannot record answers 422 saying why, and writes nothing."""
        for body, why in INVALID_MOVEMENTS:
            response = running_service.post_movement(body)

            assert why in refusal(response, 422), body
        assert_nothing_written(running_service)

    def test_a_body_that_is_not_a_json_object_is_refused(self, running_service: Service) -> None:
        """Malformed JSON, or JSON that is not an object, answers 422 and writes nothing."""
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        for content in NOT_JSON_OBJECTS:
            response = running_service.client.post(
                "/api/movements", content=content, headers=headers
            )

            refusal(response, 422)
        assert_nothing_written(running_service)
        malformed = running_service.client.post(
            "/api/movements", content=NOT_JSON_OBJECTS[0], headers=headers
        )
        assert "JSON" in refusal(malformed, 422)


class TestUnitCost:
    def test_a_receipt_names_its_unit_cost_as_a_decimal_string(
        self, running_service: Service
    ) -> None:
        """unit_cost "4.50" is recorded on the receipt and answered back as a string."""
        response = running_service.post_movement({**RECEIPT, "unit_cost": "4.5"})

        assert response.status_code == 201, response.text
        assert response.json()["movements"][0]["unit_cost"] == "4.50"

    def test_a_bad_unit_cost_is_refused_and_nothing_written(self, running_service: Service) -> None:
        """A float, a negative, a non-number, or a cost on a damage answers 422."""
        for cost, why in ((4.5, "unit_cost"), ("-1", "negative"), ("x", "decimal number")):
            response = running_service.post_movement({**RECEIPT, "unit_cost": cost})
            assert why in refusal(response, 422), cost
        damage = {**RECEIPT, "kind": "damage", "unit_cost": "1"}
        assert "receipt only" in refusal(running_service.post_movement(damage), 422)
        assert_nothing_written(running_service)


class TestBodyLimit:
    @staticmethod
    def padded(size: int) -> bytes:
        """A valid receipt padded with JSON whitespace to exactly `size` bytes."""
        body = json.dumps(RECEIPT).encode()
        return body + b" " * (size - len(body))

    def post(self, service: Service, content: bytes | Iterator[bytes]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        return service.client.post("/api/movements", content=content, headers=headers)

    def test_a_body_over_the_limit_is_refused_by_its_length(self, running_service: Service) -> None:
        """A valid movement declared longer than the limit answers 413 and is not recorded."""
        response = self.post(running_service, self.padded(MAX_BODY_BYTES + 1))

        assert str(MAX_BODY_BYTES) in refusal(response, 413)
        assert_nothing_written(running_service)

    def test_a_streamed_body_over_the_limit_is_refused(self, running_service: Service) -> None:
        """Without Content-Length, the bytes are counted as they arrive: 413, nothing written."""
        body = self.padded(4 * MAX_BODY_BYTES)
        chunks = iter([body[i : i + 512] for i in range(0, len(body), 512)])

        response = self.post(running_service, chunks)

        assert "content-length" not in response.request.headers
        refusal(response, 413)
        assert_nothing_written(running_service)

    def test_a_body_whose_last_chunk_crosses_the_limit_is_refused_at_once(
        self, running_service: Service
    ) -> None:
        """The chunk that crosses the limit may be the last: the 413 comes without waiting
        for more body (or for the client to hang up)."""
        body = self.padded(MAX_BODY_BYTES + 100)
        chunks = iter([body[:MAX_BODY_BYTES], body[MAX_BODY_BYTES:]])

        refusal(self.post(running_service, chunks), 413)
        assert_nothing_written(running_service)

    def test_a_body_of_exactly_the_limit_is_accepted(self, running_service: Service) -> None:
        """The limit is inclusive: the same movement padded to the limit is recorded."""
        body = self.padded(MAX_BODY_BYTES)
        chunks = iter([body[: MAX_BODY_BYTES // 2], body[MAX_BODY_BYTES // 2 :]])

        assert self.post(running_service, body).status_code == 201
        assert self.post(running_service, chunks).status_code == 200  # the same key: a replay
        assert len(running_service.movements()) == 1


class TestStockGuards:
    def test_an_unknown_sku_is_not_found(self, running_service: Service) -> None:
        """Posting for a SKU that is not in the catalogue answers 404 and names it."""
        response = running_service.post_movement({**RECEIPT, "sku": "NOPE-1"})

        assert "NOPE-1" in refusal(response, 404)
        assert_nothing_written(running_service)

    def test_an_unknown_location_is_not_found(self, running_service: Service) -> None:
        """Posting at an undeclared location answers 404 and names it."""
        response = running_service.post_movement({**RECEIPT, "location": "attic"})

        assert "attic" in refusal(response, 404)
        assert_nothing_written(running_service)

    def test_a_damage_beyond_available_needs_force(self, running_service: Service) -> None:
        """Taking more than available is refused with 409 unless forced, then recorded."""
        running_service.post_movement({"sku": SKU, "kind": "receive", "quantity": 2})
        damage = {"sku": SKU, "kind": "damage", "quantity": 5, "reason": "flood"}

        refused = running_service.post_movement(damage)

        assert "force" in refusal(refused, 409)
        assert running_service.stock()["total"]["available"] == 2
        assert len(running_service.movements()) == 1

        forced = running_service.post_movement({**damage, "force": True})

        assert forced.status_code == 201, forced.text
        assert forced.json()["movements"][0]["forced"] is True
        assert running_service.stock()["locations"]["main"] == {
            **EMPTY,
            "on_hand": 2,
            "available": -3,
            "damaged": 5,
        }


class TestReversal:
    def test_a_movement_is_reversed_once_and_needs_the_token(
        self, running_service: Service
    ) -> None:
        """POST /api/movements/{id}/reverse undoes it; a repeat answers 200 and adds nothing."""
        created = running_service.post_movement(RECEIPT).json()
        movement_id = created["movements"][0]["id"]
        path = f"/api/movements/{movement_id}/reverse"

        refusal(anonymous(running_service.client, "POST", path), 401)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        first = running_service.client.post(path, headers=headers)
        again = running_service.client.post(path, headers=headers)

        assert first.status_code == 201, first.text
        assert first.json()["movements"][0]["reverses"] == movement_id
        assert again.status_code == 200
        assert again.json()["posting"] == first.json()["posting"]
        assert running_service.stock()["total"] == EMPTY
        assert len(running_service.movements()) == 2

    def test_an_unknown_movement_is_not_found(self, running_service: Service) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        response = running_service.client.post("/api/movements/999/reverse", headers=headers)
        assert "999" in refusal(response, 404)


class TestBarcodes:
    def test_a_barcode_names_its_sku_in_posting_stock_and_movements(
        self, running_service: Service
    ) -> None:
        """POST /api/movements, GET /api/stock/{sku} and ?sku= take a barcode for its SKU;
        the answers name the SKU, never the barcode."""
        running_service.cli("sku", "barcode", "add", SKU, "4006381333931")

        response = running_service.post_movement({**RECEIPT, "sku": "4006381333931"})

        assert response.status_code == 201, response.text
        assert response.json()["movements"][0]["sku"] == SKU
        stock = running_service.stock("4006381333931")
        assert stock["sku"] == SKU
        assert stock["total"]["available"] == 10
        assert [row["sku"] for row in running_service.movements("4006381333931")] == [SKU]

    def test_an_unknown_barcode_is_404_and_writes_nothing(self, running_service: Service) -> None:
        response = running_service.post_movement({**RECEIPT, "sku": "5012345678900"})

        assert "unknown SKU '5012345678900'" in refusal(response, 404)
        assert_nothing_written(running_service)
