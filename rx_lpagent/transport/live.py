"""The production backend: the REST client and a socket transport, as cold observables.

Every call runs as a coroutine behind :func:`~rx_lpagent.rx.from_coroutine`, so each
subscription (each retry) runs it anew and disposing cancels it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import reactivex

from rx_lpagent._endpoints import Endpoints
from rx_lpagent.config import Credentials
from rx_lpagent.errors import SDKError, Service, redact
from rx_lpagent.recording import SessionRecorder
from rx_lpagent.rx import from_coroutine
from rx_lpagent.transport import (
    ABNORMAL_CLOSURE,
    LoginSession,
    RestClient,
    SocketConnection,
)
from rx_lpagent.transport.backend import Domains, Link, OnClose, OnMessage, Session
from rx_lpagent.transport.messaging import open_messaging_socket, socket_transport_for
from rx_lpagent.transport.urls import messaging_url

__all__ = ["LiveBackend", "LiveLink"]

_log = logging.getLogger("rx_lpagent.transport")
_T = TypeVar("_T")


def _login_session(session: Session) -> LoginSession:
    if not isinstance(session, LoginSession):
        raise TypeError(f"the live backend needs its own sessions, got {type(session).__name__}")
    return session


class LiveBackend:
    """CSDS, login, refresh and the messaging socket against a real (or emulated) LivePerson.

    It is given plain values: the REST client (whose scheme, TLS context, User-Agent and
    per-call bound the socket's handshake shares), where to connect (``endpoints``: the hosts
    of each call come from ``endpoints.hosts``), whose account and credentials, the messaging
    API version and the socket ``transport`` (``"aiohttp"`` or ``"websockets"``). A REST
    client on a shared session keeps the login cookies in its own jar (see
    :class:`RestClient`). A ``recorder`` (the REST client's too) records every socket.
    """

    def __init__(
        self,
        rest: RestClient,
        endpoints: Endpoints,
        account: str,
        credentials: Credentials,
        *,
        api_version: str = "2.1",
        transport: str = "websockets",
        recorder: SessionRecorder | None = None,
    ) -> None:
        self._rest = rest
        self._recorder = recorder
        self._endpoints = endpoints
        self._account = account
        self._credentials = credentials
        self._api_version = api_version
        self._transport = transport
        self._headers = {"User-Agent": rest.user_agent}

    def _run(self, factory: Callable[[], Awaitable[_T]]) -> reactivex.Observable[_T]:
        return from_coroutine(factory)

    def domains(self) -> reactivex.Observable[Domains]:
        async def domains() -> Domains:
            return await self._rest.fetch_domains(self._account)

        return self._run(domains)

    def login(self, domains: Domains) -> reactivex.Observable[Session]:
        async def login() -> Session:
            return await self._rest.login(
                self._endpoints.login_host(domains), self._account, self._credentials
            )

        return self._run(login)

    def refresh(self, domains: Domains, session: Session) -> reactivex.Observable[None]:
        async def refresh() -> None:
            agent_vep = self._endpoints.login_host(domains)
            if not self._rest.has_session_cookie(agent_vep):
                raise SDKError(
                    "cannot refresh: the login session cookie is missing",
                    None,
                    Service.REFRESH_SESSION,
                )
            await self._rest.refresh(agent_vep, self._account, _login_session(session))

        return self._run(refresh)

    def logout(self, domains: Domains, session: Session) -> reactivex.Observable[None]:
        async def logout() -> None:
            await self._rest.logout(
                self._endpoints.login_host(domains), self._account, _login_session(session)
            )

        return self._run(logout)

    def open_socket(
        self, domains: Domains, session: Session, on_message: OnMessage, on_close: OnClose
    ) -> reactivex.Observable[Link]:
        async def open_socket() -> Link:
            host = self._endpoints.messaging_host(domains)
            bearer = _login_session(session).bearer
            opening = open_messaging_socket(
                socket_transport_for(self._transport, self._rest),
                host,
                self._account,
                bearer,
                api_version=self._api_version,
                secure=self._rest.secure,
                ssl=self._rest.ssl,
                headers=self._headers,
                timeout=self._rest.request_timeout,
            )
            if self._recorder is not None:
                from rx_lpagent.transport.recorded import open_recorded  # it builds on LiveLink

                url = messaging_url(
                    host, self._account, bearer, self._api_version, self._rest.secure
                )
                return await open_recorded(self._recorder, url, opening, on_message, on_close)
            return LiveLink(await opening, on_message, on_close)

        return self._run(open_socket)

    def close(self) -> reactivex.Observable[None]:
        async def close() -> None:
            try:
                await self._rest.close()
            finally:
                if self._recorder is not None:
                    self._recorder.close()  # after the logout, which it records

        return self._run(close)


class LiveLink:
    """An open socket driven by one reader task; sends are queued on the connection, and the
    frames of one loop turn leave together (:meth:`SocketConnection.send_soon`)."""

    def __init__(self, connection: SocketConnection, on_message: OnMessage, on_close: OnClose):
        self._connection = connection
        self._on_close = on_close
        self._closing = False
        self._reader = asyncio.get_running_loop().create_task(self._read(on_message))
        self.send = connection.send_soon

    async def _read(self, on_message: OnMessage) -> None:
        reason = ""
        try:
            await self._connection.run(on_message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = redact(str(exc))
            _log.warning("messaging socket reader failed: %s", reason)
        if not self._closing:
            self._closing = True
            code = self._connection.close_code
            self._on_close(
                ABNORMAL_CLOSURE if code is None else code,
                self._connection.close_reason or reason,
                by_peer=not self._connection.closed_locally,
            )

    def close(self, code: int = 1000, reason: str = "") -> reactivex.Observable[None]:
        async def close() -> None:
            self._closing = True
            try:
                await self._connection.close(code, reason)
            finally:
                if not self._reader.done():
                    self._reader.cancel()
                await asyncio.gather(self._reader, return_exceptions=True)

        return from_coroutine(close)
