"""Which proxy a request or a messaging socket goes through: one decision for both socket
transports and the REST calls.

aiohttp's ``trust_env=True`` reads the environment and parses ``~/.netrc`` in worker threads on
every request and every socket handshake (once for the proxy, once more for netrc
credentials): with many agents on one session that was a third of the client's CPU while
connecting. Sessions made here keep the same proxy behaviour with ``trust_env=False``, the
answer for each origin kept for the session's lifetime: aiohttp's own rules
(``get_env_proxy_for_url``): the ``<scheme>_PROXY`` variable of the URL's scheme (``WSS_PROXY``
for a ``wss://`` socket, ``HTTPS_PROXY`` for an ``https://`` call: an ``HTTPS_PROXY`` alone
does not proxy the socket), none for a host ``NO_PROXY`` names, proxy credentials from the
proxy's URL or ``~/.netrc``. A session the user passes in is left to its own ``trust_env``.

The answer is one URL with the credentials in it: aiohttp takes them from there (its
``proxy_auth`` argument is deprecated) and so does websockets, which is handed this same answer
(``proxy=``) instead of making its own (it would also take ``HTTPS_PROXY`` and SOCKS for a
``wss://`` socket, and match ``NO_PROXY`` on host and port): switching the socket transport
never changes which proxy a socket goes through.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

__all__ = ["env_proxy_session", "proxy_for", "socket_proxy"]

_MAX_ORIGINS = 256
"""A fleet talks to a handful of hosts; the bound only keeps a stray caller from growing it."""


def _environment_proxy(url: URL) -> URL | None:
    """The environment's proxy for ``url`` as aiohttp chooses it, credentials in its URL."""
    try:
        proxy, auth = get_env_proxy_for_url(url)
    except LookupError:  # NO_PROXY, or no proxy for this scheme
        return None
    if auth is not None:
        proxy = proxy.with_user(auth.login).with_password(auth.password)
    return proxy


class _OriginProxies:
    __slots__ = ("_by_origin",)

    def __init__(self) -> None:
        self._by_origin: dict[tuple[str, str | None, int | None], URL | None] = {}

    def for_url(self, url: URL) -> URL | None:
        key = (url.scheme, url.host, url.port)
        try:
            return self._by_origin[key]
        except KeyError:
            pass
        choice = _environment_proxy(url)
        if len(self._by_origin) >= _MAX_ORIGINS:
            self._by_origin.clear()
        self._by_origin[key] = choice
        return choice


_proxies: weakref.WeakKeyDictionary[aiohttp.ClientSession, _OriginProxies] = (
    weakref.WeakKeyDictionary()
)


def env_proxy_session(**kwargs: Any) -> aiohttp.ClientSession:
    """An ``aiohttp.ClientSession(**kwargs)`` whose requests made through :func:`proxy_for`
    use the environment's proxies, looked up once per origin (``trust_env`` is not passed)."""
    session = aiohttp.ClientSession(trust_env=False, **kwargs)
    _proxies[session] = _OriginProxies()
    return session


def proxy_for(session: aiohttp.ClientSession, url: str | URL) -> URL | None:
    """The proxy for a request to ``url`` on ``session`` (its credentials in its URL): the
    environment's for a session from :func:`env_proxy_session`; none otherwise (aiohttp then
    does what the session's own ``trust_env`` says)."""
    proxies = _proxies.get(session)
    if proxies is None:
        return None
    return proxies.for_url(url if isinstance(url, URL) else URL(url))


async def socket_proxy(session: aiohttp.ClientSession | None, url: str) -> str | None:
    """The proxy an aiohttp socket to ``url`` on ``session`` would go through, as one URL with
    its credentials (None: direct): :func:`proxy_for`'s on a session from
    :func:`env_proxy_session`; on a session of the user's, the environment's if its
    ``trust_env`` says so (looked up in a worker thread on every call, as aiohttp does), else
    none. No session: the environment's, as on a session made here.

    Not seen: a ``proxy=`` given to the user's ``ClientSession`` itself (aiohttp keeps it
    private); such a session's sockets need the aiohttp transport."""
    target = URL(url)
    if session is not None and session in _proxies:
        proxy = proxy_for(session, target)
    elif session is None or session.trust_env:
        # the environment and ~/.netrc are read from disk: not on the loop
        proxy = await asyncio.to_thread(_environment_proxy, target)
    else:
        proxy = None
    return None if proxy is None else str(proxy)
