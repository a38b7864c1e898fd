"""The pytest fixtures of the plugin pytest loads by its entry point, and TLS end to end."""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp
import pytest

from rx_lpagent.emulator import Emulator
from tests.emulator.conftest import Client

pytestmark = pytest.mark.asyncio


def _read(path: str) -> str:
    return Path(path).read_text()


def _exists(path: str) -> bool:
    return Path(path).exists()


async def test_the_plain_fixture(lp_emulator: Emulator) -> None:
    assert lp_emulator.csds_domain == f"http://127.0.0.1:{lp_emulator.port}"
    assert lp_emulator.ca_file is None
    with pytest.raises(RuntimeError):
        lp_emulator.client_ssl_context()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        client = Client(lp_emulator, http)
        socket = await client.connect()
        assert (await socket.request(".GetClock"))["code"] == 200
        await client.close()


async def test_tls_serves_https_and_wss_with_its_own_ca(lp_emulator_tls: Emulator) -> None:
    emu = lp_emulator_tls
    assert emu.csds_domain == f"127.0.0.1:{emu.port}"
    assert emu.base_url == f"https://127.0.0.1:{emu.port}"
    assert emu.ca_file is not None
    assert _read(emu.ca_file).startswith("-----BEGIN CERTIFICATE-----")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        client = Client(emu, http)
        login = await client.login()
        socket = await client.connect(login["bearer"])
        assert (await socket.request(".GetClock"))["code"] == 200
        refresh = client.url(f"/api/account/{emu.account}/refresh?v=1.3")
        async with http.post(refresh, json={"csrf": login["csrf"]}, ssl=client.ssl) as response:
            assert response.status == 200, "the Secure session cookie must come back over https"
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.get(client.url("/_emulator/info"), ssl=ssl.create_default_context())
        await client.close()


async def test_the_ca_file_is_removed_on_stop() -> None:
    emu = Emulator(tls=True)
    await emu.start()
    assert emu.ca_file is not None
    ca_file = emu.ca_file
    assert _exists(ca_file)
    await emu.stop()
    assert not _exists(ca_file)
    await emu.stop()


async def test_a_wildcard_listener_hands_out_a_reachable_host() -> None:
    async with Emulator(host="0.0.0.0") as emu:
        assert emu.csds_domain == f"http://127.0.0.1:{emu.port}"
