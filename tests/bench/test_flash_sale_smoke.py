"""bench/flash_sale.py --orders 200 runs end to end on PostgreSQL and closes with its
machine-readable line: no order lost or posted twice, no drift."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "bench" / "flash_sale.py"
LAST_LINE = re.compile(
    r"flash_sale ratio=(?P<ratio>\S+) ack_p99_ms=(?P<ack>\S+) change_p95_s=(?P<change>\S+) "
    r"drift=(?P<drift>\d+) lost=(?P<lost>\d+) duplicated=(?P<duplicated>\d+) "
    r"post_c1=(?P<c1>\S+) post_c16=(?P<c16>\S+)"
)


# The server tests use (see tests/conftest.py); the bench creates and drops its databases.
POSTGRES = os.environ.get(
    "SYNCBOT_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pgbench") is None, reason="pgbench is not installed")
def test_a_short_sale_prints_its_figures_on_the_last_line(tmp_path: Path) -> None:
    """Every order is posted once and the stores end on syncbot's available."""
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--orders",
            "200",
            "--pgbench-seconds",
            "1",
            "--postings",
            "100",
            "--postgres",
            POSTGRES,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(BENCH.parents[1])},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    figures = LAST_LINE.fullmatch(done.stdout.strip().splitlines()[-1])
    assert figures is not None, output
    assert (figures["drift"], figures["lost"], figures["duplicated"]) == ("0", "0", "0"), output
    assert "verify clean" in done.stdout, output
    assert float(figures["ratio"]) > 0
