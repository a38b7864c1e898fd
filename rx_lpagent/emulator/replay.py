"""Replay mode: the emulator serves a recording to whatever client connects.

``Emulator(replay="session.jsonl")`` (or ``python -m rx_lpagent emulator --replay FILE``) answers
each HTTP call with the next recorded answer of the same endpoint (CSDS pointing every service
at the emulator itself; the secret placeholders turned into tokens the client can use; any
credentials accepted), and plays the k-th socket the client opens as recorded socket k (see
:mod:`.replay_socket`). A recorded failure is played too: an HTTP call or handshake that got no
answer resets the connection, a refused handshake answers its recorded status. Whatever the
recording has nothing for is answered 404 with a ``replay: ...`` reason and logged; a CSDS lookup
or a session refresh beyond the recording repeats the last recorded one (clients repeat them at
will, on timers of their own: the Node SDK refreshes every 10 minutes, or as configured).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from aiohttp import web

from rx_lpagent.emulator.context import EmulatorContext
from rx_lpagent.emulator.replay_script import (
    Pace,
    ReplayPlan,
    concrete,
    endpoint_key,
    plan_replay,
    point_services_at,
)
from rx_lpagent.emulator.replay_socket import (
    BEYOND_RECORDING,
    LoopClock,
    ReplayClock,
    SocketPlayer,
)
from rx_lpagent.emulator.rest import SESSION_COOKIE, error_body
from rx_lpagent.recording import HttpRecord, Recording, read_recording

__all__ = ["Replay", "ReplaySource", "build_replay_app"]

log = logging.getLogger(__name__)

ReplaySource = str | Path | Recording
"""A recording file or a recording already read."""

_REPEATABLE = frozenset({"csds", "refresh"})


@dataclass(frozen=True)
class Replay:
    """What to replay and how: ``pace`` ``recorded`` keeps the recorded delays of the server's
    own frames, ``fast`` drops them; ``clock`` is where delays are measured (tests advance one
    by hand)."""

    recording: Recording
    pace: Pace = "recorded"
    clock: ReplayClock = field(default_factory=LoopClock)

    @classmethod
    def of(cls, source: ReplaySource | Replay, pace: Pace = "recorded") -> Replay:
        """A :class:`Replay` of a file (read now: :class:`~rx_lpagent.recording.RecordingError`
        names its first bad line) or of a recording."""
        if isinstance(source, Replay):
            return source
        if pace not in ("recorded", "fast"):
            raise ValueError(f"pace must be 'recorded' or 'fast', got {pace!r}")
        recording = source if isinstance(source, Recording) else read_recording(source)
        return cls(recording, pace)


class _ReplayServer:
    """The state of one running replay: what is left to serve, the open sockets."""

    def __init__(self, ctx: EmulatorContext, replay: Replay) -> None:
        self.ctx = ctx
        self.replay = replay
        self.plan: ReplayPlan = plan_replay(replay.recording)
        self.served: dict[str, int] = defaultdict(int)
        self.sockets_opened = 0
        self.players: set[SocketPlayer] = set()

    async def http(self, request: web.Request) -> web.StreamResponse:
        key = endpoint_key(request.method, request.path)
        answers = self.plan.http.get(key, [])
        served = self.served[key]
        if served >= len(answers) and answers and answers[-1].service in _REPEATABLE:
            served = len(answers) - 1
        if served >= len(answers):
            message = (
                f"no recorded {key} call left (the recording has {len(answers)})"
                if answers
                else f"nothing recorded for {key}"
            )
            return _beyond(message)
        self.served[key] = served + 1
        if request.can_read_body:
            await request.read()
        return self._answer(request, answers[served])

    def _answer(self, request: web.Request, record: HttpRecord) -> web.StreamResponse:
        if record.status is None:
            _reset(request)
        body = point_services_at(concrete(record.response), self.ctx.authority)
        response: web.Response
        if body is None:
            response = web.Response(status=record.status)
        elif isinstance(body, str):
            response = web.Response(status=record.status, text=body)
        else:
            response = web.json_response(body, status=record.status)
        if record.service == "login" and 200 <= record.status < 300:
            response.set_cookie(SESSION_COOKIE, "replay-session", path="/", httponly=True)
        return response

    async def socket(self, request: web.Request) -> web.StreamResponse:
        self.sockets_opened += 1
        number = self.sockets_opened
        if number > len(self.plan.sockets):
            return _beyond(
                f"no recorded socket #{number} (the recording has {len(self.plan.sockets)})"
            )
        script = self.plan.sockets[number - 1]
        opened = script.opened
        if opened.status is None:
            _reset(request)
        if opened.status != 101:
            return web.json_response(
                error_body("replay: the recorded handshake was refused", opened.status),
                status=opened.status,
            )
        # no permessage-deflate: a client that inflates frames asynchronously (the Node SDK's
        # ws 1.1.5) drops those still inflating when the connection ends, and a recorded drop
        # often follows the frames before it within a millisecond
        ws = web.WebSocketResponse(max_msg_size=4 * 1024 * 1024, compress=False)
        await ws.prepare(request)
        player = SocketPlayer(script, ws, request, pace=self.replay.pace, clock=self.replay.clock)
        self.players.add(player)
        try:
            await player.run()
        finally:
            self.players.discard(player)
        return ws

    async def shutdown(self, _app: web.Application) -> None:
        for player in list(self.players):
            await player.close(1001, "emulator stopping")


def _beyond(message: str) -> web.Response:
    log.warning("replay: %s", message)
    return web.json_response(
        error_body(f"replay: {message}", BEYOND_RECORDING), status=BEYOND_RECORDING
    )


def _reset(request: web.Request) -> NoReturn:
    """Play a call that got no answer: drop the connection."""
    if request.transport is not None:
        request.transport.abort()
    raise web.HTTPServiceUnavailable()


def build_replay_app(ctx: EmulatorContext, replay: Replay) -> web.Application:
    """The application of replay mode: the messaging socket, and every other path over HTTP."""
    server = _ReplayServer(ctx, replay)
    app = web.Application()
    app.router.add_get(
        "/ws_api/account/{account}/messaging/brand/{bearer}",
        server.socket,
        name="ws",
        allow_head=False,
    )
    app.router.add_route("*", "/{tail:.*}", server.http, name="replay-http")
    app.on_shutdown.append(server.shutdown)
    return app
