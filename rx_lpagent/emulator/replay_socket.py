"""One replayed socket: the client's requests answered from the recording, the server's own
frames and close played in their recorded order (and, with ``pace="recorded"``, delays).

A *cursor* walks the socket's :class:`~.replay_script.SocketScript` in recorded order. A server
frame recorded after the client's n-th request waits until the client has sent n requests (clock
queries not counted: :data:`~.replay_script.UNGATED_REQUESTS`); an answer goes out where it was
recorded once its request came (matched by type and order, its ``reqId`` rewritten to the
client's id). An answer is *due* when its request came (``fast``) or its recorded latency after
that (``recorded``): whenever the cursor has to wait, due answers go out at once, so a client
that asks in another order than the recording still gets every answer,
and the cursor never waits for a request the client may never send.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec
from aiohttp import WSMsgType, web

from rx_lpagent.emulator.replay_script import (
    UNGATED_REQUESTS,
    Answer,
    Pace,
    RecordedRequest,
    ServerClose,
    ServerFrame,
    SocketScript,
    concrete,
    is_request,
)
from rx_lpagent.protocol import wire_types as wt

__all__ = ["LoopClock", "ReplayClock", "SocketPlayer", "beyond_recording"]

log = logging.getLogger(__name__)

BEYOND_RECORDING = 404
"""The code of an answer to what the recording has nothing for."""


class ReplayClock(Protocol):
    """Where a replay's delays come from (tests pass a clock they advance by hand)."""

    def now(self) -> float: ...

    async def wait(self, changed: asyncio.Event, deadline: float | None) -> None:
        """Return once ``changed`` is set or :meth:`now` reaches ``deadline`` (None: never)."""
        ...


class LoopClock:
    """The event loop's clock."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def wait(self, changed: asyncio.Event, deadline: float | None) -> None:
        timeout = None if deadline is None else max(0.0, deadline - self.now())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)


def beyond_recording(request_id: Any, message: str) -> bytes:
    """The answer to a request the recording has nothing for."""
    log.warning("replay: %s", message)
    frame = {
        "kind": "resp",
        "reqId": request_id,
        "code": BEYOND_RECORDING,
        "type": wt.STRING_RESPONSE,
        "body": f"replay: {message}",
    }
    return msgspec.json.encode(frame)


_Job = bytes | Callable[[], Awaitable[None]]


class SocketPlayer:
    """Plays ``script`` on the accepted socket ``ws``; :meth:`run` returns when it has ended."""

    def __init__(
        self,
        script: SocketScript,
        ws: web.WebSocketResponse,
        request: web.Request,
        *,
        pace: Pace,
        clock: ReplayClock,
    ) -> None:
        self.script = script
        self._ws = ws
        self._request = request
        self._pace = pace
        self._clock = clock
        self._changed = asyncio.Event()
        self._received = 0
        """Gating requests received (those the server's steps wait for)."""
        self._arrivals: dict[int, float] = {0: clock.now()}
        self._unmatched: dict[str, deque[RecordedRequest]] = {}
        for recorded in script.requests:
            self._unmatched.setdefault(recorded.type, deque()).append(recorded)
        self._matched: dict[int, tuple[Any, float]] = {}
        """Recorded request index -> (the client's id, when it came)."""
        self._answered: set[int] = set()
        self._answer_at = script.answer_positions()
        self._position = 0
        self._anchor = (script.opened.t, clock.now())
        """(recorded time, clock time) the next delay counts from."""
        self._outbox: deque[_Job] = deque()
        self._ready = asyncio.Event()
        self.closing = False

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self._write_loop()), loop.create_task(self._play())]
        try:
            await self._read_loop()
        finally:
            self.closing = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self, code: int, reason: str) -> None:
        self.closing = True
        with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
            await self._ws.close(code=code, message=reason.encode())

    # the client's side
    async def _read_loop(self) -> None:
        async for message in self._ws:
            if message.type is WSMsgType.TEXT:
                self._on_frame(message.data)
            elif message.type is WSMsgType.BINARY:
                self._on_frame(message.data.decode("utf-8", "replace"))

    def _on_frame(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not is_request(data):
            log.warning(
                "replay: connection %d: ignored a client frame that is not a request",
                self.script.connection,
            )
            return
        request_id, type_ = data["id"], data["type"]
        if type_ not in UNGATED_REQUESTS:
            self._received += 1
            self._arrivals[self._received] = self._clock.now()
        self._changed.set()
        waiting = self._unmatched.get(type_)
        if not waiting:
            count = sum(1 for r in self.script.requests if r.type == type_)
            self._send(
                beyond_recording(
                    request_id,
                    f"connection {self.script.connection}: no recorded {type_} request left "
                    f"(the recording has {count})",
                )
            )
            return
        recorded = waiting.popleft()
        self._matched[recorded.index] = (request_id, self._clock.now())
        if recorded.answer is None and not self.script.closed_by_server:
            self._send(
                beyond_recording(
                    request_id,
                    f"connection {self.script.connection}: the recording ends before the "
                    f"answer to {type_}",
                )
            )

    # the server's side
    async def _play(self) -> None:
        steps = self.script.steps
        while self._position < len(steps):
            step = steps[self._position]
            if isinstance(step, Answer):
                if step.request in self._matched and step.request not in self._answered:
                    came = self._matched[step.request][1]
                    await self._keep_pace(step.t, self.script.requests[step.request - 1].t, came)
                    if step.request not in self._answered:
                        self._send_answer(step.request)
                self._position += 1
                continue
            while self._received < step.after:
                await self._wait_for_client()
            gate = self.script.request_t(step.after)
            await self._keep_pace(step.t, gate, self._arrivals[step.after])
            self._send_due_answers(before=self._position)
            self._position += 1
            if isinstance(step, ServerFrame):
                self._send_recorded(step)
            else:
                self._close_as_recorded(step)
                return
        while True:  # the script is played; answers still go out as requests come
            await self._wait_for_client()

    async def _wait_for_client(self) -> None:
        """Wait for the client's next frame; meanwhile every due answer goes, wherever it was
        recorded (the client may be waiting for it before it sends what the cursor waits for)."""
        self._send_due_answers(before=None)
        self._changed.clear()
        await self._clock.wait(self._changed, self._earliest_due(before=None))

    async def _keep_pace(self, t: float, gate_t: float, gate_came: float) -> None:
        """Wait until ``t`` in recorded time (fast pace: not at all), counting from the later
        of the previous step and the request the step waited for. Answers recorded before the
        step go meanwhile, when due; those recorded after it wait, as they did then."""
        if gate_t >= self._anchor[0]:
            self._anchor = (gate_t, max(gate_came, self._anchor[1]))
        if self._pace == "recorded":
            deadline = self._anchor[1] + max(0.0, t - self._anchor[0])
            while self._clock.now() < deadline:
                self._send_due_answers(before=self._position)
                self._changed.clear()
                due = self._earliest_due(before=self._position)
                await self._clock.wait(
                    self._changed, deadline if due is None else min(due, deadline)
                )
        self._anchor = (t, self._clock.now())

    def _due(self, request: int) -> float:
        """When an answer may go: when its request came, plus its recorded latency when the
        pace is ``recorded``."""
        came = self._matched[request][1]
        if self._pace == "fast":
            return came
        recorded = self.script.requests[request - 1]
        assert recorded.answer is not None
        return came + max(0.0, recorded.answer.t - recorded.t)

    def _waiting_answers(self, before: int | None) -> list[int]:
        """The matched, unsent answers recorded before step ``before`` (None: all), in order."""
        waiting = [
            request
            for request in self._matched
            if request not in self._answered
            and request in self._answer_at
            and (before is None or self._answer_at[request] < before)
        ]
        return sorted(waiting, key=self._answer_at.__getitem__)

    def _earliest_due(self, before: int | None) -> float | None:
        return min((self._due(r) for r in self._waiting_answers(before)), default=None)

    def _send_due_answers(self, before: int | None) -> None:
        now = self._clock.now()
        for request in self._waiting_answers(before):
            if self._due(request) <= now:
                self._send_answer(request)

    def _send_answer(self, request: int) -> None:
        recorded = self.script.requests[request - 1]
        assert recorded.answer is not None
        self._answered.add(request)
        data = concrete(recorded.answer.data)
        if isinstance(data, dict):
            data = {**data, "reqId": self._matched[request][0]}
        self._send(msgspec.json.encode(data))

    def _send_recorded(self, step: ServerFrame) -> None:
        record = step.record
        if record.raw is not None:
            self._send(record.raw.encode())
        else:
            self._send(msgspec.json.encode(concrete(record.data)))

    def _close_as_recorded(self, step: ServerClose) -> None:
        async def close() -> None:
            if step.code == 1006:
                # the connection ends with no close frame; close(), not abort(): what was sent
                # before reaches the client first, as it did in the recording
                self.closing = True
                if self._request.transport is not None:
                    self._request.transport.close()
            else:
                await self.close(step.code, step.reason)

        self._outbox.append(close)
        self._ready.set()

    # writing, in order, from one task
    def _send(self, data: bytes) -> None:
        if self.closing:
            return
        self._outbox.append(data)
        self._ready.set()

    async def _write_loop(self) -> None:
        try:
            while True:
                await self._ready.wait()
                self._ready.clear()
                while self._outbox:
                    job = self._outbox.popleft()
                    if isinstance(job, bytes):
                        await self._ws.send_frame(job, WSMsgType.TEXT)
                    else:
                        await job()
        except (ConnectionError, RuntimeError):
            self.closing = True
