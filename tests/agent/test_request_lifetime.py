"""What a request holds on to, on both socket transports: nothing of the caller's once it ended
(answered, failed, cancelled or disposed), while other requests are still in flight; and a
request is still an ordinary observable for the operators that lock on their source."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import msgspec
import pytest
from reactivex import abc
from reactivex import operators as ops

from rx_lpagent.agent import Agent
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import NotConnectedError, RequestFailedError, SDKError
from rx_lpagent.protocol import GetClockResponse
from rx_lpagent.protocol import request_specs as specs
from tests.agent.conftest import MakeAgent
from tests.agent.waiting import first, settled, until

pytestmark = pytest.mark.asyncio


class Observer(abc.ObserverBase[Any]):
    """A request's observer the test can watch being let go of."""

    def __init__(self) -> None:
        self.outcome: asyncio.Future[object] = asyncio.get_running_loop().create_future()

    def on_next(self, value: object) -> None:
        self.outcome.set_result(value)

    def on_error(self, error: Exception) -> None:
        self.outcome.set_result(error)

    def on_completed(self) -> None:
        pass


def released(ref: weakref.ref[Observer]) -> bool:
    gc.collect()
    return ref() is None


async def connected(make_agent: MakeAgent) -> Agent:
    agent = make_agent().agent
    await agent.connect()
    return agent


@pytest.mark.parametrize("failing", [False, True], ids=["answered", "failed"])
async def test_an_ended_request_lets_go_of_its_observer(
    failing: bool, make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    if failing:
        emulator.faults.fail(".GetClock", 500)
    observer = Observer()
    agent.get_clock().subscribe(observer)
    outcome = await settled(observer.outcome)
    assert isinstance(outcome, RequestFailedError if failing else GetClockResponse)
    ref = weakref.ref(observer)
    del observer
    assert released(ref)
    assert len(agent._pending) == 0


async def test_a_disposed_request_lets_go_of_its_observer_while_others_wait(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    emulator.faults.half_open_on(".GetClock")  # nothing is answered from now on
    waiting = Observer()
    agent.get_clock().subscribe(waiting)
    await until(lambda: len(agent._pending) == 1)
    given_up = Observer()
    subscription = agent.get_clock().subscribe(given_up)
    assert len(agent._pending) == 2
    subscription.dispose()
    ref = weakref.ref(given_up)
    del given_up, subscription  # reactivex's disposable keeps the observer's callbacks
    assert released(ref)  # the first request, still in flight before it, keeps nothing of it
    assert len(agent._pending) == 1
    await agent.dispose()
    assert isinstance(await settled(waiting.outcome), NotConnectedError)


async def test_a_cancelled_await_leaves_nothing_pending(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    emulator.faults.half_open_on(".GetClock")
    task = asyncio.ensure_future(agent.get_clock())
    await until(lambda: len(agent._pending) == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(agent._pending) == 0


async def test_a_refused_request_fails_at_once(make_agent: MakeAgent) -> None:
    agent = make_agent().agent  # never connected
    with pytest.raises(NotConnectedError):
        await agent.get_clock()


async def test_operators_that_lock_on_their_source_work_on_a_request(
    make_agent: MakeAgent,
) -> None:
    agent = await connected(make_agent)
    request = agent.get_clock()
    assert "lock" not in vars(request)  # awaiting or subscribing makes no lock
    last = first(request.pipe(ops.take_while(lambda _: True), ops.skip_last(0)))
    reply = await settled(last)
    assert isinstance(reply, GetClockResponse)
    assert isinstance(await request, GetClockResponse)
    assert vars(request)["lock"] is request.lock  # made once, when an operator asked


class Unsendable(msgspec.Struct):
    value: object


async def test_a_body_that_cannot_be_filled_fails_the_request_not_the_caller(
    make_agent: MakeAgent,
) -> None:
    agent = await connected(make_agent)
    body: Any = Unsendable(object())  # a body struct msgspec cannot turn into JSON
    request = agent.call(specs.GET_CLOCK, body)
    with pytest.raises(SDKError, match="cannot send the request: TypeError"):
        await request
    observer = Observer()
    request.subscribe(observer)
    failure = await settled(observer.outcome)
    assert isinstance(failure, SDKError)
    assert len(agent._pending) == 0
