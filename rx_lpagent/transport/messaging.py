"""Glue the live backend needs on every path: choose the socket transport, open the messaging
socket on a host that :func:`rx_lpagent._endpoints.service_hosts` chose."""

from __future__ import annotations

from collections.abc import Mapping
from ssl import SSLContext

from rx_lpagent.transport.aiohttp_socket import AiohttpSocketTransport
from rx_lpagent.transport.rest import RestClient
from rx_lpagent.transport.socket import SocketConnection, SocketTransport
from rx_lpagent.transport.urls import messaging_url

__all__ = ["open_messaging_socket", "socket_transport_for"]


def socket_transport_for(name: str, rest: RestClient) -> SocketTransport:
    """The socket transport ``name`` names (``"aiohttp"`` or ``"websockets"``); aiohttp shares
    ``rest``'s session, websockets goes through the proxy that session would."""
    if name == "websockets":
        # imported here: websockets is loaded only by agents that choose it
        from rx_lpagent.transport.websockets_socket import WebsocketsSocketTransport

        return WebsocketsSocketTransport(session=lambda: rest.session)
    return AiohttpSocketTransport(rest.session)


async def open_messaging_socket(
    transport: SocketTransport,
    host: str,
    account: str,
    bearer: str,
    *,
    api_version: str = "2.1",
    secure: bool = True,
    ssl: SSLContext | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,  # noqa: ASYNC109 - the handshake bound, handed to the transport
) -> SocketConnection:
    """Open the messaging socket of ``account`` on ``host`` with ``bearer``; the handshake is
    bounded by ``timeout`` seconds."""
    url = messaging_url(host, account, bearer, api_version, secure)
    return await transport.connect(url, ssl=ssl, headers=headers, timeout=timeout)
