"""Logs are one JSON object per line and keep the context passed with extra=."""

from __future__ import annotations

import json
import logging

from syncbot.logs import JsonFormatter


def test_a_log_line_is_json_with_its_context() -> None:
    record = logging.makeLogRecord(
        {"name": "syncbot.store", "levelname": "WARNING", "msg": "key %s reused", "args": ("k",)}
    )
    record.idempotency_key = "k"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "key k reused"
    assert line["level"] == "warning"
    assert line["idempotency_key"] == "k"
