"""``/_emulator/...``: the HTTP control endpoints, for clients that are not Python.

Never faulted and never recorded. All bodies are JSON.

=========================================================  =====================================
``POST /_emulator/consumers/{consumerId}/conversations``   open one; body ``{"skillId"?}``
                                                           -> ``{"conversationId"}``
``POST /_emulator/conversations/{convId}/messages``        ``{"text"}`` or ``{"event"}``
                                                           -> ``{"sequence"}``
``POST /_emulator/conversations/{convId}/close``           the consumer closes it
``GET  /_emulator/conversations[/{convId}]``               state with messages
``GET|DELETE /_emulator/calls``                            recorded calls / forget them
``GET|POST|DELETE /_emulator/faults``                      armed faults / arm (a spec, a list or
                                                           ``{"faults": [...]}``) / disarm all
``POST /_emulator/sockets/close``                          ``{"code": 4401, "bearer"?}``
``GET  /_emulator/sockets``                                ``{"open": {agent: n}, "peak":
                                                           {agent: most open at once}}``
``POST /_emulator/sockets/half-open``                      ``{"halfOpen": true, "bearer"?}``
``POST /_emulator/sockets/malformed``                      ``{"frame"?, "bearer"?}``
``POST /_emulator/sessions/expire``                        ``{"what": "session"|"bearer",
                                                           "bearer"?}``
``POST /_emulator/refuse-connections``                     ``{"seconds": 2}``: stop listening
                                                           for that long
``POST /_emulator/bench``                                  ``{"count": N}``: stream N
                                                           notifications on the agent sockets
``GET  /_emulator/info``                                   csds, account, credentials, ca_file
=========================================================  =====================================
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from rx_lpagent.emulator.bench import stream_notifications
from rx_lpagent.emulator.consumers import EmulatedConsumer
from rx_lpagent.emulator.context import CONTEXT, EmulatorContext
from rx_lpagent.emulator.faults import DEFAULT_MALFORMED_FRAME, parse_faults
from rx_lpagent.emulator.state import Conversation

__all__ = ["conversation_state", "routes"]


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(text="body must be JSON") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


def conversation_state(ctx: EmulatorContext, conversation: Conversation) -> dict[str, Any]:
    details = conversation.details(ctx.world.pid_map(conversation.account))
    return {
        "conversationId": conversation.conv_id,
        "consumerId": conversation.consumer_id,
        **details,
        "messages": conversation.messages,
    }


def _conversation(ctx: EmulatorContext, request: web.Request) -> Conversation:
    found = ctx.world.conversation(request.match_info["conv_id"])
    if found is None:
        raise web.HTTPNotFound(text="conversation not found")
    return found


def _consumer_of(ctx: EmulatorContext, conversation: Conversation) -> EmulatedConsumer:
    record = ctx.world.consumer(conversation.account, conversation.consumer_id)
    return EmulatedConsumer(ctx.engine, record)


async def open_conversation(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    body = await _body(request)
    account = str(body.get("account") or next(iter(ctx.world.accounts)))
    consumer_id = request.match_info["consumer_id"]
    consumer = EmulatedConsumer(ctx.engine, ctx.world.consumer(account, consumer_id))
    conv_id = await consumer.open_conversation(str(body.get("skillId", "-1")))
    return web.json_response({"conversationId": conv_id})


async def send_message(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    conversation = _conversation(ctx, request)
    body = await _body(request)
    consumer = _consumer_of(ctx, conversation)
    try:
        if isinstance(body.get("event"), dict):
            sequence = await consumer.send_event(conversation.conv_id, body["event"])
        elif isinstance(body.get("text"), str):
            sequence = await consumer.send_text(conversation.conv_id, body["text"])
        else:
            raise web.HTTPBadRequest(text='body needs "text" or "event"')
    except ValueError as exc:
        raise web.HTTPConflict(text=str(exc)) from exc
    return web.json_response({"sequence": sequence})


async def close_conversation(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    conversation = _conversation(ctx, request)
    await _consumer_of(ctx, conversation).close_conversation(conversation.conv_id)
    return web.json_response(conversation_state(ctx, conversation))


async def get_conversation(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    return web.json_response(conversation_state(ctx, _conversation(ctx, request)))


async def list_conversations(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    return web.json_response(
        [
            conversation_state(ctx, conversation)
            for account in ctx.world.accounts.values()
            for conversation in account.conversations.values()
        ]
    )


async def get_calls(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTEXT].calls.as_list())


async def clear_calls(request: web.Request) -> web.Response:
    request.app[CONTEXT].calls.clear()
    return web.json_response({})


async def get_faults(request: web.Request) -> web.Response:
    faults = request.app[CONTEXT].faults.active
    return web.json_response(msgspec.to_builtins(faults))


async def add_faults(request: web.Request) -> web.Response:
    try:
        specs = parse_faults(await request.json())
    except (ValueError, msgspec.ValidationError) as exc:
        raise web.HTTPBadRequest(text=f"invalid fault spec: {exc}") from exc
    request.app[CONTEXT].faults.extend(specs)
    return web.json_response({"added": len(specs)})


async def clear_faults(request: web.Request) -> web.Response:
    request.app[CONTEXT].faults.clear()
    return web.json_response({})


async def close_sockets(request: web.Request) -> web.Response:
    body = await _body(request)
    code = body.get("code", 1011)
    if not isinstance(code, int):
        raise web.HTTPBadRequest(text="code must be an integer")
    closed = await request.app[CONTEXT].faults.close_sockets(code, body.get("bearer"))
    return web.json_response({"closed": closed})


async def socket_counts(request: web.Request) -> web.Response:
    engine = request.app[CONTEXT].engine
    return web.json_response(
        {"open": engine.sockets_per_agent, "peak": engine.peak_sockets_per_agent}
    )


async def half_open(request: web.Request) -> web.Response:
    body = await _body(request)
    count = request.app[CONTEXT].faults.half_open(
        bool(body.get("halfOpen", True)), body.get("bearer")
    )
    return web.json_response({"sockets": count})


async def malformed(request: web.Request) -> web.Response:
    body = await _body(request)
    frame = body.get("frame", DEFAULT_MALFORMED_FRAME)
    count = request.app[CONTEXT].faults.send_malformed(str(frame), body.get("bearer"))
    return web.json_response({"sockets": count})


async def expire(request: web.Request) -> web.Response:
    body = await _body(request)
    faults = request.app[CONTEXT].faults
    if body.get("what", "session") == "bearer":
        count = await faults.expire_bearer(body.get("bearer"))
    else:
        count = faults.expire_session(body.get("bearer"))
    return web.json_response({"expired": count})


async def refuse_connections(request: web.Request) -> web.Response:
    body = await _body(request)
    seconds = body.get("seconds")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds <= 0:
        raise web.HTTPBadRequest(text="seconds must be a positive number (listening resumes)")
    await request.app[CONTEXT].faults.refuse_connections(float(seconds))
    return web.json_response({"refusingFor": seconds})


async def bench(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    body = await _body(request)
    count = body.get("count", 100_000)
    if not isinstance(count, int) or count < 0:
        raise web.HTTPBadRequest(text="count must be a non-negative integer")
    sent = 0
    for connection in [c for c in ctx.engine.connections if not c.closing]:
        sent += await stream_notifications(connection, count)
    return web.json_response({"sent": sent})


async def info(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    return web.json_response(
        {"authority": ctx.authority, "tls": ctx.tls, "accounts": list(ctx.world.accounts)}
    )


def routes() -> list[web.RouteDef]:
    prefix = "/_emulator"
    return [
        web.post(f"{prefix}/consumers/{{consumer_id}}/conversations", open_conversation),
        web.post(f"{prefix}/conversations/{{conv_id}}/messages", send_message),
        web.post(f"{prefix}/conversations/{{conv_id}}/close", close_conversation),
        web.get(f"{prefix}/conversations/{{conv_id}}", get_conversation, allow_head=False),
        web.get(f"{prefix}/conversations", list_conversations, allow_head=False),
        web.get(f"{prefix}/calls", get_calls, allow_head=False),
        web.delete(f"{prefix}/calls", clear_calls),
        web.get(f"{prefix}/faults", get_faults, allow_head=False),
        web.post(f"{prefix}/faults", add_faults),
        web.delete(f"{prefix}/faults", clear_faults),
        web.post(f"{prefix}/sockets/close", close_sockets),
        web.get(f"{prefix}/sockets", socket_counts, allow_head=False),
        web.post(f"{prefix}/sockets/half-open", half_open),
        web.post(f"{prefix}/sockets/malformed", malformed),
        web.post(f"{prefix}/sessions/expire", expire),
        web.post(f"{prefix}/bench", bench),
        web.post(f"{prefix}/refuse-connections", refuse_connections),
        web.get(f"{prefix}/info", info, allow_head=False),
    ]
