"""The messaging WebSocket: handshake checks, the read loop, request dispatch and socket faults.

Pings are answered by hand (``autoping=False``) so a half-open socket can stop answering them,
and so that client pings and pongs count as activity for the idle timeout. Frames and bodies are
read with the emulator's own schemas (:mod:`.schemas`), never with the client's structs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from dataclasses import replace
from typing import Any

from aiohttp import WSMsgType, web

from rx_lpagent.emulator.connection import Connection
from rx_lpagent.emulator.context import CONTEXT, FAULT_NAMES, EmulatorContext
from rx_lpagent.emulator.faults import SOCKET_ACTIONS, FaultSpec
from rx_lpagent.emulator.handlers import (
    HANDLERS,
    BadRequest,
    Reply,
    publish_event,
)
from rx_lpagent.emulator.records import Call, redact_body
from rx_lpagent.emulator.rest import error_body
from rx_lpagent.emulator.schemas import (
    InboundRequest,
    InvalidBody,
    decode_request,
    validate_body,
    validate_metadata,
)
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol.frames import encode

__all__ = ["API_VERSIONS", "messaging_socket"]

API_VERSIONS = frozenset({"2", "2.1"})
CLOSE_IDLE = 1000
CLOSE_TOKEN = 4401
_MAX_MESSAGE = 4 * 1024 * 1024
_CLOSE_GRACE = 2.0


async def messaging_socket(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    account = request.match_info["account"]
    bearer = request.match_info["bearer"]
    version = request.query.get("v")
    if version not in API_VERSIONS:
        return web.json_response(
            error_body(f"unsupported API version: {version}", 400, "BAD_REQUEST"), status=400
        )
    session = ctx.world.sessions.get(bearer)
    loop = asyncio.get_running_loop()
    if (
        session is None
        or not session.bearer_valid
        or session.agent.account != account
        or session.expires_at <= loop.time()
    ):
        return web.json_response(error_body("Unauthorized", 401, "UNAUTHORIZED"), status=401)
    ws = web.WebSocketResponse(autoping=False, max_msg_size=_MAX_MESSAGE)
    await ws.prepare(request)
    # the middleware records refused handshakes; an accepted one is recorded once open
    ctx.calls.record(
        Call(
            "ws",
            101,
            account=account,
            method="GET",
            path=request.path_qs,
            fault=request.get(FAULT_NAMES),
        )
    )
    connection = Connection(ws, request, session)
    ctx.engine.register(connection)
    for spec in ctx.faults.take("ws", SOCKET_ACTIONS):
        connection.call_later(spec.after, functools.partial(_socket_fault, ctx, connection, spec))
    _watch_expiry(ctx, connection)
    try:
        await _read_loop(ctx, connection)
    finally:
        ctx.engine.unregister(connection)
        await connection.shutdown(_CLOSE_GRACE)
        code = connection.close_code or ws.close_code or 1006
        ctx.calls.record(Call("ws.close", code=int(code), account=account))
    return ws


def _watch_expiry(ctx: EmulatorContext, connection: Connection) -> None:
    """Close with 4401 once the session's time is up (a refresh moves that time)."""
    loop = asyncio.get_running_loop()

    def check() -> None:
        session = connection.session
        left = session.expires_at - loop.time()
        if left > 0 and session.bearer_valid:
            connection.call_later(left, check)
        else:
            connection.spawn(connection.close(CLOSE_TOKEN, "token expired"))

    connection.call_later(max(0.0, connection.session.expires_at - loop.time()), check)


async def _read_loop(ctx: EmulatorContext, connection: Connection) -> None:
    ws = connection.ws
    while not ws.closed:
        timeout = None if connection.half_open else ctx.idle_timeout
        try:
            message = await ws.receive(timeout=timeout)
        except TimeoutError:
            if connection.half_open:
                continue
            await connection.close(CLOSE_IDLE, "idle timeout")
            return
        if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
            if not connection.half_open:
                _on_frame(ctx, connection, message.data)
        elif message.type is WSMsgType.PING:
            if not connection.half_open:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.pong(message.data)
        elif message.type is WSMsgType.PONG:
            continue
        else:
            return


def _on_frame(ctx: EmulatorContext, connection: Connection, data: str | bytes) -> None:
    frame = decode_request(data)
    if frame is None:
        ctx.calls.record(Call("malformed", account=connection.account))
        return
    body = frame.body
    faults = ctx.faults.take(frame.type)
    delay = sum(spec.seconds for spec in faults if spec.action == "latency")
    if delay > 0:
        connection.call_later(delay, lambda: _answer(ctx, connection, frame, body, faults))
    else:
        _answer(ctx, connection, frame, body, faults)


def _answer(
    ctx: EmulatorContext,
    connection: Connection,
    frame: InboundRequest,
    body: Any,
    faults: list[FaultSpec],
) -> None:
    if connection.closing or connection.half_open:
        return
    fault_names = ",".join(spec.name for spec in faults) or None
    record = Call(
        frame.type,
        account=connection.account,
        request_id=frame.id,
        body=redact_body(body),
        fault=fault_names,
    )
    for spec in faults:
        if spec.action in ("close", "half_open", "expire_bearer", "refuse"):
            ctx.calls.record(record)
            _socket_fault(ctx, connection, spec)
            return
        if spec.action == "malformed":
            connection.send(spec.frame.encode())
        elif spec.action == "expire_session":
            connection.session.session_valid = False
    status = next((spec for spec in faults if spec.action in ("status", "respond")), None)
    if status is not None and status.action == "respond":
        reply = Reply(status.status, wt.STRING_RESPONSE, status.body)
    elif status is not None:
        reply = Reply(status.status, wt.STRING_RESPONSE, _status_text(status.status))
    elif frame.type not in HANDLERS:
        reply = Reply(400, wt.STRING_RESPONSE, f"Unknown request type: {frame.type}")
    else:
        connection.hold()
        try:
            reply = _handle(ctx, connection, frame)
        except BadRequest as exc:
            reply = Reply(exc.code, wt.STRING_RESPONSE, str(exc))
        except InvalidBody as exc:
            reply = Reply(400, wt.STRING_RESPONSE, str(exc))
        except Exception as exc:  # a bug must answer 500, never kill the socket
            reply = Reply(500, wt.STRING_RESPONSE, f"Internal error: {type(exc).__name__}")
    ctx.calls.record(replace(record, code=reply.code))
    connection.send(
        encode(
            {
                "kind": "resp",
                "reqId": frame.id,
                "code": reply.code,
                "type": reply.type,
                "body": reply.body,
            }
        )
    )
    connection.release()
    if reply.after is not None:
        reply.after()


def _handle(ctx: EmulatorContext, connection: Connection, frame: InboundRequest) -> Reply:
    validate_body(frame.type, frame.body)
    if frame.type == wt.PUBLISH_EVENT:
        # the service keeps a publish's request metadata on the event it stores and distributes
        metadata = validate_metadata(frame.metadata)
        return publish_event(ctx.engine, connection, frame.body, metadata)
    return HANDLERS[frame.type](ctx.engine, connection, frame.body)


def _status_text(code: int) -> str:
    return {
        429: "Too many requests",
        401: "Unauthorized",
        403: "Forbidden",
        500: "Internal server error",
        503: "Service unavailable",
    }.get(code, f"Error {code}")


def _socket_fault(ctx: EmulatorContext, connection: Connection, spec: FaultSpec) -> None:
    if spec.action == "close":
        connection.spawn(connection.close(spec.code, "fault"))
    elif spec.action == "refuse":
        connection.drop()
    elif spec.action == "half_open":
        connection.half_open = True
    elif spec.action == "malformed":
        connection.send(spec.frame.encode())
    elif spec.action == "expire_bearer":
        connection.session.bearer_valid = False
        connection.spawn(connection.close(CLOSE_TOKEN, "token expired"))
