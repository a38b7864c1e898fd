"""One agent's messaging socket on the server side: an ordered send queue and its subscriptions.

Everything the emulator sends goes through :meth:`Connection.send`, which only queues, so state
changes and the notifications they cause happen synchronously and in order; one writer task per
socket does the writing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from rx_lpagent.emulator.state import Session

__all__ = ["Connection", "ExSubscription"]


@dataclass
class ExSubscription:
    """A SubscribeExConversations filter."""

    subscription_id: str
    states: frozenset[str]
    agent_ids: frozenset[str] | None
    min_updated: int | None = None
    max_updated: int | None = None
    known: set[str] = field(default_factory=set)

    def matches(self, state: str, participants: set[str]) -> bool:
        if state not in self.states:
            return False
        return self.agent_ids is None or bool(self.agent_ids & participants)

    def in_window(self, updated_ms: int) -> bool:
        """The time window filters the first snapshot only; later changes are all news."""
        if self.min_updated is not None and updated_ms < self.min_updated:
            return False
        return not (self.max_updated is not None and updated_ms > self.max_updated)


Job = bytes | Callable[[], Awaitable[None]]


class Connection:
    """The server side of one messaging socket."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, session: Session) -> None:
        self.ws = ws
        self.request = request
        self.session = session
        self.agent = session.agent
        self.account = session.agent.account
        self.ex_subscriptions: dict[str, ExSubscription] = {}
        self.routing_subscriptions: set[str] = set()
        self.agent_state_subscriptions: dict[str, str | None] = {}
        self.dialogs: set[str] = set()
        self.half_open = False
        self.closing = False
        self._held: list[bytes] | None = None
        self.close_code: int | None = None
        """The code the emulator closed with (None when the client closed first)."""
        self._queue: deque[Job] = deque()
        self._ready = asyncio.Event()
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Done once the socket handler has let go of this connection."""
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def bearer(self) -> str:
        return self.session.bearer

    def send(self, data: bytes) -> None:
        if self.closing or self.half_open:
            return
        if self._held is not None:
            self._held.append(data)
            return
        self._queue.append(data)
        self._ready.set()

    def hold(self) -> None:
        """Keep what is sent from now on until :meth:`release` (a response goes first)."""
        self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        for data in held:
            self.send(data)

    def run_in_order(self, job: Callable[[], Awaitable[None]]) -> None:
        """Run ``job`` in the writer, after what is queued (bench mode streams this way)."""
        self._queue.append(job)
        self._ready.set()

    async def _write_loop(self) -> None:
        queue = self._queue
        send_frame = self.ws.send_frame
        text = WSMsgType.TEXT
        try:
            while True:
                await self._ready.wait()
                self._ready.clear()
                while queue and not self.half_open:
                    job = queue.popleft()
                    if isinstance(job, bytes):
                        await send_frame(job, text)
                    else:
                        await job()
        except (ConnectionError, RuntimeError):
            self.closing = True

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            callback()

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(handle)

    def spawn(self, coro: Awaitable[Any]) -> None:
        async def wrapper() -> None:
            await coro

        task = asyncio.get_running_loop().create_task(wrapper())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self, code: int, message: str = "") -> None:
        """Close with ``code``; 1006 drops the TCP connection without a close frame."""
        if self.closing:
            return
        self.closing = True
        self.close_code = code
        if code == 1006:
            self.drop()
            return
        with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
            await self.ws.close(code=code, message=message.encode())

    def drop(self) -> None:
        self.closing = True
        self.close_code = 1006
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def shutdown(self, grace: float = 0.0) -> None:
        """Stop timers, give pending closes ``grace`` seconds, then stop the writer."""
        self.closing = True
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        if self._tasks and grace > 0:
            await asyncio.wait(list(self._tasks), timeout=grace)
        tasks = [*self._tasks, self._writer]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if not self.finished.done():
            self.finished.set_result(None)
