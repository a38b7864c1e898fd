"""HTTPS and WSS with a custom CA (trustme), and what an untrusted certificate gives."""

from __future__ import annotations

import ssl

import pytest

from rx_lpagent.agent._live import rest_client
from rx_lpagent.config import PasswordCredentials
from rx_lpagent.errors import Service, TransportError
from rx_lpagent.transport import messaging_url, socket_transport_for
from tests.transport.conftest import ACCOUNT, PASSWORD, USERNAME, FakeLivePerson

pytest.importorskip("trustme")  # the ca, client_ssl and tls_lp fixtures (conftest.py)


@pytest.mark.asyncio
async def test_rest_and_socket_over_tls_with_a_custom_ca(
    tls_lp: FakeLivePerson, client_ssl: ssl.SSLContext, transport_name: str
) -> None:
    config = tls_lp.config(ssl=client_ssl, transport=transport_name)
    assert tls_lp.csds_domain.startswith("https://")
    async with rest_client(config) as rest:
        domains = await rest.fetch_domains(ACCOUNT)
        session = await rest.login(
            domains["agentVep"], ACCOUNT, PasswordCredentials(USERNAME, PASSWORD)
        )
        await rest.refresh(domains["agentVep"], ACCOUNT, session)
        url = messaging_url(domains["facadeMsg"], ACCOUNT, session.bearer, secure=config.secure)
        assert url.startswith("wss://")
        transport = socket_transport_for(config.transport, rest)
        connection = await transport.connect(url, ssl=config.ssl, timeout=5.0)
        await connection.send(b"over tls")
        assert await connection.receive() == b"over tls"
        await connection.close()
        assert connection.close_code == 1000


@pytest.mark.asyncio
async def test_an_untrusted_certificate_is_a_transport_error(tls_lp: FakeLivePerson) -> None:
    async with rest_client(tls_lp.config()) as rest:
        with pytest.raises(TransportError, match="TLS failed") as caught:
            await rest.fetch_domains(ACCOUNT)
    assert caught.value.service == Service.DOMAIN_NAMES


@pytest.mark.asyncio
async def test_an_untrusted_socket_certificate_is_a_transport_error(
    tls_lp: FakeLivePerson, transport_name: str
) -> None:
    url = messaging_url(tls_lp.host, ACCOUNT, tls_lp.bearer, secure=True)
    config = tls_lp.config(transport=transport_name)
    async with rest_client(config) as rest:
        transport = socket_transport_for(config.transport, rest)
        with pytest.raises(TransportError) as caught:
            await transport.connect(url, timeout=5.0)
    assert tls_lp.bearer not in str(caught.value)
