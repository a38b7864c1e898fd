"""The REST side: CSDS domain lookup, login, refresh, logout, and the swift file store."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from rx_lpagent.emulator.context import CONTEXT, EmulatorContext
from rx_lpagent.emulator.state import Session

__all__ = ["SESSION_COOKIE", "error_body", "routes"]

SESSION_COOKIE = "Session_id"
BAD_AUTHENTICATION = 38
CSRF_INVALID = 10
CSRF_MESSAGE = (
    "CSRF token invalid! The CSRF token on request does not match the CSRF token on the session"
)
_RESPONSE_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    429: "TOO_MANY_REQUESTS",
    451: "UNAVAILABLE_FOR_LEGAL_REASONS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def error_body(message: str, internal_code: int, response_status: str | None = None) -> Any:
    """The login service's documented error body."""
    return {
        "error": {
            "time": time.strftime("%b %d, %Y %I:%M:%S %p"),
            "message": message,
            "internalCode": internal_code,
            "responseStatus": response_status or _RESPONSE_STATUS.get(internal_code, "ERROR"),
        }
    }


def status_error(status: int, retry_after: float | None = None) -> web.Response:
    """The answer of a ``status`` fault."""
    message = {
        429: f"retry after {retry_after:g} seconds" if retry_after else "Too many requests",
        401: "Bad Authentication",
        403: "Forbidden",
    }.get(status, f"HTTP {status}")
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    return web.json_response(
        error_body(message, status, _RESPONSE_STATUS.get(status)), status=status, headers=headers
    )


def _account_known(ctx: EmulatorContext, request: web.Request) -> bool:
    return request.match_info["account"] in ctx.world.accounts


def _unknown_account() -> web.Response:
    return web.json_response(
        error_body("Account not found or not authorized", 401, "UNAUTHORIZED"), status=401
    )


async def csds(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    if not _account_known(ctx, request):
        return _unknown_account()
    account = request.match_info["account"]
    return web.json_response(
        {
            "baseURIs": [
                {"service": service, "account": account, "baseURI": ctx.authority}
                for service in ctx.services
            ]
        }
    )


async def csds_service(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    if not _account_known(ctx, request):
        return _unknown_account()
    service = request.match_info["service"]
    if service not in ctx.services:
        return web.json_response(error_body(f"unknown service {service}", 404), status=404)
    account = request.match_info["account"]
    return web.json_response({"service": service, "account": account, "baseURI": ctx.authority})


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def login(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    account = request.match_info["account"]
    body = await _json_object(request)
    if body is None:
        return web.json_response(error_body("Invalid request body", 400), status=400)
    agent = ctx.world.authenticate(account, body)
    if agent is None:
        return web.json_response(
            error_body("Bad Authentication", BAD_AUTHENTICATION, "UNAUTHORIZED"), status=401
        )
    loop = asyncio.get_running_loop()
    session = ctx.world.open_session(agent, loop.time() + ctx.session_ttl)
    response = web.json_response(
        {
            "csrf": session.csrf,
            "wsuk": str(abs(hash(session.bearer)) % 10**18),
            "config": {
                "loginName": agent.login_name,
                "userId": agent.user_id,
                "userPid": agent.pid,
                "serverCurrentTime": int(time.time() * 1000),
                "timeDiff": 0,
                "serverTimeZoneName": "UTC",
                "serverTimeGMTDiff": 0,
                "isLPA": False,
                "isAdmin": False,
                "accountTimeZoneId": "UTC",
            },
            "csdsCollectionResponse": {
                "baseURIs": [
                    {"account": account, "baseURI": ctx.authority, "service": service}
                    for service in ctx.services
                ]
            },
            "accountData": {
                "agentGroupsData": {
                    "items": [{"id": -1, "deleted": False, "name": "Main Group"}],
                    "revision": 1,
                }
            },
            "sessionTTl": str(int(ctx.session_ttl * 1000)),
            "bearer": session.bearer,
        }
    )
    response.set_cookie(SESSION_COOKIE, session.cookie, path="/", secure=ctx.tls, httponly=True)
    return response


async def _session_for(request: web.Request) -> Session | None:
    """The session named by the cookie, if the body's csrf matches it and it is still valid."""
    ctx = request.app[CONTEXT]
    cookie = request.cookies.get(SESSION_COOKIE)
    session = ctx.world.sessions_by_cookie.get(cookie) if cookie else None
    body = await _json_object(request)
    csrf = body.get("csrf") if body else None
    if (
        session is None
        or not isinstance(csrf, str)
        or csrf != session.csrf
        or not session.session_valid
        or session.agent.account != request.match_info["account"]
        or session.expires_at <= asyncio.get_running_loop().time()
    ):
        return None
    return session


def _csrf_rejected() -> web.Response:
    return web.json_response(error_body(CSRF_MESSAGE, CSRF_INVALID, "UNAUTHORIZED"), status=401)


async def refresh(request: web.Request) -> web.Response:
    session = await _session_for(request)
    if session is None:
        return _csrf_rejected()
    ctx = request.app[CONTEXT]
    session.expires_at = asyncio.get_running_loop().time() + ctx.session_ttl
    return web.Response(status=200)


async def logout(request: web.Request) -> web.Response:
    session = await _session_for(request)
    if session is None:
        return _csrf_rejected()
    ctx = request.app[CONTEXT]
    ctx.world.drop_session(session)
    for connection in list(ctx.engine.connections):
        if connection.session is session:
            connection.spawn(connection.close(4401, "logged out"))
    response = web.Response(status=200)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def swift_put(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    path = request.path
    if not ctx.engine.check_signature(
        path,
        request.query.get("temp_url_sig", ""),
        request.query.get("temp_url_expires", ""),
    ):
        return web.Response(status=401, text="Temp URL invalid")
    ctx.engine.files[path] = await request.read()
    return web.Response(status=201)


async def swift_get(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    path = request.path
    if not ctx.engine.check_signature(
        path,
        request.query.get("temp_url_sig", ""),
        request.query.get("temp_url_expires", ""),
    ):
        return web.Response(status=401, text="Temp URL invalid")
    data = ctx.engine.files.get(path)
    if data is None:
        return web.Response(status=404)
    return web.Response(body=data, content_type="application/octet-stream")


def routes() -> list[web.RouteDef]:
    """The REST routes; each route's name is the endpoint name faults and records use."""
    return [
        web.get("/api/account/{account}/service/baseURI.json", csds, name="csds", allow_head=False),
        web.get(
            "/api/account/{account}/service/{service}/baseURI.json",
            csds_service,
            name="csds-service",
            allow_head=False,
        ),
        web.post("/api/account/{account}/login", login, name="login"),
        web.post("/api/account/{account}/refresh", refresh, name="refresh"),
        web.post("/api/account/{account}/logout", logout, name="logout"),
        web.put("/v1/{path:.+}", swift_put, name="swift-put"),
        web.get("/v1/{path:.+}", swift_get, name="swift-get", allow_head=False),
    ]
