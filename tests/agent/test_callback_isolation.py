"""User code can never stop the agent: a callback raising at every point the agent calls user
code, during drops, reconnects, refreshes, timeouts and dispose. After each, the raise is
reported at ``Callback#Raised``, state and socket agree, a fresh request succeeds, and dispose
leaves no task and no timer behind."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import reactivex

import rx_lpagent
from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import (
    CallbackError,
    ConfigurationError,
    NotConnectedError,
)
from rx_lpagent.events import AgentEvent, ErrorEvent
from rx_lpagent.protocol import ExConversationChangeNotification
from tests.agent.conftest import MakeAgent, Recorder
from tests.agent.waiting import first, reach, settled

pytestmark = pytest.mark.asyncio

_LIBRARY = Path(rx_lpagent.__file__).parent
_EMULATOR = _LIBRARY / "emulator"
_REACTIVEX = Path(reactivex.__file__).parent


class UserBug(Exception):
    """What the user's callbacks raise."""


def explode(*_: object) -> None:
    raise UserBug("user callback bug")


def subscribe_everywhere(agent: Agent) -> None:
    """A subscriber that raises on every value, error and completion of every agent stream."""
    streams: list[reactivex.Observable[Any]] = [
        agent.events,
        agent.state_changes,
        agent.notifications,
        agent.node_notifications,
        agent.notifications_of(".ams.aam.ExConversationChangeNotification"),
        agent.notifications_of(ExConversationChangeNotification),
    ]
    for stream in streams:
        stream.subscribe(explode, explode, explode)


def pending_raising_request(agent: Agent, emulator: Emulator, *, delay: float = 1.0) -> None:
    """A request still unanswered whose observer raises on whatever it is told."""
    emulator.faults.delay(".GetClock", delay)
    agent.get_clock().subscribe(explode, explode, explode)


def raised(rec: Recorder) -> list[CallbackError]:
    return [
        e.error
        for e in rec.events
        if isinstance(e, ErrorEvent) and isinstance(e.error, CallbackError)
    ]


def raised_in(where: str) -> Callable[[AgentEvent], bool]:
    def matches(event: AgentEvent) -> bool:
        return isinstance(event, ErrorEvent) and (
            isinstance(event.error, CallbackError) and event.error.where == where
        )

    return matches


async def healthy(rec: Recorder) -> None:
    """State and socket agree, and a fresh request succeeds."""
    agent = rec.agent
    assert agent.state is AgentState.CONNECTED
    assert agent.connected
    assert (await agent.get_clock()).current_time > 0
    assert raised(rec), "the raising callbacks were reported"
    assert all(isinstance(error.error, UserBug) for error in raised(rec))


def _origin(callback: Any) -> Path | None:
    function = getattr(callback, "__func__", callback)
    code = getattr(function, "__code__", None)
    return None if code is None else Path(code.co_filename)


def agent_timers() -> list[asyncio.TimerHandle]:
    """Timers on the loop that belong to the agent (the library or Rx, not the emulator)."""
    loop: Any = asyncio.get_running_loop()
    mine = []
    for handle in loop._scheduled:  # no public way to list a loop's timers
        origin = _origin(handle._callback)
        if handle.cancelled() or origin is None or origin.is_relative_to(_EMULATOR):
            continue
        if origin.is_relative_to(_LIBRARY) or origin.is_relative_to(_REACTIVEX):
            mine.append(handle)
    return mine


async def disposed_cleanly(agent: Agent, tasks_before: set[asyncio.Task[Any]]) -> None:
    await agent.dispose()
    await asyncio.sleep(0)
    assert agent.state is AgentState.DISPOSED
    assert [t for t in asyncio.all_tasks() - tasks_before if not t.done()] == []
    assert agent_timers() == []


async def connected_agent(make_agent: MakeAgent) -> tuple[Recorder, set[asyncio.Task[Any]]]:
    before = asyncio.all_tasks()
    rec = make_agent(refresh_interval=600.0, keepalive_interval=30.0)
    subscribe_everywhere(rec.agent)
    await rec.agent.connect()
    return rec, before


@pytest.mark.parametrize("code", [1006, 1011, 4401])
async def test_a_drop_with_raising_callbacks_recovers(
    code: int, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, before = await connected_agent(make_agent)
    pending_raising_request(rec.agent, emulator)
    recovering = first(rec.agent.state_changes, lambda s: s is AgentState.RECONNECTING)
    await emulator.faults.close_sockets(code)
    await settled(recovering)
    await reach(rec.agent, AgentState.CONNECTED)
    await healthy(rec)
    assert "a request's observer" in [error.where for error in raised(rec)]
    await disposed_cleanly(rec.agent, before)


async def test_the_observer_of_connect_raising(make_agent: MakeAgent) -> None:
    before = asyncio.all_tasks()
    rec = make_agent(refresh_interval=600.0, keepalive_interval=30.0)
    subscribe_everywhere(rec.agent)
    connected = first(rec.agent.state_changes, lambda s: s is AgentState.CONNECTED)
    rec.agent.connect().subscribe(explode, explode, explode)
    await settled(connected)
    await healthy(rec)
    assert "a flow's observer" in [error.where for error in raised(rec)]
    await disposed_cleanly(rec.agent, before)


async def test_the_observer_of_a_reconnect_raising(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, before = await connected_agent(make_agent)
    pending_raising_request(rec.agent, emulator)
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def next_then_note(_: object) -> None:
        done.set_result(None)
        raise UserBug("on_next of reconnect")

    rec.agent.reconnect().subscribe(next_then_note, explode, explode)
    await settled(done)
    await healthy(rec)
    assert "a flow's observer" in [error.where for error in raised(rec)]
    await disposed_cleanly(rec.agent, before)


async def test_the_observer_of_a_failed_reconnect_raising(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    before = asyncio.all_tasks()
    rec = make_agent(recovery=None)
    subscribe_everywhere(rec.agent)
    await rec.agent.connect()
    emulator.faults.fail("csds", 400)
    failed = first(rec.agent.events, raised_in("a flow's observer"))
    rec.agent.reconnect().subscribe(explode, explode, explode)
    await settled(failed)
    await reach(rec.agent, AgentState.CONNECTED)
    await healthy(rec)
    await disposed_cleanly(rec.agent, before)


async def test_the_observer_of_a_refresh_raising(make_agent: MakeAgent, emulator: Emulator) -> None:
    rec, before = await connected_agent(make_agent)
    emulator.faults.expire_session()
    relogged = first(rec.agent.events, lambda e: e.location == "RefreshSession#Relogin#WS")
    rec.agent.refresh_session().subscribe(explode, explode, explode)
    await settled(relogged)
    await healthy(rec)
    await disposed_cleanly(rec.agent, before)


async def test_observers_of_answered_failed_and_timed_out_requests_raising(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, before = await connected_agent(make_agent)
    agent = rec.agent
    outcomes: list[str] = []

    async def outcome(subscribe: Callable[[Callable[..., None]], object], what: str) -> None:
        told: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def raising(*_: object) -> None:
            outcomes.append(what)
            told.set_result(None)
            raise UserBug(what)

        subscribe(raising)
        await settled(told)

    await outcome(lambda on: agent.get_clock().subscribe(on, explode), "answered")
    emulator.faults.fail(".GetClock", 500)
    await outcome(lambda on: agent.get_clock().subscribe(explode, on), "failed")
    emulator.faults.delay(".GetClock", 5.0)
    await outcome(lambda on: agent.get_clock(timeout=0.05).subscribe(explode, on), "timed out")
    assert outcomes == ["answered", "failed", "timed out"]
    await healthy(rec)
    await disposed_cleanly(agent, before)


async def test_dispose_with_raising_callbacks_everywhere(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, before = await connected_agent(make_agent)
    pending_raising_request(rec.agent, emulator)
    rec.agent.reconnect().subscribe(explode, explode, explode)  # in flight during dispose
    await disposed_cleanly(rec.agent, before)
    with pytest.raises(NotConnectedError):
        await rec.agent.get_clock()


@pytest.mark.parametrize("bad", ["5", math.nan, math.inf, -1.0, 0, True])
async def test_a_bad_timeout_fails_the_request_at_once(
    bad: Any, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, before = await connected_agent(make_agent)
    observable = rec.agent.get_clock(timeout=bad)  # never raises at call time
    with pytest.raises(ConfigurationError, match="timeout"):
        await asyncio.wait_for(observable, 1.0)
    errors: list[Exception] = []
    rec.agent.request(".GetClock", {}, timeout=bad).subscribe(on_error=errors.append)
    assert [type(e) for e in errors] == [ConfigurationError]
    rec.agent.get_clock(timeout=bad).subscribe(explode, explode)  # raising: reported
    await healthy(rec)
    await disposed_cleanly(rec.agent, before)


async def test_a_raising_observer_of_a_bad_timeout_request_then_a_drop(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    """The issue's second case: after ``timeout="5"`` the agent still recovers a drop."""
    rec, before = await connected_agent(make_agent)
    rec.agent.get_clock(timeout="5").subscribe(explode, explode)  # type: ignore[arg-type]
    pending_raising_request(rec.agent, emulator)
    recovering = first(rec.agent.state_changes, lambda s: s is AgentState.RECONNECTING)
    await emulator.faults.close_sockets(1006)
    await settled(recovering)
    await reach(rec.agent, AgentState.CONNECTED)
    await healthy(rec)
    await disposed_cleanly(rec.agent, before)


async def test_a_subscriber_raising_on_its_own_report_is_only_logged(
    make_agent: MakeAgent, caplog: pytest.LogCaptureFixture
) -> None:
    rec, before = await connected_agent(make_agent)
    await rec.agent.get_clock()
    assert "user callback bug" in caplog.text
    assert all(r.name == "rx_lpagent.callbacks" for r in caplog.records if "UserBug" in r.message)
    await healthy(rec)
    await disposed_cleanly(rec.agent, before)
