"""Both socket transports go through the same proxy: the one aiohttp's rules pick from the
environment (``WSS_PROXY``/``WS_PROXY``, ``NO_PROXY``, credentials from the proxy URL or the
netrc file), tested through a real HTTP proxy on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from yarl import URL

from rx_lpagent.agent._live import rest_client
from rx_lpagent.errors import TransportError
from rx_lpagent.transport import (
    AiohttpSocketTransport,
    SocketTransport,
    WebsocketsSocketTransport,
    messaging_url,
    socket_transport_for,
)
from tests.transport.conftest import ACCOUNT, FakeLivePerson

pytestmark = pytest.mark.asyncio

_PROXY_VARIABLES = ("http", "https", "ws", "wss", "all", "socks", "no")


@dataclass
class HttpProxy:
    """A small real HTTP proxy: CONNECT opens a tunnel (wss://, and websockets for every socket);
    an absolute-form request (aiohttp's ws:// through a proxy) is forwarded as it came. With
    ``credentials``, anything else is answered 407."""

    credentials: tuple[str, str] | None = None
    seen: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(method, target, Proxy-Authorization) of each request."""
    port: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.port}"

    async def handle(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(to_client)
        upstream: asyncio.StreamWriter | None = None
        try:
            head = await client.readuntil(b"\r\n\r\n")
            request_line, *lines = head.decode("latin-1").split("\r\n")
            method, target, _ = request_line.split(" ", 2)
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in lines if line)
            }
            authorization = headers.get("proxy-authorization")
            self.seen.append((method, target, authorization))
            if self.credentials is not None and authorization != basic(*self.credentials):
                to_client.write(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b"Proxy-Authenticate: Basic\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                await to_client.drain()
                return
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                from_upstream, upstream = await asyncio.open_connection(host, int(port))
                self._writers.add(upstream)
                to_client.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                origin = URL(target)
                assert origin.host is not None
                assert origin.port is not None
                from_upstream, upstream = await asyncio.open_connection(origin.host, origin.port)
                self._writers.add(upstream)
                upstream.write(head)
            await asyncio.gather(_pipe(client, upstream), _pipe(from_upstream, to_client))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for writer in (upstream, to_client):
                if writer is not None:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
            self._tasks.discard(task)

    async def stop(self) -> None:
        """Close every connection (a cancelled handler would leave its sockets open), then
        wait for the handlers to end."""
        for writer in self._writers:
            writer.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        if writer.can_write_eof():
            with contextlib.suppress(OSError):
                writer.write_eof()


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


@contextlib.asynccontextmanager
async def running(proxy: HttpProxy) -> AsyncIterator[HttpProxy]:
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    proxy.port = server.sockets[0].getsockname()[1]
    try:
        yield proxy
    finally:
        server.close()
        await proxy.stop()
        await server.wait_closed()


@pytest_asyncio.fixture
async def proxy() -> AsyncIterator[HttpProxy]:
    async with running(HttpProxy()) as started:
        yield started


@dataclass
class Environment:
    """The test's proxy variables and netrc file (nothing else's)."""

    monkeypatch: pytest.MonkeyPatch
    netrc_file: Path

    def set(self, **variables: str) -> None:
        for name, value in variables.items():
            self.monkeypatch.setenv(name, value)

    def netrc(self, text: str) -> None:
        self.netrc_file.write_text(text)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Environment:
    """No proxy variables but the test's own, and a netrc file of its own (empty)."""
    for scheme in _PROXY_VARIABLES:
        monkeypatch.delenv(f"{scheme}_proxy", raising=False)
        monkeypatch.delenv(f"{scheme.upper()}_PROXY", raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("")
    monkeypatch.setenv("NETRC", str(netrc))
    return Environment(monkeypatch, netrc)


@dataclass
class Secured:
    """The fake LivePerson over HTTPS and WSS, and a client context that trusts it."""

    fake: FakeLivePerson
    context: ssl.SSLContext


@pytest.fixture
def wss_lp(tls_lp: FakeLivePerson, client_ssl: ssl.SSLContext) -> Secured:
    return Secured(tls_lp, client_ssl)


async def _echo(transport: SocketTransport, url: str, context: ssl.SSLContext | None) -> None:
    connection = await transport.connect(url, ssl=context, timeout=5.0)
    try:
        await connection.send(b"through")
        assert await connection.receive() == b"through"
    finally:
        await connection.close()


async def _echo_as_an_agent(
    fake: FakeLivePerson, transport_name: str, context: ssl.SSLContext | None = None
) -> None:
    """Open the socket as an agent does: the transport on its REST client's session."""
    config = fake.config(transport=transport_name, ssl=context)
    async with rest_client(config) as rest:
        url = messaging_url(fake.host, ACCOUNT, fake.bearer, secure=config.secure)
        await _echo(socket_transport_for(config.transport, rest), url, context)


async def test_a_wss_socket_tunnels_through_wss_proxy_with_its_credentials(
    proxy: HttpProxy, wss_lp: Secured, transport_name: str, environment: Environment
) -> None:
    proxy.credentials = ("agent proxy", "p@ss:word")
    environment.set(WSS_PROXY=proxy.url("agent%20proxy:p%40ss%3Aword@"))
    # TLS to the server inside the tunnel: verified against the config's CA, for its host
    await _echo_as_an_agent(wss_lp.fake, transport_name, wss_lp.context)
    assert proxy.seen == [("CONNECT", wss_lp.fake.host, basic("agent proxy", "p@ss:word"))]


async def test_proxy_credentials_come_from_the_netrc_file(
    proxy: HttpProxy, wss_lp: Secured, transport_name: str, environment: Environment
) -> None:
    proxy.credentials = ("netrc-user", "netrc-password")
    environment.netrc("machine 127.0.0.1 login netrc-user password netrc-password\n")
    environment.set(WSS_PROXY=proxy.url())
    await _echo_as_an_agent(wss_lp.fake, transport_name, wss_lp.context)
    assert proxy.seen == [("CONNECT", wss_lp.fake.host, basic("netrc-user", "netrc-password"))]


@pytest.mark.parametrize(
    "variables",
    [
        pytest.param({"WSS_PROXY": "{proxy}", "NO_PROXY": "127.0.0.1"}, id="NO_PROXY"),
        pytest.param({"HTTPS_PROXY": "{proxy}"}, id="HTTPS_PROXY-alone"),
        pytest.param({"WS_PROXY": "{proxy}"}, id="WS_PROXY-for-wss"),
    ],
)
async def test_a_wss_socket_goes_direct_where_aiohttp_uses_no_proxy(
    proxy: HttpProxy,
    wss_lp: Secured,
    transport_name: str,
    environment: Environment,
    variables: dict[str, str],
) -> None:
    """aiohttp maps only WSS_PROXY to a wss:// socket (websockets' own look-up would also take
    HTTPS_PROXY); NO_PROXY names the host."""
    environment.set(**{name: value.format(proxy=proxy.url()) for name, value in variables.items()})
    await _echo_as_an_agent(wss_lp.fake, transport_name, wss_lp.context)
    assert proxy.seen == []


async def test_a_ws_socket_goes_through_ws_proxy(
    proxy: HttpProxy, fake_lp: FakeLivePerson, transport_name: str, environment: Environment
) -> None:
    """Only how differs on plain ws:// (never LivePerson's): aiohttp sends its request to the
    proxy (which sees the whole URL, bearer included), websockets asks for a tunnel."""
    proxy.credentials = ("u", "pw")
    environment.set(WS_PROXY=proxy.url("u:pw@"), HTTP_PROXY="http://127.0.0.1:9")  # not for ws
    await _echo_as_an_agent(fake_lp, transport_name)
    [(method, target, authorization)] = proxy.seen
    assert authorization == basic("u", "pw")
    if transport_name == "aiohttp":
        assert method == "GET"
        assert target.startswith(f"ws://{fake_lp.host}/ws_api/")
    else:
        assert (method, target) == ("CONNECT", fake_lp.host)


@pytest.mark.parametrize("trust_env", [True, False])
async def test_on_a_session_of_the_users_its_trust_env_decides(
    proxy: HttpProxy,
    fake_lp: FakeLivePerson,
    transport_name: str,
    environment: Environment,
    trust_env: bool,
) -> None:
    environment.set(WS_PROXY=proxy.url())
    async with aiohttp.ClientSession(trust_env=trust_env) as session:
        transport: SocketTransport = (
            WebsocketsSocketTransport(session=session)
            if transport_name == "websockets"
            else AiohttpSocketTransport(session)
        )
        url = messaging_url(fake_lp.host, ACCOUNT, fake_lp.bearer, secure=False)
        await _echo(transport, url, None)
    assert len(proxy.seen) == (1 if trust_env else 0)


async def test_a_proxy_refusing_the_credentials_is_a_transport_error_without_them(
    proxy: HttpProxy, wss_lp: Secured, transport_name: str, environment: Environment
) -> None:
    proxy.credentials = ("u", "right")
    environment.set(WSS_PROXY=proxy.url("u:wrong-secret@"))
    with pytest.raises(TransportError) as caught:
        await _echo_as_an_agent(wss_lp.fake, transport_name, wss_lp.context)
    assert "407" in str(caught.value)
    error: BaseException | None = caught.value
    while error is not None:
        assert "wrong-secret" not in f"{error} {error!r}"
        assert wss_lp.fake.bearer not in f"{error} {error!r}"
        error = error.__cause__ or error.__context__
    assert [method for method, _, _ in proxy.seen] == ["CONNECT"]


async def test_rest_calls_go_through_https_proxy_with_its_credentials(
    proxy: HttpProxy, wss_lp: Secured, environment: Environment
) -> None:
    proxy.credentials = ("u", "pw")
    environment.set(HTTPS_PROXY=proxy.url("u:pw@"))
    async with rest_client(wss_lp.fake.config(ssl=wss_lp.context)) as rest:
        await rest.fetch_domains(ACCOUNT)
    assert proxy.seen == [("CONNECT", wss_lp.fake.host, basic("u", "pw"))]
