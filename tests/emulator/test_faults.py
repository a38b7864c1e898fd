"""Every fault, armed from Python, over HTTP or from a scenario file, over real sockets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import msgspec
import pytest

from rx_lpagent.emulator import (
    Emulator,
    FaultSpec,
    bundled_scenarios,
    load_scenario,
    parse_faults,
)
from tests.emulator.conftest import Client

pytestmark = pytest.mark.asyncio


async def _login_status(client: Client) -> tuple[int, aiohttp.ClientResponse]:
    body = {"username": client.emu.username, "password": client.emu.password}
    url = client.url(f"/api/account/{client.emu.account}/login?v=1.3")
    async with client.http.post(url, json=body) as response:
        await response.read()
        return response.status, response


async def test_fail_the_next_n_logins_with_429_and_retry_after(
    client: Client, emu: Emulator
) -> None:
    emu.faults.fail("login", 429, times=2, retry_after=5)
    statuses = []
    for _ in range(3):
        status, response = await _login_status(client)
        statuses.append(status)
        if status == 429:
            assert response.headers["Retry-After"] == "5"
    assert statuses == [429, 429, 200]
    assert [c.fault for c in emu.calls.of("login")] == ["status:429", "status:429", None]
    assert emu.faults.active == []


@pytest.mark.parametrize(
    ("endpoint", "status"), [("csds", 503), ("login", 500), ("refresh", 401), ("logout", 403)]
)
async def test_any_rest_endpoint_can_fail(
    client: Client, emu: Emulator, endpoint: str, status: int
) -> None:
    login = await client.login()
    emu.faults.fail(endpoint, status)
    path = {
        "csds": f"/api/account/{emu.account}/service/baseURI.json?version=1.0",
        "login": f"/api/account/{emu.account}/login?v=1.3",
        "refresh": f"/api/account/{emu.account}/refresh?v=1.3",
        "logout": f"/api/account/{emu.account}/logout?v=1.3",
    }[endpoint]
    body = {"username": emu.username, "password": emu.password, "csrf": login["csrf"]}
    method = client.http.get if endpoint == "csds" else client.http.post
    async with method(client.url(path), json=body) as response:
        assert response.status == status
        assert "error" in await response.json()
    assert emu.calls.last(endpoint).status == status


async def test_respond_with_a_chosen_body(client: Client, emu: Emulator) -> None:
    emu.faults.respond("csds", {})
    emu.faults.respond("login", {"error": {"message": "nope", "internalCode": 7}})
    path = f"/api/account/{emu.account}/service/baseURI.json?version=1.0"
    async with client.http.get(client.url(path)) as response:
        assert (response.status, await response.json()) == (200, {})
    status, response = await _login_status(client)
    assert status == 200
    socket = await client.connect()
    emu.faults.respond(".GetClock", {"currentTime": "soon"}, status=202)
    reply = await socket.request(".GetClock")
    assert (reply["code"], reply["body"]) == (202, {"currentTime": "soon"})


async def test_skip_lets_calls_through_before_failing(client: Client, emu: Emulator) -> None:
    emu.faults.fail("login", 500, skip=1)
    assert [(await _login_status(client))[0] for _ in range(3)] == [200, 500, 200]


async def test_a_fault_without_a_count_lasts_until_removed(client: Client, emu: Emulator) -> None:
    spec = emu.faults.fail("*", 503, times=None)
    assert [(await _login_status(client))[0] for _ in range(2)] == [503, 503]
    emu.faults.remove(spec)
    assert (await _login_status(client))[0] == 200


async def test_latency_delays_the_answer(client: Client, emu: Emulator) -> None:
    emu.faults.delay("login", 0.05)
    emu.faults.delay(".GetClock", 0.05)
    assert (await _login_status(client))[0] == 200
    assert emu.calls.last("login").fault == "latency:0.05s"
    emu.faults.delay("ws", 0.05)
    socket = await client.connect()
    assert (emu.calls.last("ws").status, emu.calls.last("ws").fault) == (101, "latency:0.05s")
    assert (await socket.request(".GetClock"))["code"] == 200
    assert emu.calls.last(".GetClock").fault == "latency:0.05s"


async def test_refuse_drops_the_connection_unanswered(client: Client, emu: Emulator) -> None:
    emu.faults.refuse("login")
    with pytest.raises(aiohttp.ClientError):
        await _login_status(client)
    assert (await _login_status(client))[0] == 200
    bearer = (await client.login())["bearer"]
    # aiohttp retries a GET once when a reused keep-alive connection drops: refuse both
    emu.faults.refuse("ws", times=2)
    with pytest.raises(aiohttp.ClientError):
        await client.connect(bearer)
    assert [c.fault for c in emu.calls.of("ws")] == ["refuse", "refuse"]


async def test_the_handshake_can_fail_with_a_status(client: Client, emu: Emulator) -> None:
    bearer = (await client.login())["bearer"]
    emu.faults.fail("ws", 503)
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.connect(bearer)
    assert caught.value.status == 503
    assert (await (await client.connect(bearer)).request(".GetClock"))["code"] == 200


async def test_requests_can_be_answered_with_429(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    emu.faults.fail(".ams.routing.SetAgentState", 429, times=1)
    limited = await socket.request(".ams.routing.SetAgentState", {"availability": "ONLINE"})
    assert (limited["code"], limited["body"]) == (429, "Too many requests")
    again = await socket.request(".ams.routing.SetAgentState", {"availability": "ONLINE"})
    assert again["code"] == 202
    assert [c.code for c in emu.calls.of(".ams.routing.SetAgentState")] == [429, 202]


@pytest.mark.parametrize("code", [1011, 4401, 4407, 1006])
async def test_close_the_sockets_with_a_code(client: Client, emu: Emulator, code: int) -> None:
    socket = await client.connect()
    assert await emu.faults.close_sockets(code) == 1
    assert await socket.wait_closed() == code
    await emu.calls.wait_for("ws.close")
    assert emu.calls.last("ws.close").code == code


async def test_close_on_a_request_or_after_open(client: Client, emu: Emulator) -> None:
    emu.faults.close_on(".GetClock", 1011)
    socket = await client.connect()
    await socket.send(".GetClock")
    assert await socket.wait_closed() == 1011
    emu.faults.close_on("ws", 4407, after=0.01)
    assert await (await client.connect()).wait_closed() == 4407
    emu.faults.refuse(".GetClock")
    socket = await client.connect()
    await socket.send(".GetClock")
    assert await socket.wait_closed() == 1006


async def _pong_within(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> bool:
    await ws.ping(b"x")
    try:
        message = await ws.receive(timeout=seconds)
    except TimeoutError:
        return False
    return message.type is aiohttp.WSMsgType.PONG


async def test_half_open_stops_pongs_and_answers(client: Client, emu: Emulator) -> None:
    bearer = (await client.login())["bearer"]
    url = f"ws://127.0.0.1:{emu.port}/ws_api/account/{emu.account}/messaging/brand/{bearer}?v=2.1"
    async with client.http.ws_connect(url, autoping=False) as ws:
        assert await _pong_within(ws, 2.0)
        assert emu.faults.half_open() == 1
        assert not await _pong_within(ws, 0.1)
        await ws.send_str('{"kind":"req","id":"1","type":".GetClock","body":{}}')
        with pytest.raises(TimeoutError):
            await ws.receive(timeout=0.1)
        assert ".GetClock" not in emu.calls.endpoints()
        emu.faults.half_open(False)
        assert await _pong_within(ws, 2.0)


async def test_half_open_on_open_or_on_a_request(client: Client, emu: Emulator) -> None:
    emu.faults.half_open_on("ws")
    socket = await client.connect()
    await socket.send(".GetClock")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(socket.pending["1"]), 0.1)
    emu.faults.half_open_on(".GetClock")
    socket = await client.connect()
    await socket.send(".GetClock")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(socket.pending["1"]), 0.1)
    assert emu.calls.last(".GetClock").fault == "half_open"


async def test_malformed_frames(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    assert emu.faults.send_malformed() == 1
    assert (await asyncio.wait_for(socket.other.get(), 5)).startswith('{"kind":"notification"')
    emu.faults.malformed_on(".GetClock", frame="{]")
    assert (await socket.request(".GetClock"))["code"] == 200
    assert socket.other.get_nowait() == "{]"
    emu.faults.malformed_on("ws", frame='{"kind":"surprise"}')
    fresh = await client.connect()
    assert await asyncio.wait_for(fresh.other.get(), 5) == '{"kind":"surprise"}'


async def test_expire_bearer_closes_4401_and_refuses_it(client: Client, emu: Emulator) -> None:
    login = await client.login()
    socket = await client.connect(login["bearer"])
    assert await emu.faults.expire_bearer() == 1
    assert await socket.wait_closed() == 4401
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.connect(login["bearer"])
    assert caught.value.status == 401
    emu.faults.expire_bearer_on("ws", after=0.01)
    assert await (await client.connect()).wait_closed() == 4401


async def test_expire_session_fails_refresh_but_keeps_the_socket(
    client: Client, emu: Emulator
) -> None:
    login = await client.login()
    socket = await client.connect(login["bearer"])
    assert emu.faults.expire_session() == 1
    refresh = client.url(f"/api/account/{emu.account}/refresh?v=1.3")
    async with client.http.post(refresh, json={"csrf": login["csrf"]}) as response:
        assert response.status == 401
    assert (await socket.request(".GetClock"))["code"] == 200
    login = await client.login()
    emu.faults.expire_session_on("refresh")
    async with client.http.post(refresh, json={"csrf": login["csrf"]}) as response:
        assert response.status == 401
    login = await client.login()
    socket = await client.connect(login["bearer"])
    emu.faults.expire_session_on(".GetClock")
    assert (await socket.request(".GetClock"))["code"] == 200
    async with client.http.post(refresh, json={"csrf": login["csrf"]}) as response:
        assert response.status == 401


async def test_faults_over_http(client: Client, emu: Emulator) -> None:
    url = client.url("/_emulator")
    specs = {"faults": [{"endpoint": "login", "action": "status", "status": 429}]}
    async with client.http.post(f"{url}/faults", json=specs) as response:
        assert await response.json() == {"added": 1}
    async with client.http.get(f"{url}/faults") as response:
        assert (await response.json())[0]["status"] == 429
    assert (await _login_status(client))[0] == 429
    async with client.http.post(f"{url}/faults", json={"endpoint": "x", "action": "boom"}) as r:
        assert r.status == 400
    async with client.http.post(f"{url}/faults", json=[{"endpoint": "csds"}]) as response:
        assert response.status == 200
    async with client.http.delete(f"{url}/faults") as response:
        assert response.status == 200
    assert emu.faults.active == []

    socket = await client.connect()
    async with client.http.post(f"{url}/sockets/malformed", json={}) as response:
        assert await response.json() == {"sockets": 1}
    await asyncio.wait_for(socket.other.get(), 5)
    async with client.http.post(f"{url}/sockets/half-open", json={"halfOpen": False}) as r:
        assert await r.json() == {"sockets": 1}
    async with client.http.post(f"{url}/sessions/expire", json={"what": "session"}) as r:
        assert (await r.json())["expired"] >= 1
    async with client.http.post(f"{url}/sockets/close", json={"code": 4401}) as response:
        assert await response.json() == {"closed": 1}
    assert await socket.wait_closed() == 4401
    socket = await client.connect()
    async with client.http.post(f"{url}/sessions/expire", json={"what": "bearer"}) as r:
        assert (await r.json())["expired"] >= 1
    assert await socket.wait_closed() == 4401


async def test_scenario_file(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps(
            {
                "faults": [
                    {"endpoint": "login", "action": "status", "status": 503, "times": 1},
                    {"endpoint": "csds", "action": "latency", "seconds": 0.01, "times": None},
                ]
            }
        )
    )
    faults = load_scenario(scenario)
    assert [f.action for f in faults] == ["status", "latency"]
    async with (
        Emulator(faults=faults) as emu,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        client = Client(emu, http)
        assert [(await _login_status(client))[0] for _ in range(2)] == [503, 200]
        assert len(emu.faults.active) == 1


async def test_bundled_scenarios_parse_and_load_by_name() -> None:
    scenarios = bundled_scenarios()
    assert {"flaky-login", "token-expiry", "half-open", "unstable-socket"} <= set(scenarios)
    assert all(scenarios.values())
    for name in scenarios:
        assert load_scenario(name)
    assert [f.status for f in load_scenario("flaky-login")] == [429, 503]


def _invalid(data: object) -> None:
    with pytest.raises((msgspec.ValidationError, ValueError)):
        parse_faults(data)


async def test_invalid_specs_are_rejected() -> None:
    _invalid({"endpoint": "login", "action": "explode"})
    _invalid({"endpoint": "login", "status": 99})
    _invalid({"endpoint": "login", "times": -1})
    _invalid({"endpoint": "login", "surprise": 1})
    _invalid({"endpoint": "login", "action": "close"})
    _invalid({"endpoint": "ws", "action": "close", "code": 1005})
    assert parse_faults({"endpoint": "ws"}) == [FaultSpec(endpoint="ws")]


async def test_refuse_connections_at_tcp_level(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    await emu.faults.refuse_connections()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as fresh:
        with pytest.raises(aiohttp.ClientConnectorError):
            await fresh.get(client.url("/_emulator/info"))
        assert (await socket.request(".GetClock"))["code"] == 200
        await emu.faults.accept_connections()
        async with fresh.get(client.url("/_emulator/info")) as response:
            assert response.status == 200
        async with fresh.post(
            client.url("/_emulator/refuse-connections"), json={"seconds": 0.05}
        ) as response:
            assert await response.json() == {"refusingFor": 0.05}
        for _ in range(100):
            try:
                async with fresh.get(client.url("/_emulator/info")) as response:
                    assert response.status == 200
                    break
            except aiohttp.ClientConnectorError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("the emulator did not listen again")
        assert response.status == 200
