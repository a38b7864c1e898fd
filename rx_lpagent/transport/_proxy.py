"""Proxy settings from the environment, looked up once per origin instead of on every request.

aiohttp's ``trust_env=True`` reads the environment and parses ``~/.netrc`` in worker threads on
every request and every socket handshake (once for the proxy, once more for netrc
credentials): with many agents on one session that was a third of the client's CPU while
connecting. Sessions made here keep the same proxy behaviour (``HTTPS_PROXY``/``WSS_PROXY``,
``NO_PROXY``, proxy credentials from the URL or ``~/.netrc``) with ``trust_env=False``; the
answer for each origin is kept for the session's lifetime. A session the user passes in is left
to its own ``trust_env``.
"""

from __future__ import annotations

import weakref
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

__all__ = ["ProxyChoice", "env_proxy_session", "proxy_for"]

ProxyChoice = tuple[URL | None, aiohttp.BasicAuth | None]
_DIRECT: ProxyChoice = (None, None)
_MAX_ORIGINS = 256
"""A fleet talks to a handful of hosts; the bound only keeps a stray caller from growing it."""


class _OriginProxies:
    __slots__ = ("_by_origin",)

    def __init__(self) -> None:
        self._by_origin: dict[tuple[str, str | None, int | None], ProxyChoice] = {}

    def for_url(self, url: URL) -> ProxyChoice:
        key = (url.scheme, url.host, url.port)
        choice = self._by_origin.get(key)
        if choice is None:
            try:
                choice = get_env_proxy_for_url(url)
            except LookupError:  # NO_PROXY, or no proxy for this scheme
                choice = _DIRECT
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


def proxy_for(session: aiohttp.ClientSession, url: str | URL) -> ProxyChoice:
    """The proxy (and its credentials) for a request to ``url`` on ``session``: the
    environment's for a session from :func:`env_proxy_session`; none otherwise (aiohttp then
    does what the session's own ``trust_env`` says)."""
    proxies = _proxies.get(session)
    if proxies is None:
        return _DIRECT
    return proxies.for_url(url if isinstance(url, URL) else URL(url))
