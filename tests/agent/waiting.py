"""Waiting on hot streams in tests: subscribe now, await later, never sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import reactivex

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.emulator import Emulator
from rx_lpagent.events import AgentEvent, ErrorEvent

_T = TypeVar("_T")

WITHIN = 5.0


def first(
    source: reactivex.Observable[_T], where: Callable[[_T], bool] = lambda _: True
) -> asyncio.Future[_T]:
    """A future of the first item of ``source`` matching ``where``, subscribed right away, so an
    item caused by the next action cannot be missed. It fails if the stream ends first."""
    future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()

    def on_next(value: _T) -> None:
        if not future.done() and where(value):
            future.set_result(value)

    def on_error(error: Exception) -> None:
        if not future.done():
            future.set_exception(error)

    def on_completed() -> None:
        if not future.done():
            future.set_exception(AssertionError("the stream completed"))

    subscription = source.subscribe(on_next, on_error, on_completed)
    future.add_done_callback(lambda _: subscription.dispose())
    return future


async def settled(future: asyncio.Future[_T], within: float = WITHIN) -> _T:
    return await asyncio.wait_for(future, within)


async def reach(agent: Agent, wanted: AgentState, within: float = WITHIN) -> None:
    await settled(first(agent.state_changes, lambda current: current is wanted), within)


def error_at(location: str) -> Callable[[AgentEvent], bool]:
    def matches(event: AgentEvent) -> bool:
        return isinstance(event, ErrorEvent) and event.location == location

    return matches


async def until(condition: Callable[[], Any], within: float = WITHIN) -> None:
    """Poll emulator-side state (which has no stream to subscribe to) until ``condition``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)


def agent_connection(emulator: Emulator) -> Any:
    """The emulator's side of the one open agent socket."""
    (connection,) = [c for c in emulator.engine.connections if not c.closing]
    return connection
