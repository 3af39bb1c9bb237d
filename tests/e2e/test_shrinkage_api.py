"""`/api/shrinkage` and `/api/shrinkage.csv` through the running service: units and value
lost by reason after movements recorded over the API; bad dates and locations refused."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from .conftest import SKU, Service, refusal


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def shrunk(running_service: Service) -> Service:
    """MUG-1: 10 received at 2.00, 3 damaged, 1 written off, counted 5 of 9, then
    adjusted +1 found."""
    for body in (
        {"kind": "receive", "quantity": 10, "unit_cost": "2.00"},
        {"kind": "damage", "quantity": 3},
        {"kind": "write_off", "quantity": 1},
        {"kind": "count", "quantity": 5},
        {"kind": "adjust", "quantity": 1, "reason": "found behind the shelf"},
    ):
        answer = running_service.client.post("/api/movements", json={"sku": SKU, **body})
        assert answer.status_code == 201, answer.text
    return running_service


def test_units_and_value_lost_by_reason(shrunk: Service) -> None:
    """Damage 3 (apart), count 4 short, 1 found, 1 written off: 4 units, 8.00 lost."""
    report = _ok(shrunk.client.get("/api/shrinkage"))
    lines = {line["reason"]: (line["units"], line["value"]) for line in report["lines"]}
    assert lines == {
        "damage": (3, "6.00"),
        "count": (4, "8.00"),
        "adjust": (-1, "-2.00"),
        "write_off": (1, "2.00"),
    }
    assert report["total"] == {"units": 4, "value": "8.00"}
    assert (report["currency"], report["since"], report["location"]) == ("USD", None, None)
    east = _ok(shrunk.client.get("/api/shrinkage", params={"location": "east"}))
    assert east["total"] == {"units": 0, "value": "0.00"}
    later = _ok(shrunk.client.get("/api/shrinkage", params={"since": "2099-01-01"}))
    assert later["since"] == "2099-01-01T00:00:00+00:00"
    assert later["total"]["units"] == 0


def test_the_csv_is_text_csv_with_a_row_per_reason(shrunk: Service) -> None:
    answer = shrunk.client.get("/api/shrinkage.csv", params={"location": "main"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["reason", "label", "units", "value_usd", "in_total"]
    assert rows[2] == ["count", "count differences", "4", "8.00", "yes"]
    assert rows[-1] == ["total", "total lost", "4", "8.00", ""]


def test_a_bad_date_or_location_is_refused(running_service: Service) -> None:
    client = running_service.client
    for path in ("/api/shrinkage", "/api/shrinkage.csv"):
        assert "is not a date" in refusal(client.get(path, params={"since": "soon"}), 422)
        assert "west" in refusal(client.get(path, params={"location": "west"}), 404)
