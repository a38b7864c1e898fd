"""401/403 at every location, end to end against the emulator (both socket transports).

Each refusal is answered by a new login and the flow succeeds; the retry is announced as a
``Retrying`` event of the ``auth`` policy at the location refused; credentials refused every time
end in ``Recovery#GiveUp``. Recovery runs the shipped policy in milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import reactivex

from rx_lpagent.agent import Agent
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import AuthenticationError
from rx_lpagent.events import Connected, ErrorEvent, Retrying
from rx_lpagent.rx import RetriesExhaustedError
from rx_lpagent.transport import LoginSession
from tests.agent.conftest import MakeAgent, Recorder
from tests.agent.waiting import first, settled

pytestmark = pytest.mark.asyncio

CODES = [401, 403]


@dataclass(frozen=True)
class Refusal:
    location: str
    faults: tuple[str, ...]
    """The endpoints that refuse once, in order of the calls."""
    run: Callable[[Agent], reactivex.Observable[Any]]
    connect_first: bool = True
    logins: int = 2
    """Login calls in all, the refused ones included."""
    announced: bool = True
    """Whether the answer is a retry (else a relogin at once, within the flow)."""


REFUSALS = [
    Refusal("Connect#CSDS", ("csds",), lambda a: a.connect(), connect_first=False, logins=1),
    Refusal("Connect#Login", ("login",), lambda a: a.connect(), connect_first=False),
    Refusal("Connect#WS", ("ws",), lambda a: a.connect(), connect_first=False),
    Refusal("Reconnect#CSDS", ("csds",), lambda a: a.reconnect(skip_token_generation=True)),
    Refusal("Reconnect#Relogin#WS", ("ws",), lambda a: a.reconnect(skip_token_generation=True)),
    Refusal("Reconnect#Relogin#WS", ("login",), lambda a: a.reconnect(), logins=3),
    Refusal("RefreshSession#CSDS", ("csds",), lambda a: a.refresh_session()),
    Refusal("RefreshSession#REST", ("refresh",), lambda a: a.refresh_session(), announced=False),
    Refusal(
        "RefreshSession#Relogin#WS", ("refresh", "login"), lambda a: a.refresh_session(), logins=3
    ),
]


def _bearer(agent: Agent) -> str:
    session = agent.session
    assert isinstance(session, LoginSession)
    return session.bearer


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: f"{r.location}-{'-'.join(r.faults)}")
async def test_a_refusal_is_answered_by_a_new_login(
    refusal: Refusal, code: int, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    bearer = None
    if refusal.connect_first:
        await rec.agent.connect()
        bearer = _bearer(rec.agent)
    for endpoint in refusal.faults:
        emulator.faults.fail(endpoint, code)

    await refusal.run(rec.agent)

    assert rec.agent.connected
    assert emulator.calls.count("login") == refusal.logins
    if bearer is not None:
        assert _bearer(rec.agent) != bearer  # a new token
    refused = [e.error for e in rec.events if isinstance(e, ErrorEvent)]
    retries = [e for e in rec.events if isinstance(e, Retrying)]
    if refusal.announced:
        assert [(e.code, type(e)) for e in refused] == [(code, AuthenticationError)]
        assert [(e.location, e.attempt, e.policy, e.error.code) for e in retries] == [
            (refusal.location, 1, "auth", code)
        ]
        assert 0.005 <= retries[0].delay < 0.010  # 5-10 s, in milliseconds here
    else:
        assert refused == []  # refused at the REST step: a relogin at once, no retry
        assert retries == []
        assert ("ok", "RefreshSession#Relogin#WS") in rec.outcomes()
    if refusal.location.startswith("RefreshSession"):
        assert sum(isinstance(e, Connected) for e in rec.events) == 1  # the socket is kept


@pytest.mark.parametrize("code", CODES)
async def test_credentials_refused_every_time_give_up_after_6_logins(
    code: int, make_agent: MakeAgent, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="rx_lpagent")
    rec = make_agent()
    emulator.faults.fail("login", code, times=None)
    with pytest.raises(RetriesExhaustedError) as raised:
        await rec.agent.connect()
    assert raised.value.code == code
    assert isinstance(raised.value.error, AuthenticationError)
    assert emulator.calls.count("login") == 6
    give_ups = [
        e for e in rec.events if isinstance(e, ErrorEvent) and e.location == "Recovery#GiveUp"
    ]
    assert [e.error for e in give_ups] == [raised.value]
    assert [e.attempt for e in rec.events if isinstance(e, Retrying)] == [1, 2, 3, 4, 5]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.name == "rx_lpagent.recovery"
    assert f"recovery gave up: {code} authentication.login" in record.getMessage()
    assert emulator.password not in caplog.text


async def test_token_expired_on_the_socket_reconnects_with_a_new_login(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec: Recorder = make_agent()
    await rec.agent.connect()
    bearer = _bearer(rec.agent)
    emulator.faults.fail("ws", 401)  # the first reconnect, with the same token, is refused
    reconnected = first(rec.agent.events, lambda e: isinstance(e, Connected))
    await emulator.faults.close_sockets(1006)
    await settled(reconnected)
    assert rec.agent.connected
    assert _bearer(rec.agent) != bearer
    assert [(e.location, e.attempt, e.policy) for e in rec.events if isinstance(e, Retrying)] == [
        ("Socket#Close", 0, "reconnect"),
        ("Reconnect#Relogin#WS", 1, "auth"),
    ]


async def test_no_log_record_carries_a_secret(
    make_agent: MakeAgent, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="rx_lpagent")
    rec = make_agent()
    await rec.agent.connect()
    secrets = {emulator.password}
    emulator.faults.fail("ws", 403)
    emulator.faults.fail("refresh", 401)
    for run in (lambda: rec.agent.reconnect(skip_token_generation=True), rec.agent.refresh_session):
        session = rec.agent.session
        assert isinstance(session, LoginSession)
        secrets |= {session.bearer, session.csrf or ""}
        await run()
    assert "" not in secrets
    assert any(r.name == "rx_lpagent.recovery" for r in caplog.records)
    for secret in secrets:
        assert secret not in caplog.text
