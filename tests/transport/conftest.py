"""A small real LivePerson look-alike on 127.0.0.1:0 for the transport tests.

REST: CSDS, login (each credential kind), refresh, logout, answering with the payloads of
lp-frames.json, and scriptable failures (:meth:`FakeLivePerson.fail_next`). WebSocket: the
messaging path, which checks the bearer and then obeys text commands (echo by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from rx_lpagent.agent._live import rest_client
from rx_lpagent.config import (
    AgentConfig,
    AppKeyCredentials,
    AssertionCredentials,
    Credentials,
    PasswordCredentials,
)
from rx_lpagent.transport import (
    AiohttpSocketTransport,
    IncomingMessage,
    RestClient,
    SocketConnection,
    SocketTransport,
    WebsocketsSocketTransport,
)

ACCOUNT = "123"
USERNAME = "bot"
PASSWORD = "secret"
SESSION_ID = "session-cookie-value"


class Reader:
    """Runs ``connection.run`` in a task, collecting messages (and ``raw``, as they came) and
    waking waiters."""

    def __init__(self, connection: SocketConnection) -> None:
        self.messages: list[str] = []
        self.raw: list[IncomingMessage] = []
        self._arrived = asyncio.Event()
        self.task = asyncio.ensure_future(connection.run(self._on_message))

    def _on_message(self, message: IncomingMessage) -> None:
        self.raw.append(message)
        text = message.decode(errors="replace") if isinstance(message, bytes) else message
        self.messages.append(text)
        self._arrived.set()

    async def wait_for(self, count: int) -> list[str]:
        async with asyncio.timeout(5):
            while len(self.messages) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.messages


@dataclass
class Scripted:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeLivePerson:
    """What the fake server knows, what it was sent, and what it will do next."""

    frames: dict[str, Any]
    host: str = ""
    secure: bool = False
    calls: list[tuple[str, Any, dict[str, str]]] = field(default_factory=list)
    script: dict[str, list[Scripted]] = field(default_factory=dict)
    ws_closes: asyncio.Queue[tuple[int | None, str]] = field(default_factory=asyncio.Queue)
    ws_headers: list[dict[str, str]] = field(default_factory=list)
    sockets: set[web.WebSocketResponse] = field(default_factory=set)

    @property
    def bearer(self) -> str:
        bearer: str = self.frames["login_response"]["bearer"]
        return bearer

    @property
    def csrf(self) -> str:
        csrf: str = self.frames["login_response"]["csrf"]
        return csrf

    @property
    def csds_domain(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.host}"

    def fail_next(
        self,
        endpoint: str,
        status: int,
        body: object = b"",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer the next call of ``endpoint`` (csds, login, refresh, logout, ws) like this."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.script.setdefault(endpoint, []).append(Scripted(status, raw, headers or {}, delay))

    def config(self, credentials: Credentials | None = None, **overrides: Any) -> AgentConfig:
        settings: dict[str, Any] = {
            "account_id": ACCOUNT,
            "credentials": credentials or PasswordCredentials(USERNAME, PASSWORD),
            "csds_domain": self.csds_domain,
            "request_timeout": 5.0,
        }
        settings.update(overrides)
        return AgentConfig(**settings)

    def path_call(self, endpoint: str) -> list[Any]:
        return [body for name, body, _ in self.calls if name == endpoint]


def _known_credentials(frames: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"username": USERNAME, "password": PASSWORD},
        frames["login_request_app"],
        frames["login_request_assertion"],
    ]


APP_CREDENTIALS = AppKeyCredentials("bot", "k", "s", "t", "ts")
ASSERTION_CREDENTIALS = AssertionCredentials("<saml assertion>")


async def _scripted(fake: FakeLivePerson, endpoint: str) -> web.Response | None:
    queue = fake.script.get(endpoint)
    if not queue:
        return None
    step = queue.pop(0)
    if step.delay:
        await asyncio.sleep(step.delay)
    return web.Response(
        status=step.status,
        body=step.body,
        headers=step.headers,
        content_type="application/json",
    )


def build_app(fake: FakeLivePerson) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/api/account/{account}/service/baseURI.json")
    async def csds(request: web.Request) -> web.StreamResponse:
        fake.calls.append(("csds", dict(request.query), dict(request.cookies)))
        scripted = await _scripted(fake, "csds")
        if scripted is not None:
            return scripted
        account = request.match_info["account"]
        uris = [
            {"service": service, "account": account, "baseURI": fake.host}
            for service in ("agentVep", "facadeMsg", "asyncMessagingEnt", "msgHist")
        ]
        return web.json_response({"baseURIs": uris})

    @routes.post("/api/account/{account}/login")
    async def login(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        fake.calls.append(("login", body, dict(request.headers)))
        scripted = await _scripted(fake, "login")
        if scripted is not None:
            return scripted
        if request.query.get("v") != "1.3" or body not in _known_credentials(fake.frames):
            return web.json_response(fake.frames["login_error_401"], status=401)
        payload = {k: v for k, v in fake.frames["login_response"].items() if k != "_cookie"}
        response = web.json_response(payload)
        response.set_cookie("Session_id", SESSION_ID)
        return response

    async def session_call(request: web.Request, endpoint: str) -> web.StreamResponse:
        body = await request.json()
        fake.calls.append((endpoint, body, dict(request.cookies)))
        scripted = await _scripted(fake, endpoint)
        if scripted is not None:
            return scripted
        if body != {"csrf": fake.csrf} or request.cookies.get("Session_id") != SESSION_ID:
            return web.json_response(fake.frames["refresh_error_401"], status=401)
        return web.Response(status=200)

    @routes.post("/api/account/{account}/refresh")
    async def refresh(request: web.Request) -> web.StreamResponse:
        return await session_call(request, "refresh")

    @routes.post("/api/account/{account}/logout")
    async def logout(request: web.Request) -> web.StreamResponse:
        return await session_call(request, "logout")

    @routes.get("/ws_api/account/{account}/messaging/brand/{bearer}")
    async def messaging(request: web.Request) -> web.StreamResponse:
        fake.ws_headers.append(dict(request.headers))
        scripted = await _scripted(fake, "ws")
        if scripted is not None:
            return scripted
        if request.match_info["bearer"] != fake.bearer:
            return web.json_response({"error": "bad token"}, status=401)
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        fake.sockets.add(ws)
        try:
            await _obey(ws, request)
        finally:
            fake.sockets.discard(ws)
            fake.ws_closes.put_nowait((ws.close_code, ""))
        return ws

    app = web.Application()
    app.add_routes(routes)
    return app


async def _obey(ws: web.WebSocketResponse, request: web.Request) -> None:
    """Echo text; commands: ``close:CODE:REASON``, ``burst:N``, ``ping``, ``drop``, ``silence``."""
    async for message in ws:
        if message.type is aiohttp.WSMsgType.PING:
            await ws.pong(message.data)
            continue
        if message.type is aiohttp.WSMsgType.PONG:
            await ws.send_str("pong-received")
            continue
        if message.type is not aiohttp.WSMsgType.TEXT:
            continue
        text: str = message.data
        command, _, argument = text.partition(":")
        if command == "close":
            code, _, reason = argument.partition(":")
            await ws.close(code=int(code), message=reason.encode())
            return
        if command == "burst":
            for index in range(int(argument)):
                await ws.send_str(f'{{"kind":"notification","type":"t","body":{index}}}')
        elif command == "ping":
            await ws.ping(b"server")
        elif command == "drop":
            if request.transport is not None:
                request.transport.abort()
            return
        elif command == "silence":
            await asyncio.sleep(3600)
        else:
            await ws.send_str(text)


@contextlib.asynccontextmanager
async def serve(
    frames: dict[str, Any], server_ssl: ssl.SSLContext | None = None
) -> AsyncIterator[FakeLivePerson]:
    fake = FakeLivePerson(frames, secure=server_ssl is not None)
    runner = web.AppRunner(build_app(fake), handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl)
    await site.start()
    server = site._server
    assert isinstance(server, asyncio.Server)
    port = server.sockets[0].getsockname()[1]
    fake.host = f"127.0.0.1:{port}"
    try:
        yield fake
    finally:
        for ws in list(fake.sockets):
            await ws.close()
        await runner.cleanup()


@pytest_asyncio.fixture
async def fake_lp(lp_frames: dict[str, Any]) -> AsyncIterator[FakeLivePerson]:
    async with serve(lp_frames) as fake:
        yield fake


@pytest.fixture(scope="module")
def ca() -> Any:
    """A certificate authority of the tests' own (trustme)."""
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


@pytest.fixture
def client_ssl(ca: Any) -> ssl.SSLContext:
    """A client context trusting only :func:`ca`."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest_asyncio.fixture
async def tls_lp(ca: Any, lp_frames: dict[str, Any]) -> AsyncIterator[FakeLivePerson]:
    """The fake LivePerson over HTTPS and WSS, its certificate (for 127.0.0.1) from :func:`ca`."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    async with serve(lp_frames, server_context) as fake:
        yield fake


@pytest_asyncio.fixture
async def rest(fake_lp: FakeLivePerson) -> AsyncIterator[RestClient]:
    async with rest_client(fake_lp.config()) as client:
        yield client


@pytest.fixture(params=["aiohttp", "websockets"])
def transport_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest_asyncio.fixture
async def socket_transport(transport_name: str) -> AsyncIterator[SocketTransport]:
    """Each socket implementation in turn (aiohttp on a session of its own)."""
    if transport_name == "websockets":
        yield WebsocketsSocketTransport(close_timeout=0.2)
        return
    async with aiohttp.ClientSession() as session:
        yield AiohttpSocketTransport(session, close_timeout=0.2)
