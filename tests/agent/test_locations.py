"""Each location succeeding and failing with 429, 500, 503, 401, 403 and a refused connection.

Asserts the reported event (location, code, service) and the recovery action taken: every one of
these failures is recovered (the flow then succeeds): 429/5xx/network by a retry, 401/403 by a new
login and a retry, LivePerson's recipe (a refresh refused logs in again at once, silently).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import reactivex

from rx_lpagent.agent import Agent
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import SDKError, TransportError
from rx_lpagent.events import ErrorEvent
from tests.agent.conftest import MakeAgent, Recorder

pytestmark = pytest.mark.asyncio

FAILURES = [429, 500, 503, 401, 403, "refused"]
SERVICE_OF = {
    "csds": "domainNames",
    "login": "authentication.login",
    "refresh": "authentication.refreshSession",
}


@dataclass(frozen=True)
class Step:
    location: str
    endpoint: str
    run: Callable[[Agent], reactivex.Observable[Any]]
    connect_first: bool = True


STEPS = [
    Step("Connect#CSDS", "csds", lambda a: a.connect(), connect_first=False),
    Step("Connect#Login", "login", lambda a: a.connect(), connect_first=False),
    Step("Reconnect#CSDS", "csds", lambda a: a.reconnect()),
    Step("Reconnect#Relogin#WS", "login", lambda a: a.reconnect()),
    Step("RefreshSession#CSDS", "csds", lambda a: a.refresh_session()),
    Step("RefreshSession#REST", "refresh", lambda a: a.refresh_session()),
]


def _arm(emulator: Emulator, endpoint: str, failure: int | str) -> None:
    if failure == "refused":
        # twice: aiohttp itself silently retries an idempotent GET once on a dropped connection
        emulator.faults.refuse(endpoint, times=2)
    else:
        assert isinstance(failure, int)
        emulator.faults.fail(endpoint, failure)


def _errors_at(rec: Recorder, location: str) -> list[SDKError]:
    return [e.error for e in rec.events if isinstance(e, ErrorEvent) and e.location == location]


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.location)
async def test_a_failing_step(
    step: Step, failure: int | str, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    if step.connect_first:
        await rec.agent.connect()
    _arm(emulator, step.endpoint, failure)
    silent = step.location == "RefreshSession#REST" and failure in (401, 403)
    await step.run(rec.agent)

    errors = _errors_at(rec, step.location)
    if silent:
        assert errors == []
        assert ("ok", "RefreshSession#Relogin#WS") in rec.outcomes()
        return
    first = errors[0]
    if failure == "refused":
        assert isinstance(first, TransportError)
        assert first.code is None
    else:
        assert first.code == failure
    assert first.service == SERVICE_OF[step.endpoint]
    outcomes = rec.outcomes()
    after_failure = outcomes[outcomes.index(("error", step.location)) + 1 :]
    assert ("ok", step.location) in after_failure


@pytest.mark.parametrize("failure", FAILURES)
async def test_relogin_after_a_refresh_401_fails(
    failure: int | str, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    await rec.agent.connect()
    emulator.faults.fail("refresh", 401)
    _arm(emulator, "login", failure)
    await rec.agent.refresh_session()
    errors = _errors_at(rec, "RefreshSession#Relogin#WS")
    assert errors[0].service == "authentication.login"
    assert errors[0].code == (None if failure == "refused" else failure)
    assert rec.agent.connected
