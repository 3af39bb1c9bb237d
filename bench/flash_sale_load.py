"""The load of bench/flash_sale.py: signed Shopify orders/create deliveries, sent at a fixed
rate by `wrk` (a Lua script cycling through the pre-signed requests, each sent once), or by
an async httpx client with a warning where `wrk` is absent.

The Python client tops out near the server's own speed, so it cannot show the server's
limit; wrk, in C, can.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from connectors.shopify.webhooks import sign

EPOCH = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One signed delivery; a retry is the same bytes and the same event id again."""

    channel: str
    order_id: int
    units: dict[str, int]
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Acks:
    """What the sender saw: answers per second and the answer latency."""

    sent: int
    answered: int
    failed: int
    seconds: float
    p50_ms: float
    p99_ms: float
    tool: str

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


def orders(
    count: int, channels: dict[str, str], skus: list[str], retries: float, seed: int = 19
) -> list[Delivery]:
    """`count` orders spread over the channels (name → webhook secret), 1 to 3 lines of 1
    or 2 units from `skus`, and a share `retries` of them sent a second time later."""
    draw = random.Random(seed)
    names = sorted(channels)
    first: list[Delivery] = []
    for n in range(count):
        channel = names[n % len(names)]
        order_id = 7_000_000 + n
        chosen = draw.sample(skus, draw.choice((1, 1, 2, 3)))
        units = {sku: draw.choice((1, 1, 2)) for sku in chosen}
        first.append(_signed(channel, channels[channel], order_id, units))
    deliveries = list(first)
    for original in draw.sample(first, round(count * retries)):
        # Shopify resends the same payload and event id when an answer is late.
        deliveries.insert(
            draw.randrange(deliveries.index(original) + 1, len(deliveries) + 1), original
        )
    return deliveries


def _signed(channel: str, secret: str, order_id: int, units: dict[str, int]) -> Delivery:
    stamp = (EPOCH + timedelta(milliseconds=order_id % 100_000)).isoformat()
    items = [
        {
            "id": order_id * 10 + n,
            "sku": sku,
            "quantity": quantity,
            "current_quantity": quantity,
            "fulfillable_quantity": quantity,
            "fulfillment_status": None,
        }
        for n, (sku, quantity) in enumerate(sorted(units.items()))
    ]
    body = json.dumps(
        {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "created_at": stamp,
            "updated_at": stamp,
            "cancelled_at": None,
            "line_items": items,
            "fulfillments": [],
            "refunds": [],
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": f"{channel}.myshopify.com",
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": stamp.replace("+00:00", "Z"),
        "X-Shopify-API-Version": "2026-10",
    }
    return Delivery(channel, order_id, units, body, headers)


def send(base: str, deliveries: list[Delivery], rate: float, connections: int) -> Acks:
    """Sends every delivery once at `rate` per second (0: as fast as the server answers)."""
    if shutil.which("wrk") is None:
        print(
            "WARNING: wrk is absent (apt-get install wrk): the Python client sends instead, "
            "and it tops out near the server's own speed",
            file=sys.stderr,
            flush=True,
        )
        return asyncio.run(_send_httpx(base, deliveries, rate, connections))
    return _send_wrk(base, deliveries, rate, connections)


# Each wrk thread sends the requests whose index is its number modulo the threads, one per
# request() call, and stops once each of its requests was answered. Paced, as wrk2 does:
# each thread gives out send slots `interval_ms` apart, and delay() holds a connection's
# next request until the next free slot, so the requests go evenly at `rate`. (A fixed
# delay per connection, Debian's wrk's own pacing, kept the connections in step: the
# "steady" load was bursts of every connection at once, and the pace fell with latency.)
_LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_usec; } timeval;
int gettimeofday(timeval *tv, void *tz);
]]
local clock = ffi.new("timeval")
local function now_ms()
  ffi.C.gettimeofday(clock, nil)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_usec) / 1000
end
local file, threads, interval_ms = "%(file)s", %(threads)d, %(interval)f
local next_slot = nil
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  requests, answered, failed, next_index = {}, 0, 0, 1
  local handle = io.open(file, "rb")
  local all = handle:read("*a")
  handle:close()
  local position, index = 1, 0
  while position <= #all do
    local newline = all:find("\n", position, true)
    local size = tonumber(all:sub(position, newline - 1))
    if index %% threads == id then
      requests[#requests + 1] = all:sub(newline + 1, newline + size)
    end
    index = index + 1
    position = newline + size + 1
  end
  spare = wrk.format("GET", "/healthz")
  total, marked = #requests, false
  if id == 0 then
    -- wrk calls thread 0's request() once to check it, and sends nothing: give it a spare
    table.insert(requests, 1, spare)
  end
end
function delay()
  if interval_ms <= 0 then
    return 0
  end
  local now = now_ms()
  next_slot = math.max((next_slot or now) + interval_ms, now)
  return next_slot - now
end
function request()
  if next_index > #requests then
    return spare
  end
  next_index = next_index + 1
  return requests[next_index - 1]
end
function response(status, headers, body)
  answered = answered + 1
  if status >= 300 then failed = failed + 1 end
  if answered >= total and not marked then
    marked = true
    -- wrk itself runs for its whole -d: the bench interrupts it once every thread is done
    local marker = io.open(file .. ".done" .. id, "w")
    marker:close()
  end
end
function done(summary, latency, requests)
  local line = "FLASH p50_us=%%d p99_us=%%d requests=%%d duration_us=%%d status_errors=%%d\n"
  io.write(string.format(line, latency:percentile(50), latency:percentile(99),
    summary.requests, summary.duration, summary.errors.status))
end
"""


def _send_wrk(base: str, deliveries: list[Delivery], rate: float, connections: int) -> Acks:
    threads = 2
    connections = max(connections, threads)
    # The ms between two send slots of one thread, so the threads together keep `rate`.
    interval = threads * 1000.0 / rate if rate else 0.0
    with tempfile.TemporaryDirectory() as folder:
        requests = Path(folder) / "requests.bin"
        with requests.open("wb") as out:
            for delivery in deliveries:
                raw = _raw_request(base, delivery)
                out.write(f"{len(raw)}\n".encode() + raw)
        script = Path(folder) / "flash.lua"
        script.write_text(_LUA % {"file": requests, "threads": threads, "interval": interval})
        budget = (len(deliveries) / rate if rate else len(deliveries) / 20) + 120
        started = time.perf_counter()
        wrk = subprocess.Popen(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{budget:.0f}s",
             "--timeout", "30s", "-s", str(script), base],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        markers = [Path(f"{requests}.done{n}") for n in range(threads)]
        while wrk.poll() is None and not all(marker.exists() for marker in markers):
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        wrk.send_signal(signal.SIGINT)
        stdout, stderr = wrk.communicate(timeout=60)
    found = re.search(
        r"FLASH p50_us=(\d+) p99_us=(\d+) requests=(\d+) duration_us=(\d+) status_errors=(\d+)",
        stdout,
    )
    if found is None:
        raise SystemExit(f"wrk failed: {stdout}\n{stderr}")
    p50, p99, answered, _, errors = (int(value) for value in found.groups())
    answered = min(answered, len(deliveries))
    return Acks(len(deliveries), answered, errors, seconds, p50 / 1000, p99 / 1000, "wrk")


def _raw_request(base: str, delivery: Delivery) -> bytes:
    host = base.removeprefix("http://")
    lines = [f"POST /webhooks/{delivery.channel} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in delivery.headers.items()]
    lines.append(f"Content-Length: {len(delivery.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + delivery.body


async def _send_httpx(base: str, deliveries: list[Delivery], rate: float, connections: int) -> Acks:
    latencies: list[float] = []
    failed = 0
    limits = httpx.Limits(max_connections=connections)
    gate = asyncio.Semaphore(connections)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(delivery: Delivery) -> None:
            nonlocal failed
            async with gate:
                began = time.perf_counter()
                response = await client.post(
                    f"/webhooks/{delivery.channel}", content=delivery.body, headers=delivery.headers
                )
                latencies.append(time.perf_counter() - began)
                failed += response.status_code >= 300

        started = time.perf_counter()
        tasks = []
        for n, delivery in enumerate(deliveries):
            if rate:
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(delivery)))
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return Acks(len(deliveries), len(latencies), failed, seconds, p50, p99, "httpx")
