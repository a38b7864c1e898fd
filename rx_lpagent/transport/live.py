"""The production backend: the REST client and a socket transport, as cold observables.

Every call runs as a coroutine behind :func:`~rx_lpagent.rx.from_coroutine`, so each
subscription (each retry) runs it anew and disposing cancels it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import reactivex

from rx_lpagent.config import AgentConfig
from rx_lpagent.errors import SDKError, Service, redact
from rx_lpagent.flows.backend import Domains, Link, OnClose, OnMessage, Session
from rx_lpagent.rx import from_coroutine
from rx_lpagent.transport import (
    ABNORMAL_CLOSURE,
    LoginSession,
    RestClient,
    SocketConnection,
)
from rx_lpagent.transport.messaging import (
    open_messaging_socket,
    require_domain,
    socket_transport_for,
)

__all__ = ["LiveBackend", "LiveLink"]

_log = logging.getLogger("rx_lpagent.transport")
_T = TypeVar("_T")

AGENT_VEP = "agentVep"
_MESSAGING_FALLBACK = {"facadeMsg": "asyncMessagingEnt", "asyncMessagingEnt": "facadeMsg"}


def _with_messaging_fallback(domains: Domains, service: str) -> Domains:
    """``domains``, where a missing messaging service is served by the other name's host
    (facadeMsg in SDK >= 1.4.5, asyncMessagingEnt before: accounts may list either)."""
    other = _MESSAGING_FALLBACK.get(service)
    if domains.get(service) or other is None or not domains.get(other):
        return domains
    return {**domains, service: domains[other]}


def _login_session(session: Session) -> LoginSession:
    if not isinstance(session, LoginSession):
        raise TypeError(f"the live backend needs its own sessions, got {type(session).__name__}")
    return session


class LiveBackend:
    """CSDS, login, refresh and the messaging socket against a real (or emulated) LivePerson.

    ``http`` shares an aiohttp session (and its connector) among agents; it is not closed here,
    and the login cookies stay in this backend's own jar (see :class:`RestClient`).
    """

    def __init__(self, config: AgentConfig, *, http: aiohttp.ClientSession | None = None) -> None:
        self._config = config
        self._rest = RestClient(config, session=http)

    def _run(self, factory: Callable[[], Awaitable[_T]]) -> reactivex.Observable[_T]:
        return from_coroutine(factory)

    def domains(self) -> reactivex.Observable[Domains]:
        return self._run(self._rest.fetch_domains)

    def login(self, domains: Domains) -> reactivex.Observable[Session]:
        async def login() -> Session:
            return await self._rest.login(
                require_domain(domains, AGENT_VEP),
                self._config.account_id,
                self._config.credentials,
            )

        return self._run(login)

    def refresh(self, domains: Domains, session: Session) -> reactivex.Observable[None]:
        async def refresh() -> None:
            agent_vep = require_domain(domains, AGENT_VEP)
            if not self._rest.has_session_cookie(agent_vep):
                raise SDKError(
                    "cannot refresh: the login session cookie is missing",
                    None,
                    Service.REFRESH_SESSION,
                )
            await self._rest.refresh(agent_vep, self._config.account_id, _login_session(session))

        return self._run(refresh)

    def logout(self, domains: Domains, session: Session) -> reactivex.Observable[None]:
        async def logout() -> None:
            await self._rest.logout(
                require_domain(domains, AGENT_VEP), self._config.account_id, _login_session(session)
            )

        return self._run(logout)

    def open_socket(
        self, domains: Domains, session: Session, on_message: OnMessage, on_close: OnClose
    ) -> reactivex.Observable[Link]:
        config = self._config

        async def open_socket() -> Link:
            connection = await open_messaging_socket(
                config,
                socket_transport_for(config, self._rest),
                _with_messaging_fallback(domains, config.messaging_service),
                _login_session(session).bearer,
            )
            return LiveLink(connection, on_message, on_close)

        return self._run(open_socket)

    def close(self) -> reactivex.Observable[None]:
        return self._run(self._rest.close)


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
