"""CPU time of processes, read from /proc: for figures that move less with the machine's
load than rates do (a rate falls when another process takes the CPU; the CPU a piece of
work needs moves much less)."""

from __future__ import annotations

import os
import resource
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _times(stat: str) -> list[int]:
    """utime, stime, cutime, cstime from a /proc/<pid>/stat line."""
    return [int(n) for n in stat[stat.rindex(")") + 2 :].split()[11:15]]


def process_cpu(pid: int) -> float:
    """Seconds of CPU (user and system) a live process has used."""
    utime, stime, _, _ = _times(Path(f"/proc/{pid}/stat").read_text())
    return (utime + stime) / TICK


def server_cpu() -> float:
    """Seconds of CPU every `postgres` process has used: those alive now, and through
    the postmaster's count of its reaped children, those that have ended (pgbench's
    backend ends with it)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        if text[text.index("(") + 1 : text.rindex(")")] == "postgres":
            total += sum(_times(text))
    return total / TICK


def own_cpu() -> tuple[float, float]:
    """Seconds of CPU of this process (its threads included), and of its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def machine_busy() -> float:
    """Seconds of CPU the whole machine has spent busy (all CPUs, not idle or waiting)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICK
