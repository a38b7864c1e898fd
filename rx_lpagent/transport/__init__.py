"""Thin I/O: the LivePerson REST calls and the messaging socket, behind small typed interfaces.

Library exceptions are translated into rx_lpagent errors here, once; nothing above this package
sees aiohttp or websockets types. websockets is imported only when that transport is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from rx_lpagent.transport.websockets_socket import (
        WebsocketsSocketConnection,
        WebsocketsSocketTransport,
    )

_LAZY = {"WebsocketsSocketConnection", "WebsocketsSocketTransport"}

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


def __getattr__(name: str) -> Any:
    # the websockets transport (and the websockets library) load on first use only
    if name in _LAZY:
        from rx_lpagent.transport import websockets_socket

        return getattr(websockets_socket, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
