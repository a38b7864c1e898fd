"""Thin I/O: the LivePerson REST calls and the messaging socket, behind small typed interfaces.

Library exceptions are translated into rx_lpagent errors here, once; nothing above this package
sees aiohttp or websockets types. websockets is imported only when that transport is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import aiohttp

from rx_lpagent.transport.aiohttp_socket import AiohttpSocketConnection, AiohttpSocketTransport
from rx_lpagent.transport.messaging import open_messaging_socket, socket_transport_for
from rx_lpagent.transport.rest import (
    SESSION_COOKIE,
    LoginSession,
    RestClient,
    login_body,
    shared_http_session,
)
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

HttpSession: TypeAlias = aiohttp.ClientSession
"""An HTTP session agents can share (see :func:`shared_http_session`), for the layers above,
which never import aiohttp."""

_LAZY = {"WebsocketsSocketConnection", "WebsocketsSocketTransport"}

__all__ = [
    "ABNORMAL_CLOSURE",
    "NORMAL_CLOSURE",
    "SESSION_COOKIE",
    "AiohttpSocketConnection",
    "AiohttpSocketTransport",
    "HttpSession",
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
    "shared_http_session",
    "socket_transport_for",
]


def __getattr__(name: str) -> Any:
    # the websockets transport (and the websockets library) load on first use only
    if name in _LAZY:
        from rx_lpagent.transport import websockets_socket

        return getattr(websockets_socket, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
