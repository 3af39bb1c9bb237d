"""`syncbot migrate` and `syncbot serve` as processes: a bad start fails in one line within
5 s, and SIGTERM stops `serve` within 10 s at every stage.

These run the installed `syncbot` command in a subprocess, since what is under test is the
process: how soon it exits and what it writes on stderr. Times are wall-clock times of the
whole process, interpreter start included.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from syncbot.testing import wait_until

# Seconds from launch to exit for an unusable database, beyond what merely starting the
# interpreter and importing the CLI costs on this machine right now (`startup_cost`): on a
# loaded machine the import alone can take longer than 5 s, and that is not what is tested.
FAIL_WITHIN = 5.0
STOP_WITHIN = 10.0  # seconds from SIGTERM to exit
READY_WITHIN = 30.0


def syncbot() -> str:
    """The `syncbot` script installed beside this interpreter: what users run."""
    beside = Path(sys.executable).with_name("syncbot")
    found = str(beside) if beside.exists() else shutil.which("syncbot")
    assert found is not None, "the `syncbot` command is not installed: pip install -e '.[test]'"
    return found


def environment(database_url: str, **extra: str) -> dict[str, str]:
    """This process's environment without any SYNCBOT_ setting of the developer's shell."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCBOT_", "SLACK_"))}
    return {**clean, "SYNCBOT_DATABASE_URL": database_url, **extra}


def startup_cost() -> float:
    """Seconds the interpreter takes to start and import what `serve` imports before it
    probes the database (the CLI, the composition root, the web app), measured just now."""
    imports = "import syncbot.cli.main, syncbot.cli.serve, syncbot.bootstrap, syncbot.web.app"
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", imports], check=True)
    return time.monotonic() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Finished:
    returncode: int
    stderr: str
    seconds: float


def finish(args: list[str], env: dict[str, str], cwd: Path, within: float) -> Finished:
    """Runs syncbot ARGS; fails the test if it is still running after `within` seconds."""
    within += startup_cost()
    started = time.monotonic()
    try:
        done = subprocess.run(
            args, env=env, cwd=cwd, capture_output=True, text=True, timeout=within, check=False
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"{args[1:]} still running after {within:g} s: {expired.stderr!r}")
    return Finished(done.returncode, done.stderr, time.monotonic() - started)


def _directory(tmp_path: Path) -> str:
    (tmp_path / "a-directory").mkdir()
    return f"sqlite://{tmp_path}/a-directory"


def _not_a_database(tmp_path: Path) -> str:
    (tmp_path / "notes.db").write_text("these are notes, not a database\n" * 100)
    return f"sqlite://{tmp_path}/notes.db"


UNUSABLE: dict[str, tuple[Callable[[Path], str], str]] = {
    "a directory": (_directory, "is a directory"),
    "a file under /proc": (lambda _: "sqlite:///proc/version", "/proc/version"),
    "a file that is not a database": (_not_a_database, "file is not a database"),
    "an unreachable PostgreSQL": (
        lambda _: "postgres://syncbot:{password}@127.0.0.1:1/syncbot",
        "cannot connect",
    ),
}
COMMANDS = {"migrate": ["migrate"], "serve": ["serve", "--port", "{port}"]}


def command(name: str) -> list[str]:
    return [syncbot(), *(part.format(port=free_port()) for part in COMMANDS[name])]


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(UNUSABLE))
def test_an_unusable_database_stops_the_command_in_one_line_within_5_s(
    tmp_path: Path, name: str, case: str, canary: str
) -> None:
    """Each unusable SYNCBOT_DATABASE_URL: exit 1 within 5 s, one line naming the variable."""
    make_url, problem = UNUSABLE[case]
    url = make_url(tmp_path).format(password=canary)

    finished = finish(command(name), environment(url), tmp_path, FAIL_WITHIN)

    assert finished.returncode == 1
    [line] = finished.stderr.splitlines()
    assert line.startswith("syncbot: SYNCBOT_DATABASE_URL=")
    assert problem in line
    assert canary[:4] not in line  # the password is starred out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_read_only_directory_stops_the_command_in_one_line(tmp_path: Path, name: str) -> None:
    """A SQLite file in a directory this user cannot write: one line, not a hang."""
    prefix = _as_unprivileged_user()
    tmp_path.chmod(0o755)  # the unprivileged user may enter it, but not write in it
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o555)
    env = environment(f"sqlite://{read_only}/syncbot.db")

    finished = finish([*prefix, *command(name)], env, tmp_path, FAIL_WITHIN)

    assert finished.returncode == 1
    [line] = finished.stderr.splitlines()
    assert line.startswith("syncbot: SYNCBOT_DATABASE_URL=")
    assert f"can this user write to {read_only}?" in line


def _as_unprivileged_user() -> list[str]:
    """root writes anywhere: it runs the command in a user namespace, as nobody, instead."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "--user", "true"], check=False).returncode:
        pytest.skip("running as root without user namespaces: every directory is writable")
    return [unshare, "--user"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_postgres_without_asyncpg_says_what_to_install(
    tmp_path: Path, name: str, canary: str
) -> None:
    """A postgres:// URL without the driver: one line with the pip command, no traceback."""
    shim = tmp_path / "no-driver" / "asyncpg"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named \'asyncpg\'", name="asyncpg")\n'
    )
    env = environment(
        f"postgres://syncbot:{canary}@127.0.0.1:5432/syncbot", PYTHONPATH=str(shim.parent)
    )

    finished = finish(command(name), env, tmp_path, FAIL_WITHIN)

    assert finished.returncode == 1
    [line] = finished.stderr.splitlines()
    assert "SYNCBOT_DATABASE_URL=" in line
    assert line.endswith("pip install 'syncbot[postgres]'")


def test_a_port_in_use_is_one_line(tmp_path: Path, sqlite_template: Path) -> None:
    """Another process listening on the port: exit 1, one line naming host and port."""
    database = tmp_path / "syncbot.db"
    shutil.copy(sqlite_template, database)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = [syncbot(), "serve", "--port", str(port)]

        finished = finish(args, environment(f"sqlite://{database}"), tmp_path, FAIL_WITHIN)

    assert finished.returncode == 1
    [line] = finished.stderr.splitlines()
    assert line.startswith(f"syncbot: cannot listen on 127.0.0.1:{port}: ")


@dataclass
class Serving:
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> float:
        """Sends SIGTERM; the seconds until the process exited, or a failure after 10 s."""
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"serve ignored SIGTERM for {STOP_WITHIN:g} s:\n{self.log_text()}")
        return time.monotonic() - sent


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[str], Serving]]:
    """Starts `syncbot serve` on a free port (at DEBUG), logging to a file."""
    started: list[Serving] = []

    def start(database_url: str) -> Serving:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        env = environment(database_url, SYNCBOT_LOG_LEVEL="DEBUG", SYNCBOT_SCHEDULER="true")
        with log.open("wb") as output:
            process = subprocess.Popen(
                [syncbot(), "serve", "--port", str(port)],
                env=env,
                cwd=tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append(Serving(process, log, port))
        return started[-1]

    yield start
    for serving in started:
        if serving.process.poll() is None:
            serving.process.kill()
            serving.process.wait()


def test_sigterm_during_start_up_stops_serve_within_10_s(
    tmp_path: Path, sqlite_template: Path, serve: Callable[[str], Serving]
) -> None:
    """Start-up held on a locked database (its migrations wait): SIGTERM still stops it."""
    database = tmp_path / "syncbot.db"
    shutil.copy(sqlite_template, database)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process is writing: start-up must wait
    try:
        serving = serve(f"sqlite://{database}")
        wait_until(
            lambda: "Waiting for application startup" in serving.log_text(),
            READY_WITHIN,
            "serve began its start-up",
        )
        assert serving.stop() < STOP_WITHIN
    finally:
        holder.close()
    assert "Application startup complete" not in serving.log_text()
    assert "Traceback" not in serving.log_text()  # a stop asked for is not an error


def test_sigterm_after_ready_stops_serve_within_10_s(
    database_url: str, serve: Callable[[str], Serving], canary: str
) -> None:
    """Ready and running its jobs (SQLite, then PostgreSQL): SIGTERM stops it, and the
    DEBUG log holds no part of the database password."""
    serving = serve(database_url)

    def ready() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{serving.port}/readyz").status_code == 200
        except httpx.TransportError:
            return serving.process.poll() is not None  # exited: reported below

    wait_until(ready, READY_WITHIN, "serve answered /readyz")
    assert serving.process.poll() is None, serving.log_text()

    assert serving.stop() < STOP_WITHIN
    assert "Application shutdown complete" in serving.log_text()
    assert canary[:4] not in serving.log_text()
