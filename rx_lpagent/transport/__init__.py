"""Thin I/O: the LivePerson REST calls and the messaging socket, behind small typed interfaces.

Library exceptions are translated into rx_lpagent errors here, once; nothing above this package
sees aiohttp or websockets types.
"""

from __future__ import annotations

from rx_lpagent.transport.aiohttp_socket import AiohttpSocketConnection, AiohttpSocketTransport
from rx_lpagent.transport.messaging import (
    open_messaging_socket,
    require_domain,
    socket_transport_for,
)
from rx_lpagent.transport.rest import SESSION_COOKIE, LoginSession, RestClient, login_body
from rx_lpagent.transport.socket import (
    ABNORMAL_CLOSURE,
    NORMAL_CLOSURE,
    IncomingMessage,
    MessageHandler,
    SocketConnection,
    SocketTransport,
)
from rx_lpagent.transport.urls import csds_url, login_service_url, messaging_url
from rx_lpagent.transport.websockets_socket import (
    WebsocketsSocketConnection,
    WebsocketsSocketTransport,
)

__all__ = [
    "ABNORMAL_CLOSURE",
    "NORMAL_CLOSURE",
    "SESSION_COOKIE",
    "AiohttpSocketConnection",
    "AiohttpSocketTransport",
    "IncomingMessage",
    "LoginSession",
    "MessageHandler",
    "RestClient",
    "SocketConnection",
    "SocketTransport",
    "WebsocketsSocketConnection",
    "WebsocketsSocketTransport",
    "csds_url",
    "login_body",
    "login_service_url",
    "messaging_url",
    "open_messaging_socket",
    "require_domain",
    "socket_transport_for",
]
