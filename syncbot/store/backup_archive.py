"""The backup file: a tar archive whose first member, `manifest.json`, states what it holds.

    manifest.json            format, syncbot version, last migration, backend, time, and
                             for every other member its size and sha256
    syncbot.sqlite3.gz       a SQLite snapshot (online backup API), gzip'd; or
    tables/<table>.csv.gz    PostgreSQL: each table as CSV (COPY), gzip'd, one snapshot

Reading checks every member's size and sha256 against the manifest before anything is
restored: a truncated or altered file is refused whole (BackupCorrupt).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from syncbot.ledger import LedgerError

FORMAT = "syncbot-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "syncbot.sqlite3.gz"
TABLES = "tables/"
_READ = 1 << 20


class BackupError(LedgerError):
    """A backup that cannot be written or restored; the message says why and what to do."""


class BackupCorrupt(BackupError):
    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path} is not a usable syncbot backup: {why}; nothing was restored")


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    bytes: int
    sha256: str
    rows: int | None = None


@dataclass(slots=True)
class Manifest:
    syncbot_version: str
    migration: str
    backend: str
    """`sqlite` (one database file) or `postgres` (a CSV per table)."""
    created_at: str
    members: list[Member] = field(default_factory=list)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, text: bytes) -> Manifest:
        content: dict[str, Any] = json.loads(text)
        members = [Member(**member) for member in content.pop("members")]
        return cls(**content, members=members)


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_READ):
            sha.update(chunk)
    return sha.hexdigest()


def write(
    target: Path, manifest: Manifest, files: dict[str, Path], rows: dict[str, int] | None = None
) -> None:
    """Writes the archive beside `target` and renames it into place: a crash leaves the
    previous backup, never half of one. `files` maps member names to files on disk."""
    counted = rows or {}
    manifest.members = [
        Member(name, path.stat().st_size, digest(path), counted.get(name))
        for name, path in files.items()
    ]
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w") as archive:
        _add_bytes(archive, MANIFEST, manifest.to_json())
        for name, path in files.items():
            archive.add(path, arcname=name, recursive=False)
    partial.replace(target)


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(content))


def read_manifest(path: Path) -> Manifest:
    """The manifest, after checking every member against it (BackupCorrupt otherwise)."""
    try:
        with tarfile.open(path, "r") as archive:
            first = archive.next()
            if first is None or first.name != MANIFEST:
                raise BackupCorrupt(path, "it does not start with a manifest")
            manifest = _manifest(path, archive, first)
            listed = {member.name: member for member in manifest.members}
            seen: set[str] = set()
            for info in archive:
                if info is first:
                    continue
                member = listed.get(info.name)
                if member is None:
                    raise BackupCorrupt(path, f"it holds {info.name!r}, which the manifest lacks")
                _check(path, archive, info, member)
                seen.add(info.name)
            if missing := sorted(listed.keys() - seen):
                raise BackupCorrupt(path, f"{missing[0]} is missing")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupCorrupt(path, f"the archive cannot be read ({error})") from None
    return manifest


def _manifest(path: Path, archive: tarfile.TarFile, info: tarfile.TarInfo) -> Manifest:
    stream = archive.extractfile(info)
    if stream is None:
        raise BackupCorrupt(path, "its manifest is not a file")
    try:
        manifest = Manifest.from_json(stream.read())
    except (ValueError, TypeError, KeyError) as error:
        raise BackupCorrupt(path, f"its manifest cannot be read ({error})") from None
    if manifest.format != FORMAT or manifest.format_version != FORMAT_VERSION:
        raise BackupCorrupt(
            path, f"format {manifest.format} {manifest.format_version} is not {FORMAT} 1"
        )
    return manifest


def _check(path: Path, archive: tarfile.TarFile, info: tarfile.TarInfo, member: Member) -> None:
    stream = archive.extractfile(info)
    if stream is None or info.size != member.bytes:
        raise BackupCorrupt(path, f"{info.name} has {info.size} bytes, not {member.bytes}")
    sha = hashlib.sha256()
    while chunk := stream.read(_READ):
        sha.update(chunk)
    if sha.hexdigest() != member.sha256:
        raise BackupCorrupt(path, f"the checksum of {info.name} does not match its manifest")


def unpack(path: Path, work: Path) -> dict[str, Path]:
    """Copies every member after the manifest into `work` (check it with `read_manifest`
    first), each under a name of its own making: a member's name never picks the path."""
    unpacked: dict[str, Path] = {}
    with tarfile.open(path, "r") as archive:
        for number, info in enumerate(archive):
            stream = archive.extractfile(info)
            if info.name == MANIFEST or stream is None:
                continue
            target = work / f"member-{number}.gz"
            with target.open("wb") as out:
                shutil.copyfileobj(stream, out, _READ)
            unpacked[info.name] = target
    return unpacked
