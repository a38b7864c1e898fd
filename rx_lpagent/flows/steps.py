"""The steps of connect, reconnect and refresh_session, each reported at its Location.

Each function returns a cold observable; the agent decides what to do with the results (attach a
socket, keep a session). Nothing here holds state.
"""

from __future__ import annotations

from collections.abc import Callable

import reactivex
from reactivex import operators as ops

from rx_lpagent.errors import AuthenticationError, SDKError, Service
from rx_lpagent.events import AgentEvent, Location
from rx_lpagent.flows._then import then
from rx_lpagent.flows.report import reported
from rx_lpagent.transport.backend import Backend, Domains, Link, Session

__all__ = ["connect_steps", "reconnect_steps", "refresh_steps"]

Emit = Callable[[AgentEvent], None]
Opened = tuple[Domains, Session, Link]
OpenSocket = Callable[[Domains, Session], reactivex.Observable[Link]]


def connect_steps(
    backend: Backend,
    emit: Emit,
    open_socket: OpenSocket,
    session: Session | None,
    keep_session: Callable[[Session], None] = lambda _: None,
) -> reactivex.Observable[Opened]:
    """CSDS, login (skipped when a retry already holds a session), socket.

    ``keep_session`` hears of a new login at once, so that a retry after a later step's
    failure can reuse it instead of logging in again.
    """

    def after_domains(domains: Domains) -> reactivex.Observable[Opened]:
        def open_with(current: Session) -> reactivex.Observable[Opened]:
            return open_socket(domains, current).pipe(
                reported(emit, Location.CONNECT_WS, Service.MESSAGING),
                ops.map(lambda link: (domains, current, link)),
            )

        if session is not None:
            return open_with(session)

        def logged_in(current: Session) -> reactivex.Observable[Opened]:
            keep_session(current)
            return open_with(current)

        return backend.login(domains).pipe(
            reported(emit, Location.CONNECT_LOGIN, Service.LOGIN), then(logged_in)
        )

    return backend.domains().pipe(
        reported(emit, Location.CONNECT_CSDS, Service.DOMAIN_NAMES),
        then(after_domains),
    )


def reconnect_steps(
    backend: Backend,
    emit: Emit,
    open_socket: OpenSocket,
    session: Session | None,
    *,
    new_token: bool,
) -> reactivex.Observable[Opened]:
    """CSDS, then login (unless the token is kept) and a new socket, reported together."""

    def relogin_and_open(domains: Domains) -> reactivex.Observable[Opened]:
        login: reactivex.Observable[Session] = (
            reactivex.return_value(session)
            if session is not None and not new_token
            else backend.login(domains)
        )

        def open_with(current: Session) -> reactivex.Observable[Opened]:
            return open_socket(domains, current).pipe(
                ops.map(lambda link: (domains, current, link))
            )

        return login.pipe(
            then(open_with),
            reported(emit, Location.RECONNECT_RELOGIN_WS, Service.MESSAGING),
        )

    return backend.domains().pipe(
        reported(emit, Location.RECONNECT_CSDS, Service.DOMAIN_NAMES),
        then(relogin_and_open),
    )


def refresh_steps(
    backend: Backend, emit: Emit, session: Session | None, *, relogin: bool = False
) -> reactivex.Observable[Session]:
    """Precheck, CSDS, the refresh POST; on a 401 or 403, log in again (the socket is left
    alone). With ``relogin`` (a retry after a refused token), log in again without the POST.

    Emits the session to keep: the same one after a refresh, a new one after a relogin.
    """

    def precheck() -> reactivex.Observable[Session]:
        if session is None:
            return reactivex.throw(
                SDKError("cannot refresh: not logged in", None, Service.REFRESH_SESSION)
            )
        if not session.can_refresh:
            return reactivex.throw(
                SDKError(
                    "cannot refresh: no csrf token or session cookie "
                    "(agents logged in with a bearer token cannot refresh their session)",
                    None,
                    Service.REFRESH_SESSION,
                )
            )
        return reactivex.return_value(session)

    def refresh(current: Session, domains: Domains) -> reactivex.Observable[Session]:
        def login_again() -> reactivex.Observable[Session]:
            return backend.login(domains).pipe(
                reported(emit, Location.REFRESH_RELOGIN_WS, Service.LOGIN)
            )

        if relogin:
            return login_again()

        def relogin_when_refused(error: Exception, _: object) -> reactivex.Observable[Session]:
            if _refused(error):
                return login_again()
            return reactivex.throw(error)

        return backend.refresh(domains, current).pipe(
            ops.map(lambda _: current),
            reported(emit, Location.REFRESH_REST, Service.REFRESH_SESSION, silent=_refused),
            ops.catch(relogin_when_refused),
        )

    def lookup_then_refresh(current: Session) -> reactivex.Observable[Session]:
        def refresh_at(domains: Domains) -> reactivex.Observable[Session]:
            return refresh(current, domains)

        return backend.domains().pipe(
            reported(emit, Location.REFRESH_CSDS, Service.DOMAIN_NAMES),
            then(refresh_at),
        )

    checked: reactivex.Observable[Session] = reactivex.defer(lambda _: precheck())
    return checked.pipe(
        reported(emit, Location.REFRESH_PRECHECK, Service.REFRESH_SESSION),
        then(lookup_then_refresh),
    )


def _refused(error: BaseException) -> bool:
    """A refresh refused for its session (401 or 403): the answer is a new login."""
    return isinstance(error, AuthenticationError)
