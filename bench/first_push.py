"""Time from nothing to the demo's first push: a fresh virtualenv, the README's first
command (`pip install . && syncbot demo`), and the first `push` line the demo prints.

    python bench/first_push.py [--no-cache]

It creates a virtualenv in a temporary directory, installs this checkout into it with
the venv's own pip (from pip's cache unless --no-cache, so the figure depends on what is
cached and on the network), starts `syncbot demo` from the venv, and stops it with SIGINT
as soon as it prints its first push line. It prints the seconds of each step and the total,
and removes the temporary directory.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_PUSH_WITHIN = 300.0


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(what: str, command: list[str], cwd: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    say(f"{what:<28} {elapsed:6.1f} s")
    return elapsed


def first_push(syncbot: Path, cwd: Path) -> float:
    """Seconds from starting `syncbot demo` to its first push line; then stops it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SYNCBOT_")}
    environment.pop("PYTHONPATH", None)  # what is installed in the venv, nothing else
    started = time.monotonic()
    process = subprocess.Popen(
        [str(syncbot), "demo"],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            if line.startswith("push "):
                elapsed = time.monotonic() - started
                say(f"{'syncbot demo → first push':<28} {elapsed:6.1f} s   ({line.strip()[:60]})")
                return elapsed
            if time.monotonic() - started > FIRST_PUSH_WITHIN:
                break
        sys.exit(f"no push line within {FIRST_PUSH_WITHIN:g} s:\n{''.join(seen)}")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        process.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cache", action="store_true", help="pip install --no-cache-dir")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncbot-first-push-") as scratch:
        place = Path(scratch)
        venv = place / "venv"
        total = timed("python -m venv", [sys.executable, "-m", "venv", str(venv)], place)
        install = [str(venv / "bin" / "pip"), "install", "--disable-pip-version-check", "."]
        if options.no_cache:
            install.append("--no-cache-dir")
        total += timed("pip install .", install, ROOT)
        total += first_push(venv / "bin" / "syncbot", place)
        say(f"{'total':<28} {total:6.1f} s")


if __name__ == "__main__":
    main()
