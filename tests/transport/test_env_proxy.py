"""The environment's proxies, looked up once per origin on the sessions the SDK makes."""

from __future__ import annotations

import aiohttp
import pytest
from yarl import URL

from rx_lpagent.transport._proxy import env_proxy_session, proxy_for

pytestmark = pytest.mark.asyncio


async def test_a_session_made_here_uses_the_environment_proxy_without_trust_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://user:pw@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "direct.example")
    async with env_proxy_session() as session:
        assert session.trust_env is False  # no netrc/env look-up in a thread per request
        proxy = proxy_for(session, "https://va.agentvep.liveperson.net/x")
        assert proxy == URL("http://user:pw@proxy.example:3128")
        assert (proxy.user, proxy.password) == ("user", "pw")
        assert proxy_for(session, URL("https://direct.example/y")) is None


async def test_the_answer_is_kept_per_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    async with env_proxy_session() as session:
        first = proxy_for(session, "https://host.example/a")
        monkeypatch.delenv("HTTPS_PROXY")
        assert proxy_for(session, "https://host.example/b?c=d") == first
        assert proxy_for(session, "https://other.example/") is None


async def test_a_session_the_user_made_is_left_to_its_own_trust_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    async with aiohttp.ClientSession(trust_env=True) as session:
        assert proxy_for(session, "https://host.example/") is None
