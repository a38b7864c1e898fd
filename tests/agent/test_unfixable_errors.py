"""Errors no retry can fix fail at once, and handshake errors carry no secret anywhere in their
chain. Against the emulator, over real sockets (TLS mode: a trustme CA of its own)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from aiohttp import web

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.agent._live import rest_client
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import SDKError, TransportError
from rx_lpagent.events import AgentEvent, ErrorEvent
from rx_lpagent.rx import RetriesExhaustedError
from rx_lpagent.transport import messaging_url, socket_transport_for
from tests.agent.conftest import FAST_RECOVERY

pytest.importorskip("trustme")


@pytest_asyncio.fixture
async def tls_emulator() -> AsyncIterator[Emulator]:
    async with Emulator(tls=True) as running:
        yield running


def chain(error: BaseException | None) -> Iterator[BaseException]:
    """``error`` and everything chained to it, as __cause__ or __context__."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def config_for(emulator: Emulator, transport: str, **settings: object) -> AgentConfig:
    return AgentConfig(
        emulator.account,
        PasswordCredentials(emulator.username, emulator.password),
        csds_domain=emulator.csds_domain,
        transport=transport,  # type: ignore[arg-type]
        refresh_interval=None,
        keepalive_interval=None,
        **settings,  # type: ignore[arg-type]
    )


async def connect_fails(config: AgentConfig) -> tuple[SDKError, list[str]]:
    """The error ``connect()`` fails with (recovery on), and where errors were reported."""
    agent = Agent(config, recovery=FAST_RECOVERY)
    events: list[AgentEvent] = []
    agent.events.subscribe(events.append)
    try:
        with pytest.raises(SDKError) as caught:
            await agent.connect()
    finally:
        await agent.dispose()
    return caught.value, [e.location for e in events if isinstance(e, ErrorEvent)]


@pytest.mark.asyncio
async def test_an_untrusted_certificate_fails_connect_at_once_saying_how_to_pass_a_ca(
    tls_emulator: Emulator, transport: str
) -> None:
    error, attempts = await connect_fails(config_for(tls_emulator, transport))
    assert isinstance(error, TransportError)
    assert not isinstance(error, RetriesExhaustedError)
    assert not error.retryable
    assert "certificate did not verify" in str(error)
    assert "AgentConfig(ssl=" in str(error)
    assert attempts == ["Connect#CSDS"]  # tried once, never again, no give-up after retries


@pytest_asyncio.fixture
async def wrong_name_server() -> AsyncIterator[tuple[str, ssl.SSLContext]]:
    """A TLS server on 127.0.0.1 whose certificate names another host, and a client context
    that trusts its CA: only the host name check can fail."""
    import trustme

    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("not-this-host.example").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    runner = web.AppRunner(web.Application(), handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"127.0.0.1:{port}", client_context
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_a_wrong_host_name_fails_at_once(
    wrong_name_server: tuple[str, ssl.SSLContext], transport: str
) -> None:
    host, context = wrong_name_server
    config = AgentConfig(
        "123",
        PasswordCredentials("bot", "pw"),
        csds_domain=host,
        ssl=context,
        transport=transport,  # type: ignore[arg-type]
    )
    error, attempts = await connect_fails(config)
    assert isinstance(error, TransportError)
    assert not error.retryable
    assert "AgentConfig(ssl=" in str(error)
    assert attempts == ["Connect#CSDS"]
    async with rest_client(config) as rest:
        url = messaging_url(host, "123", "S3CRET-BEARER", secure=True)
        with pytest.raises(TransportError) as socket_error:
            await socket_transport_for(config.transport, rest).connect(
                url, ssl=context, timeout=5.0
            )
    assert not socket_error.value.retryable
    assert "AgentConfig(ssl=" in str(socket_error.value)
    for chained in chain(socket_error.value):
        assert "S3CRET" not in str(chained) + repr(chained)


@pytest.mark.asyncio
async def test_with_the_ca_everything_works(tls_emulator: Emulator, transport: str) -> None:
    config = config_for(tls_emulator, transport, ssl=tls_emulator.client_ssl_context())
    async with Agent(config) as agent:
        await agent.connect()
        assert agent.state is AgentState.CONNECTED
        assert (await agent.get_clock()).current_time > 0


@pytest.mark.asyncio
async def test_a_refused_handshake_chains_no_secret(emulator: Emulator, transport: str) -> None:
    config = config_for(emulator, transport)
    async with rest_client(config) as rest:
        domains = await rest.fetch_domains(config.account_id)
        session = await rest.login(domains["agentVep"], config.account_id, config.credentials)
        secrets = [session.bearer]
        cookies = [cookie.value for cookie in rest.session.cookie_jar]
        secrets += [value for value in cookies if len(value) > 6]
        bad_bearer = "B3ARER-" + session.bearer[::-1]
        secrets.append(bad_bearer)
        transport_ = socket_transport_for(config.transport, rest)
        refused = messaging_url(domains["facadeMsg"], config.account_id, bad_bearer, secure=False)
        good = messaging_url(domains["facadeMsg"], config.account_id, session.bearer, secure=False)
        not_found = good.replace("/ws_api/", "/no_such_path/")
        for url in (refused, not_found):
            with pytest.raises(SDKError) as caught:
                await transport_.connect(url, timeout=5.0)
            for error in chain(caught.value):
                for text in (str(error), repr(error)):
                    for secret in secrets:
                        assert secret not in text, (type(error).__name__, text)


@pytest.mark.asyncio
async def test_an_invalid_url_is_not_retried(emulator: Emulator, transport: str) -> None:
    config = config_for(emulator, transport)
    async with rest_client(config) as rest:
        with pytest.raises(SDKError) as caught:
            await socket_transport_for(config.transport, rest).connect(
                "ws://bad host:99999/ws_api/brand/S3CRET", timeout=5.0
            )
    assert not caught.value.retryable
    for error in chain(caught.value):
        assert "S3CRET" not in str(error) + repr(error)


@pytest.mark.asyncio
async def test_a_csds_answer_naming_an_invalid_host_fails_at_once(
    emulator: Emulator, transport: str
) -> None:
    services = ("agentVep", "facadeMsg", "asyncMessagingEnt")
    bad = {
        "baseURIs": [
            {"service": service, "account": emulator.account, "baseURI": "bad host:99999"}
            for service in services
        ]
    }
    emulator.faults.respond("csds", bad)
    error, attempts = await connect_fails(config_for(emulator, transport))
    assert not error.retryable
    assert attempts == ["Connect#Login"]
    assert emulator.calls.count("csds") == 1
