"""bench/faults.py --quick runs end to end and closes with its machine-readable line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "bench" / "faults.py"
LAST_LINE = re.compile(
    r"faults kills=(?P<kills>\d+) lost=(?P<lost>\d+) duplicated=(?P<duplicated>\d+) "
    r"stuck=(?P<stuck>\d+) verify=(?P<verify>clean|dirty) "
    r"poison_valid_applied=(?P<pct>\d+\.\d) early_calls=(?P<early>\d+) "
    r"converge_s=(?P<converge>\d+\.\d|none) quarantined=(?P<quarantined>\d+)"
)


@pytest.mark.slow
def test_quick_run_prints_its_figures_on_the_last_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    last = done.stdout.strip().splitlines()[-1]
    figures = LAST_LINE.fullmatch(last)
    assert figures is not None, output
    assert int(figures["kills"]) == 5, output
    assert 0.0 <= float(figures["pct"]) <= 100.0
    # What the ledger already guarantees across kill -9: nothing lost or posted twice.
    assert (figures["lost"], figures["duplicated"], figures["verify"]) == ("0", "0", "clean"), (
        output
    )
