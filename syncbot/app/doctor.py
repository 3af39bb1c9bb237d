"""`syncbot doctor`: is this installation able to work? One finding per check, ok, FAIL or skip.

Each check is a probe: it returns what it found (ok), raises `Skip` when it does not apply
(no public URL, no Slack, SQLite), or raises anything else (FAIL, with the error's words).
One failing check never stops the others, and a check that depends on another (a
channel's scopes on its credentials) is skipped, saying so, when that one failed.

The probes come in as parameters, built by the composition root (`bootstrap.doctor_checks`):
this module knows what to check and in which order, not how to reach Slack or PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from connectors.base import Connector
from connectors.scopes import ReportsScopes
from connectors.settings import ConfigError
from connectors.subscriptions import Subscribable
from syncbot.app import webhook_setup
from syncbot.store.preflight import DatabaseMissing, SchemaBehind, require_schema

Status = Literal["ok", "FAIL", "skip"]
Probe = Callable[[], Awaitable[str]]
CHECK_SECONDS = 60.0  # a storefront's client retries within this; a check never hangs doctor


class Skip(Exception):
    """Not an error: the check does not apply here, and the message says why."""


class Failed(Exception):
    """A check's own verdict, in words for the merchant."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    probe: Probe


@dataclass(frozen=True, slots=True)
class Finding:
    name: str
    status: Status
    detail: str

    def __str__(self) -> str:
        return f"{self.status:<4}  {self.name}: {self.detail}"


async def diagnose(checks: Sequence[Check]) -> list[Finding]:
    """Runs every check in order; each gets a finding, whatever the others did."""
    findings = []
    for check in checks:
        try:
            detail = await asyncio.wait_for(check.probe(), CHECK_SECONDS)
        except Skip as skip:
            findings.append(Finding(check.name, "skip", str(skip)))
        except TimeoutError:
            findings.append(Finding(check.name, "FAIL", f"no answer within {CHECK_SECONDS:g} s"))
        except Exception as error:  # every failure is a finding, never a crash
            findings.append(Finding(check.name, "FAIL", _words(error)))
        else:
            findings.append(Finding(check.name, "ok", detail))
    return findings


def database_checks(database_url: str) -> list[Check]:
    """The database answers; every migration this syncbot ships is applied. One probe of
    the database serves both checks."""
    outcome: dict[str, list[str] | Exception] = {}

    async def probe() -> list[str] | Exception:
        if "found" not in outcome:
            try:
                outcome["found"] = await require_schema(database_url)
            except Exception as error:  # kept, and reported by the checks
                outcome["found"] = error
        return outcome["found"]

    def reachable_but_behind(error: Exception) -> bool:
        return isinstance(error, SchemaBehind) and not isinstance(error, DatabaseMissing)

    async def database() -> str:
        found = await probe()
        if isinstance(found, Exception) and not reachable_but_behind(found):
            raise found
        return "reachable"

    async def migrations() -> str:
        found = await probe()
        if not isinstance(found, Exception):
            return f"all {len(found)} applied" if found else "applied"
        if not reachable_but_behind(found):
            raise Skip("no database to read them from")
        raise Failed(str(found))

    return [Check("database", database), Check("migrations", migrations)]


def channel_checks(
    name: str, connector: Connector | ConfigError, public_url: str | None
) -> list[Check]:
    """Credentials (a cheap authenticated read), scopes where the storefront reports them,
    and webhooks where a public URL says where they should go."""
    working: list[Connector] = []

    def usable() -> Connector:
        if not working:
            raise Skip("credentials failed")
        return working[0]

    async def credentials() -> str:
        if isinstance(connector, ConfigError):
            raise connector
        answer = await connector.check()
        working.append(connector)
        return answer

    async def scopes() -> str:
        found = usable()
        if not isinstance(found, ReportsScopes):
            raise Skip("the storefront does not report a key's permissions")
        report = await found.access_scopes()
        if report.missing:
            raise Failed(
                f"missing {', '.join(report.missing)}: grant them to the app and reinstall it"
            )
        return "granted: " + ", ".join(report.granted)

    async def webhooks() -> str:
        found = usable()
        if not isinstance(found, Subscribable):
            raise Skip("the storefront registers no webhooks")
        if not public_url:
            raise Skip("SYNCBOT_PUBLIC_URL is not set, so there is no address to compare")
        states = await webhook_setup.audit(found, public_url)
        wrong = [str(state) for state in states if state.outcome != "exists"]
        if wrong:
            raise Failed(f"{'; '.join(wrong)}: run `syncbot channels subscribe {name}`")
        return f"{len(states)} topics to {webhook_setup.webhook_address(public_url, name)}"

    return [
        Check(f"channel {name}: credentials", credentials),
        Check(f"channel {name}: scopes", scopes),
        Check(f"channel {name}: webhooks", webhooks),
    ]


def optional_check(name: str, probe: Probe | None, why_not: str) -> Check:
    """A check that applies only when configured; `why_not` says what is not."""

    async def skipped() -> str:
        raise Skip(why_not)

    return Check(name, probe or skipped)


def failing_check(name: str, error: Exception) -> Check:
    """A check whose set-up already failed (a half-configured Slack): FAIL with its words."""

    async def failed() -> str:
        raise error

    return Check(name, failed)


def leader_check(session: Callable[[], Awaitable[str | None]] | None) -> Check:
    """Is a process running the scheduler? None: the database has no lease to look at."""

    async def leader() -> str:
        if session is None:
            raise Skip("SQLite: the one serving process runs the scheduler; no lease to check")
        holder = await session()
        if holder is None:
            raise Failed(
                "no process holds the scheduler lease: nothing pushes or catches up; "
                "start `syncbot serve` or `syncbot worker`"
            )
        return f"held by {holder}"

    return Check("scheduler leader", leader)


def exit_status(findings: Sequence[Finding]) -> int:
    return 1 if any(finding.status == "FAIL" for finding in findings) else 0


def _words(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
