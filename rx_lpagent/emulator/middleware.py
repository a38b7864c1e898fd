"""The HTTP middleware that applies armed faults and records every client call."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from rx_lpagent.emulator.context import CONTEXT, FAULT_NAMES
from rx_lpagent.emulator.records import Call, redact_body
from rx_lpagent.emulator.rest import SESSION_COOKIE, status_error

__all__ = ["ENDPOINTS", "faults_and_records"]

# route name -> endpoint name used by faults and records
ENDPOINTS = {
    "csds": "csds",
    "csds-service": "csds",
    "login": "login",
    "refresh": "refresh",
    "logout": "logout",
    "ws": "ws",
    "swift-put": "swift",
    "swift-get": "swift",
}
HTTP_ACTIONS = frozenset({"status", "respond", "latency", "refuse", "expire_session"})


async def _body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    try:
        return redact_body(await request.json())
    except ValueError:
        return None


@web.middleware
async def faults_and_records(request: web.Request, handler: Handler) -> web.StreamResponse:
    endpoint = ENDPOINTS.get(request.match_info.route.name or "")
    if endpoint is None:
        return await handler(request)
    ctx = request.app[CONTEXT]
    faults = ctx.faults.take(endpoint, HTTP_ACTIONS)
    record = Call(
        endpoint,
        account=request.match_info.get("account"),
        method=request.method,
        path=request.path_qs,
        body=await _body(request) if endpoint != "swift" else None,
        fault=",".join(spec.name for spec in faults) or None,
    )
    if record.fault is not None:
        request[FAULT_NAMES] = record.fault
    for spec in faults:
        if spec.action == "latency":
            await asyncio.sleep(spec.seconds)
    for spec in faults:
        if spec.action == "refuse":
            ctx.calls.record(record)
            if request.transport is not None:
                request.transport.abort()
            raise web.HTTPServiceUnavailable()
        if spec.action == "respond":
            response = web.json_response(spec.body, status=spec.status)
            ctx.calls.record(replace(record, status=response.status))
            return response
        if spec.action == "status":
            response = status_error(spec.status, spec.retry_after)
            ctx.calls.record(replace(record, status=response.status))
            return response
        if spec.action == "expire_session":
            session = ctx.world.sessions_by_cookie.get(request.cookies.get(SESSION_COOKIE, ""))
            if session is not None:
                session.session_valid = False
    answer = await handler(request)
    if endpoint != "ws" or not isinstance(answer, web.WebSocketResponse):
        ctx.calls.record(replace(record, status=answer.status))
    return answer
