"""Glue the flows need on every path: pick a domain, open the messaging socket from a config."""

from __future__ import annotations

from collections.abc import Mapping

from rx_lpagent.config import AgentConfig
from rx_lpagent.errors import SDKError, Service
from rx_lpagent.transport.aiohttp_socket import AiohttpSocketTransport
from rx_lpagent.transport.rest import RestClient
from rx_lpagent.transport.socket import SocketConnection, SocketTransport
from rx_lpagent.transport.urls import messaging_url

__all__ = ["open_messaging_socket", "require_domain", "socket_transport_for"]


def require_domain(domains: Mapping[str, str], service: str) -> str:
    """The host of ``service``, or an error saying CSDS (and ``domains``) did not name one."""
    host = domains.get(service)
    if not host:
        raise SDKError(
            f"could not fetch domains: no {service!r} domain for this account",
            None,
            Service.DOMAIN_NAMES,
        )
    return host


def socket_transport_for(config: AgentConfig, rest: RestClient) -> SocketTransport:
    """The socket transport ``config.transport`` names; aiohttp shares ``rest``'s session."""
    if config.transport == "websockets":
        # imported here: websockets is loaded only by agents that choose it
        from rx_lpagent.transport.websockets_socket import WebsocketsSocketTransport

        return WebsocketsSocketTransport()
    return AiohttpSocketTransport(rest.session)


async def open_messaging_socket(
    config: AgentConfig,
    transport: SocketTransport,
    domains: Mapping[str, str],
    bearer: str,
) -> SocketConnection:
    """Open the messaging socket on ``config.messaging_service``'s host with ``bearer``.

    TLS context, User-Agent and handshake timeout come from ``config``.
    """
    url = messaging_url(
        require_domain(domains, config.messaging_service),
        config.account_id,
        bearer,
        config.api_version,
        config.secure,
    )
    return await transport.connect(
        url,
        ssl=config.ssl,
        headers={"User-Agent": config.user_agent},
        timeout=config.request_timeout,
    )
