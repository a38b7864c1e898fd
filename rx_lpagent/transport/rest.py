"""The LivePerson REST calls an agent makes: CSDS domain lookup, login, refresh, logout.

One :class:`RestClient` owns one aiohttp ``ClientSession``; its cookie jar keeps the login's
``Session_id`` cookie for refresh and logout, and the aiohttp socket transport shares it. Every
failure leaves here as an rx_lpagent error (see :mod:`rx_lpagent.errors`) naming its
:class:`~rx_lpagent.errors.Service`; aiohttp types never do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from ssl import SSLContext
from types import TracebackType
from typing import Any, Self

import aiohttp
import msgspec
from yarl import URL

from rx_lpagent.config import (
    AppKeyCredentials,
    AssertionCredentials,
    Credentials,
    PasswordCredentials,
    TokenCredentials,
)
from rx_lpagent.errors import SDKError, Service
from rx_lpagent.recording import SessionRecorder
from rx_lpagent.transport._errors import error_from_response, translate_exception
from rx_lpagent.transport._proxy import env_proxy_session, proxy_for
from rx_lpagent.transport.urls import csds_url, login_service_url

__all__ = ["SESSION_COOKIE", "LoginSession", "RestClient", "shared_http_session"]

SESSION_COOKIE = "Session_id"
"""The login session cookie (its casing varies between sources; lookups ignore case)."""


class LoginSession(msgspec.Struct, frozen=True):
    """What a login yields. ``csrf`` is None for bearer-token agents (they cannot refresh).

    The repr hides ``bearer`` and ``csrf``.
    """

    bearer: str
    user_id: str
    csrf: str | None = None
    user_pid: str | None = None
    session_ttl_ms: int | None = None

    @property
    def can_refresh(self) -> bool:
        return self.csrf is not None

    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "bearer", "***"
        yield "user_id", self.user_id
        yield "csrf", None if self.csrf is None else "***"
        yield "user_pid", self.user_pid
        yield "session_ttl_ms", self.session_ttl_ms

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={value if value == '***' else repr(value)}" for name, value in self._shown()
        )
        return f"LoginSession({fields})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return list(self._shown())


class _BaseUri(msgspec.Struct):
    service: str
    baseURI: str


class _CsdsBody(msgspec.Struct):
    # a one-element array may arrive as the bare element (PROTOCOL.md section 3)
    baseURIs: list[_BaseUri] | _BaseUri | None = None


class _LoginConfig(msgspec.Struct):
    userId: str | int | None = None
    userPid: str | None = None


class _LoginBody(msgspec.Struct):
    bearer: str | None = None
    csrf: str | None = None
    config: _LoginConfig | None = None
    sessionTTl: str | int | None = None


_RECORDED_AS = {
    Service.DOMAIN_NAMES: "csds",
    Service.LOGIN: "login",
    Service.REFRESH_SESSION: "refresh",
    Service.LOGOUT: "logout",
}
"""The ``service`` of each call in a recording."""

_csds_decoder = msgspec.json.Decoder(_CsdsBody)
_login_decoder = msgspec.json.Decoder(_LoginBody)
_encoder = msgspec.json.Encoder()


def login_body(credentials: Credentials) -> dict[str, str] | None:
    """The JSON body of the login POST for ``credentials`` (None: token agents make no call)."""
    if isinstance(credentials, PasswordCredentials):
        return {"username": credentials.username, "password": credentials.password}
    if isinstance(credentials, AssertionCredentials):
        return {"jwt": "dummy", "assertion": credentials.assertion}
    if isinstance(credentials, AppKeyCredentials):
        return {
            "username": credentials.username,
            "appKey": credentials.app_key,
            "secret": credentials.secret,
            "accessToken": credentials.access_token,
            "accessTokenSecret": credentials.access_token_secret,
        }
    return None


def _ttl(value: str | int | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def shared_http_session() -> aiohttp.ClientSession:
    """One HTTP session for many agents (a fleet): no cookies of its own (each agent's
    :class:`RestClient` keeps its login cookies in a jar of its own) and no pool limit (every
    messaging socket holds a connection); proxies from the environment, looked up once per
    origin. Close it when the agents are gone."""
    return env_proxy_session(
        cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(limit=0)
    )


class RestClient:
    """Async client for CSDS and the login service, on one aiohttp session.

    ``csds`` is the CSDS host[:port]; ``secure`` chooses https (else plain http) for every call;
    ``ssl`` is a custom TLS context; each call is bounded by ``request_timeout`` seconds and
    sends ``user_agent``. Use as ``async with RestClient(host) as rest:`` (or call
    :meth:`close`). Pass ``session`` to share a session you own; it is then not closed here,
    and this client keeps the login cookies in a jar of its own (agents sharing a session must
    not share their cookies: give that session an ``aiohttp.DummyCookieJar``, as
    :func:`shared_http_session` does). A ``recorder`` records every call (redacted).
    """

    def __init__(
        self,
        csds: str,
        *,
        secure: bool = True,
        ssl: SSLContext | None = None,
        user_agent: str = "rx_lpagent",
        request_timeout: float = 10.0,
        session: aiohttp.ClientSession | None = None,
        recorder: SessionRecorder | None = None,
    ) -> None:
        self._csds = csds
        self._recorder = recorder
        self._secure = secure
        self._ssl = ssl
        self._user_agent = user_agent
        self._request_timeout = request_timeout
        self._session = session
        self._owns_session = session is None
        self._own_jar = None if session is None else aiohttp.CookieJar(unsafe=True)
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)

    @property
    def secure(self) -> bool:
        return self._secure

    @property
    def ssl(self) -> SSLContext | None:
        return self._ssl

    @property
    def user_agent(self) -> str:
        return self._user_agent

    @property
    def request_timeout(self) -> float:
        return self._request_timeout

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared aiohttp session (created on first use, inside the running loop)."""
        if self._session is None:
            # HTTPS_PROXY/NO_PROXY like the websockets transport, looked up once per origin
            self._session = env_proxy_session(
                # unsafe=True: keep cookies set by IP-address hosts (the emulator on 127.0.0.1)
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                connector=aiohttp.TCPConnector(ssl=self._ssl or True),
                headers={"User-Agent": self._user_agent},
            )
        return self._session

    async def close(self) -> None:
        """Close the session if this client created it (and its cookies, and the aiohttp
        sockets opened on it). Safe to call twice; a later call starts a fresh session."""
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _call(
        self, method: str, url: str, service: Service, what: str, body: object = None
    ) -> tuple[int, bytes, Mapping[str, str]]:
        recorder = self._recorder
        if recorder is None:
            return await self._exchange(method, url, service, what, body)
        name = _RECORDED_AS.get(service, str(service))
        try:
            answer = await self._exchange(method, url, service, what, body)
        except SDKError as error:
            recorder.http(name, method, url, body, error=str(error))
            raise
        except asyncio.CancelledError:
            recorder.http(name, method, url, body, error="cancelled")
            raise
        recorder.http(name, method, url, body, status=answer[0], response=answer[1])
        return answer

    async def _exchange(
        self, method: str, url: str, service: Service, what: str, body: object = None
    ) -> tuple[int, bytes, Mapping[str, str]]:
        # the User-Agent here too: a session shared by a fleet carries no agent's headers
        headers = {"Accept": "application/json", "User-Agent": self._user_agent}
        data: bytes | None = None
        if body is not None:
            data = _encoder.encode(body)
            headers["Content-Type"] = "application/json"
        jar = self._own_jar
        session = self.session
        try:
            target = URL(url)
            async with session.request(
                method,
                target,
                data=data,
                headers=headers,
                proxy=proxy_for(session, target),
                cookies=None if jar is None else jar.filter_cookies(target),
                timeout=self._timeout,
                ssl=self._ssl or True,
                allow_redirects=False,
            ) as response:
                payload = await response.read()
                if jar is not None:
                    jar.update_cookies(response.cookies, response.url)
                return response.status, payload, response.headers
        except Exception as exc:
            error = translate_exception(exc, service, what, timeout=self._request_timeout)
        # outside the except block: no library exception (URL, cookies) rides along as context
        raise error from error.error

    async def fetch_domains(self, account: str) -> dict[str, str]:
        """``{service: host}`` as CSDS lists them for ``account`` (which host serves what is
        :func:`rx_lpagent._endpoints.service_hosts`'s to decide)."""
        what = "could not fetch domains"
        url = csds_url(self._csds, account, secure=self._secure)
        status, payload, headers = await self._call("GET", url, Service.DOMAIN_NAMES, what)
        error = error_from_response(status, payload, headers, Service.DOMAIN_NAMES, what)
        if error is not None:
            raise error
        try:
            parsed = _csds_decoder.decode(payload)
        except (msgspec.DecodeError, UnicodeError) as exc:
            raise SDKError(f"{what}: invalid CSDS answer", None, Service.DOMAIN_NAMES) from exc
        entries = parsed.baseURIs
        if isinstance(entries, _BaseUri):
            entries = [entries]
        if not entries:
            raise SDKError(f"{what}: no baseURIs for account {account}", None, Service.DOMAIN_NAMES)
        return {entry.service: entry.baseURI for entry in entries}

    async def login(self, agent_vep: str, account: str, credentials: Credentials) -> LoginSession:
        """Log in and return the session. Bearer-token credentials make no call at all."""
        if isinstance(credentials, TokenCredentials):
            return LoginSession(bearer=credentials.token, user_id=credentials.user_id)
        what = "login failed"
        url = login_service_url(agent_vep, account, "login", secure=self._secure)
        status, payload, headers = await self._call(
            "POST", url, Service.LOGIN, what, login_body(credentials)
        )
        error = error_from_response(status, payload, headers, Service.LOGIN, what)
        if error is not None:
            raise error
        try:
            parsed = _login_decoder.decode(payload)
        except (msgspec.DecodeError, UnicodeError) as exc:
            raise SDKError(f"{what}: invalid login answer", None, Service.LOGIN) from exc
        user_id = parsed.config.userId if parsed.config is not None else None
        if user_id is None or user_id == "":
            raise SDKError("invalid login state, userId is undefined", None, Service.LOGIN)
        if not parsed.bearer:
            raise SDKError("invalid login state, bearer is undefined", None, Service.LOGIN)
        return LoginSession(
            bearer=parsed.bearer,
            user_id=str(user_id),
            csrf=parsed.csrf or None,
            user_pid=parsed.config.userPid if parsed.config is not None else None,
            session_ttl_ms=_ttl(parsed.sessionTTl),
        )

    async def refresh(self, agent_vep: str, account: str, session: LoginSession) -> None:
        """Extend the login session (csrf in the body, the session cookie from the jar)."""
        await self._session_call("refresh", Service.REFRESH_SESSION, agent_vep, account, session)

    async def logout(self, agent_vep: str, account: str, session: LoginSession) -> None:
        """End the login session on the server."""
        await self._session_call("logout", Service.LOGOUT, agent_vep, account, session)

    def has_session_cookie(self, agent_vep: str) -> bool:
        """Whether the jar holds a login session cookie for ``agent_vep`` (refresh precheck)."""
        jar = self._own_jar or (None if self._session is None else self._session.cookie_jar)
        if jar is None:
            return False
        url = URL(f"{'https' if self._secure else 'http'}://{agent_vep}/")
        cookies = jar.filter_cookies(url)
        return any(name.lower() == SESSION_COOKIE.lower() for name in cookies)

    async def _session_call(
        self, action: str, service: Service, agent_vep: str, account: str, session: LoginSession
    ) -> None:
        what = f"{action} failed"
        if session.csrf is None:
            raise SDKError(
                f"{what}: no csrf; a bearer-token session cannot be refreshed or logged out",
                None,
                service,
            )
        url = login_service_url(agent_vep, account, action, secure=self._secure)
        body: dict[str, Any] = {"csrf": session.csrf}
        status, payload, headers = await self._call("POST", url, service, what, body)
        error = error_from_response(status, payload, headers, service, what)
        if error is not None:
            raise error
