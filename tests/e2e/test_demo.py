"""`syncbot demo` as the user runs it: a process that starts syncbot, two storefront
emulators and their customers, and either ends on its own with a summary (`--seconds`) or
stops cleanly on Ctrl-C.

The command runs as `python -m syncbot` with this tree on PYTHONPATH, so what is tested is
this checkout's code, start-up and exit included.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"demo orders=(?P<orders>\d+) pushes=(?P<pushes>\d+) "
    r"change_p95_s=(?P<p95>\d+\.\d\d|n/a) drift=(?P<drift>\d+|unchecked)"
)
RUN_WITHIN = 120.0  # start-up (migrations on a busy machine), 20 s of shopping, settling
FIRST_PUSH_WITHIN = 90.0
STOP_WITHIN = 15.0


def _environment() -> dict[str, str]:
    """This tree first on the path; no SYNCBOT_* setting of the caller's leaks in."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SYNCBOT_")}
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _demo(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "syncbot", "demo", *args],
        cwd=tmp_path,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def demos(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Every demo started is killed if a test leaves it running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_timed_demo_ends_with_every_storefront_showing_the_plan(
    tmp_path: Path, demos: list[subprocess.Popen[str]]
) -> None:
    """Orders are taken and pushed, and the last line reports drift 0 with exit status 0."""
    process = _demo(tmp_path, "--seconds", "20", "--orders-per-minute", "120")
    demos.append(process)
    output, _ = process.communicate(timeout=RUN_WITHIN)

    assert process.returncode == 0, output
    lines = output.rstrip().splitlines()
    last = LAST_LINE.fullmatch(lines[-1])
    assert last, f"last line: {lines[-1]!r}\n{output}"
    assert int(last["orders"]) > 0, output
    assert int(last["pushes"]) > 0, output
    assert last["drift"] == "0", output
    assert last["p95"] != "n/a", output
    assert any(line.startswith("order ") for line in lines), output
    assert any(line.startswith("push ") for line in lines), output
    assert re.search(r"console +http://127\.0\.0\.1:\d+/ +sign in as admin / \S+", output)
    assert "Traceback" not in output


def test_ctrl_c_stops_everything_it_started(
    tmp_path: Path, demos: list[subprocess.Popen[str]]
) -> None:
    """SIGINT after the first push: exit 0 soon, no child process left, every port closed,
    and the temporary directory removed."""
    process = _demo(tmp_path, "--orders-per-minute", "120")
    demos.append(process)
    lines = _lines_of(process)
    seen: list[str] = []
    deadline = time.monotonic() + FIRST_PUSH_WITHIN
    while not any(line.startswith("push ") for line in seen):
        assert process.poll() is None, "\n".join(seen)
        remaining = deadline - time.monotonic()
        assert remaining > 0, "no push line within the bound:\n" + "\n".join(seen)
        try:
            seen.append(lines.get(timeout=remaining))
        except Empty:
            continue
    children = _children(process.pid)

    process.send_signal(signal.SIGINT)
    process.wait(timeout=STOP_WITHIN)

    text = "\n".join(seen)
    assert process.returncode == 0, text
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "a child outlived it"
    ports = [int(port) for port in re.findall(r"http://127\.0\.0\.1:(\d+)/", text)]
    assert len(ports) == 3, text
    assert not [port for port in ports if _listening(port)], "a port is still open"
    directory = re.search(r"data +(\S+) \(", text)
    assert directory, text
    assert not Path(directory[1]).exists(), "the temporary directory is left behind"


def _lines_of(process: subprocess.Popen[str]) -> Queue[str]:
    """The process's output, line by line, read in a thread so a wait can be bounded."""
    lines: Queue[str] = Queue()

    def read() -> None:
        assert process.stdout is not None
        with process.stdout:  # closed at the end of the output, not left to the collector
            for line in process.stdout:
                lines.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return lines


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc); the demo should start none."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0
