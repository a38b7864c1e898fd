"""The transports against rx_lpagent.emulator: the real protocol, both sockets, plain and TLS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec
import pytest
import pytest_asyncio

from rx_lpagent._endpoints import require_host
from rx_lpagent.agent._live import rest_client
from rx_lpagent.config import (
    AgentConfig,
    AppKeyCredentials,
    AssertionCredentials,
    Credentials,
    PasswordCredentials,
)
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import (
    AuthenticationError,
    RateLimitedError,
    SDKError,
    ServerError,
    Service,
    TransportError,
)
from rx_lpagent.protocol import Frame, Notification, Response, decode_frame, encode_request
from rx_lpagent.transport import (
    IncomingMessage,
    LoginSession,
    RestClient,
    SocketConnection,
    open_messaging_socket,
    socket_transport_for,
)


@pytest_asyncio.fixture(params=[False, True], ids=["plain", "tls"])
async def emu(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    async with Emulator(tls=request.param) as emulator:
        yield emulator


def _config(emu: Emulator, transport: str, credentials: Credentials | None = None) -> AgentConfig:
    return AgentConfig(
        emu.account,
        credentials or PasswordCredentials(emu.username, emu.password),
        csds_domain=emu.csds_domain,
        ssl=emu.client_ssl_context() if emu.tls else None,
        transport=transport,  # type: ignore[arg-type]
        request_timeout=5.0,
    )


class Agent:
    """The least an agent does with the transports: CSDS, login, one socket, frames by id."""

    def __init__(self, config: AgentConfig, rest: RestClient) -> None:
        self.config = config
        self.rest = rest
        self.frames: list[Frame] = []
        self.arrived = asyncio.Event()

    async def login(self) -> tuple[dict[str, str], LoginSession]:
        domains = await self.rest.fetch_domains(self.config.account_id)
        credentials = self.config.credentials
        session = await self.rest.login(domains["agentVep"], self.config.account_id, credentials)
        return domains, session

    async def open_socket(self, domains: dict[str, str], bearer: str) -> SocketConnection:
        config = self.config
        return await open_messaging_socket(
            socket_transport_for(config.transport, self.rest),
            config.endpoints.messaging_host(domains),
            config.account_id,
            bearer,
            secure=config.secure,
            ssl=config.ssl,
            timeout=config.request_timeout,
        )

    def on_message(self, message: IncomingMessage) -> None:
        frame = decode_frame(message)
        if isinstance(frame, Response | Notification):
            self.frames.append(frame)
            self.arrived.set()

    async def response(self, request_id: str) -> Response:
        async with asyncio.timeout(5):
            while True:
                for frame in self.frames:
                    if isinstance(frame, Response) and frame.reqId == request_id:
                        return frame
                self.arrived.clear()
                await self.arrived.wait()


@pytest_asyncio.fixture
async def agent(emu: Emulator, transport_name: str) -> AsyncIterator[Agent]:
    config = _config(emu, transport_name)
    async with rest_client(config) as rest:
        yield Agent(config, rest)


@pytest.mark.asyncio
async def test_connect_request_and_close(emu: Emulator, agent: Agent) -> None:
    domains, session = await agent.login()
    assert {"agentVep", "facadeMsg", "asyncMessagingEnt"} <= domains.keys()
    assert session.user_id
    connection = await agent.open_socket(domains, session.bearer)
    reader = asyncio.ensure_future(connection.run(agent.on_message))
    await connection.send(encode_request("1", ".GetClock", {}))
    response = await agent.response("1")
    assert response.ok
    async with asyncio.timeout(5):
        await connection.ping()
    await connection.close()
    await reader
    assert connection.close_code == 1000
    closes = await emu.calls.wait_for("ws.close", within=5)
    assert closes[-1].code == 1000


@pytest.mark.asyncio
async def test_refresh_and_logout_use_the_session_cookie(emu: Emulator, agent: Agent) -> None:
    domains, session = await agent.login()
    assert agent.rest.has_session_cookie(domains["agentVep"])
    await agent.rest.refresh(domains["agentVep"], emu.account, session)
    await agent.rest.logout(domains["agentVep"], emu.account, session)
    assert emu.calls.count("refresh") == 1
    assert emu.calls.count("logout") == 1


@pytest.mark.asyncio
async def test_every_login_kind(emu: Emulator) -> None:
    app = emu.app_credentials
    kinds: list[Credentials] = [
        PasswordCredentials(emu.username, emu.password),
        AppKeyCredentials(
            app.username, app.app_key, app.secret, app.access_token, app.access_token_secret
        ),
        AssertionCredentials(emu.assertion),
    ]
    for credentials in kinds:
        config = _config(emu, "aiohttp", credentials)
        async with rest_client(config) as rest:
            domains = await rest.fetch_domains(config.account_id)
            session = await rest.login(domains["agentVep"], emu.account, credentials)
        assert session.csrf is not None
        assert session.user_id


@pytest.mark.asyncio
async def test_rest_faults_become_our_errors(emu: Emulator, agent: Agent) -> None:
    emu.faults.fail("csds", 503, retry_after=3)
    with pytest.raises(ServerError) as csds_error:
        await agent.login()
    assert (csds_error.value.code, csds_error.value.retry_after) == (503, 3.0)
    emu.faults.fail("login", 429, retry_after=5)
    with pytest.raises(RateLimitedError) as login_error:
        await agent.login()
    assert login_error.value.retry_after == 5.0
    assert login_error.value.service == Service.LOGIN
    # (aiohttp retries an idempotent GET once on a dropped keep-alive connection)
    spec = emu.faults.refuse("csds", times=None)
    with pytest.raises(TransportError) as dropped:
        await agent.login()
    assert dropped.value.service == Service.DOMAIN_NAMES
    emu.faults.remove(spec)
    assert (await agent.login())[1].user_id


@pytest.mark.asyncio
async def test_bad_credentials_are_401(emu: Emulator, transport_name: str) -> None:
    config = _config(emu, transport_name, PasswordCredentials(emu.username, "wrong"))
    async with rest_client(config) as rest:
        with pytest.raises(AuthenticationError) as caught:
            await Agent(config, rest).login()
    assert caught.value.code == 401


@pytest.mark.asyncio
async def test_an_expired_session_cannot_refresh(emu: Emulator, agent: Agent) -> None:
    domains, session = await agent.login()
    emu.faults.expire_session()
    with pytest.raises(AuthenticationError) as caught:
        await agent.rest.refresh(domains["agentVep"], emu.account, session)
    assert caught.value.code == 401
    assert caught.value.service == Service.REFRESH_SESSION


@pytest.mark.asyncio
async def test_an_expired_bearer_closes_with_4401_then_refuses(emu: Emulator, agent: Agent) -> None:
    domains, session = await agent.login()
    connection = await agent.open_socket(domains, session.bearer)
    reader = asyncio.ensure_future(connection.run(agent.on_message))
    await emu.faults.expire_bearer()
    await asyncio.wait_for(reader, 5)
    assert connection.close_code == 4401
    with pytest.raises(AuthenticationError) as caught:
        await agent.open_socket(domains, session.bearer)
    assert caught.value.code == 401


@pytest.mark.asyncio
async def test_handshake_faults(emu: Emulator, agent: Agent) -> None:
    domains, session = await agent.login()
    with pytest.raises(AuthenticationError) as caught:
        await agent.open_socket(domains, "not-a-bearer")
    assert caught.value.code == 401
    assert "not-a-bearer" not in str(caught.value)
    emu.faults.fail("ws", 503)
    with pytest.raises(ServerError):
        await agent.open_socket(domains, session.bearer)


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [4401, 4407, 1011])
async def test_server_close_codes(emu: Emulator, agent: Agent, code: int) -> None:
    domains, session = await agent.login()
    emu.faults.close_on(".GetClock", code)
    connection = await agent.open_socket(domains, session.bearer)
    reader = asyncio.ensure_future(connection.run(agent.on_message))
    await connection.send(encode_request("1", ".GetClock", {}))
    await asyncio.wait_for(reader, 5)
    assert connection.close_code == code


@pytest.mark.asyncio
async def test_a_half_open_socket_never_pongs(emu: Emulator, agent: Agent) -> None:
    domains, session = await agent.login()
    connection = await agent.open_socket(domains, session.bearer)
    reader = asyncio.ensure_future(connection.run(agent.on_message))
    emu.faults.half_open()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await connection.ping()
    await connection.close()
    await reader


@pytest.mark.asyncio
async def test_a_notification_stream_arrives_whole(emu: Emulator, agent: Agent) -> None:
    domains, session = await agent.login()
    connection = await agent.open_socket(domains, session.bearer)
    reader = asyncio.ensure_future(connection.run(agent.on_message))
    sent = await emu.stream_notifications(2000)
    async with asyncio.timeout(10):
        while len(agent.frames) < sent:
            agent.arrived.clear()
            await agent.arrived.wait()
    assert all(isinstance(frame, Notification) for frame in agent.frames)
    await connection.close()
    await reader


@pytest.mark.asyncio
async def test_the_older_messaging_service_works_too(emu: Emulator) -> None:
    config = msgspec.structs.replace(_config(emu, "aiohttp"), messaging_service="asyncMessagingEnt")
    async with rest_client(config) as rest:
        agent = Agent(config, rest)
        domains, session = await agent.login()
        connection = await agent.open_socket(domains, session.bearer)
        await connection.close()
    assert connection.close_code == 1000


def test_a_missing_domain_is_named() -> None:
    with pytest.raises(SDKError, match="no 'facadeMsg' domain") as caught:
        require_host(None, "facadeMsg")
    assert caught.value.service == Service.DOMAIN_NAMES


@pytest.mark.asyncio
async def test_odd_but_successful_answers(emu: Emulator, agent: Agent) -> None:
    emu.faults.respond("csds", {"baseURIs": []})
    with pytest.raises(SDKError, match="could not fetch domains") as no_domains:
        await agent.login()
    assert no_domains.value.service == Service.DOMAIN_NAMES
    error_body = {
        "error": {
            "message": "Bad Authentication",
            "internalCode": 38,
            "responseStatus": "UNAUTHORIZED",
        }
    }
    emu.faults.respond("login", error_body)
    with pytest.raises(AuthenticationError) as in_body:
        await agent.login()
    assert in_body.value.code == 38
    emu.faults.respond("login", {"bearer": "b", "csrf": "c", "config": {}})
    with pytest.raises(SDKError, match="invalid login state, userId is undefined"):
        await agent.login()
