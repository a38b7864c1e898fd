"""The fast benchmark server answers a real Agent and real sockets (speed is measured by
``python -m rx_lpagent bench agent --server fast``, not here)."""

from __future__ import annotations

import asyncio
import os

import aiohttp
import msgspec
import pytest

from rx_lpagent.agent import Agent
from rx_lpagent.bench.fast_server import FastServer
from rx_lpagent.config import AgentConfig, PasswordCredentials, TransportName
from rx_lpagent.protocol import OnlineEventDistribution, Response, decode_frame

pytestmark = pytest.mark.asyncio


def _config(server: FastServer, transport: TransportName) -> AgentConfig:
    return AgentConfig(
        server.account,
        PasswordCredentials(server.username, server.password),
        csds_domain=server.csds_domain,
        ssl=server.client_ssl_context() if server.tls else None,
        transport=transport,
        keepalive_interval=None,
        refresh_interval=None,
    )


@pytest.mark.parametrize(
    ("transport", "tls"), [("aiohttp", False), ("websockets", False), ("websockets", True)]
)
async def test_an_agent_connects_gets_the_clock_and_its_notifications(
    transport: TransportName, tls: bool
) -> None:
    async with FastServer(tls=tls) as server, Agent(_config(server, transport)) as agent:
        await agent.connect()
        clock = await agent.get_clock()
        assert clock.current_time > 1_700_000_000_000
        clocks = await asyncio.gather(*(agent.get_clock() for _ in range(50)))
        assert len(clocks) == 50
        received: list[OnlineEventDistribution] = []
        done = asyncio.get_running_loop().create_future()

        def take(notification: OnlineEventDistribution) -> None:
            received.append(notification)
            if len(received) == 1000 and not done.done():
                done.set_result(None)

        subscription = agent.notifications_of(OnlineEventDistribution).subscribe(take)
        try:
            assert await server.stream(1000) == 1000
            await asyncio.wait_for(done, 10)
        finally:
            subscription.dispose()
        assert [n.sequence for n in received] == list(range(1000))


async def _open(server: FastServer, http: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
    async with http.post(f"{server.base_url}/api/account/{server.account}/login", json={}) as r:
        bearer = (await r.json())["bearer"]
    url = f"{server.ws_base_url}/ws_api/account/{server.account}/messaging/brand/{bearer}?v=2.1"
    return await http.ws_connect(url, autoping=False)


async def test_requests_in_one_write_are_answered_in_order_and_control_frames_too() -> None:
    async with FastServer() as server, aiohttp.ClientSession() as http:
        ws = await _open(server, http)
        # several frames in one write, the last one split across two writes; a frame that is
        # not a request gets no answer
        frames = [
            {"kind": "req", "id": f"r{number}", "type": kind, "body": {}}
            for number, kind in enumerate([".GetClock", ".ams.ms.PublishEvent", ".GetClock"])
        ]
        await ws.send_bytes(b"not json")
        for frame in frames:
            await ws.send_frame(msgspec.json.encode(frame), aiohttp.WSMsgType.TEXT)
        await ws.ping(b"are you there")
        answers = [decode_frame((await ws.receive(timeout=5)).data) for _ in frames]
        assert all(isinstance(answer, Response) for answer in answers)
        assert [a.reqId for a in answers if isinstance(a, Response)] == ["r0", "r1", "r2"]
        assert [a.type for a in answers if isinstance(a, Response)] == [
            ".GetClock$Response",
            "",
            ".GetClock$Response",
        ]
        pong = await ws.receive(timeout=5)
        assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"are you there")
        await ws.close(code=4000)
        assert ws.close_code == 4000


async def test_a_large_request_split_across_writes_is_answered() -> None:
    async with FastServer() as server, aiohttp.ClientSession() as http:
        ws = await _open(server, http)
        body = {"padding": os.urandom(50_000).hex()}  # a 64-bit length, many TCP segments
        await ws.send_bytes(
            msgspec.json.encode({"kind": "req", "id": "big", "type": "x", "body": body})
        )
        answer = decode_frame((await ws.receive(timeout=5)).data)
        assert isinstance(answer, Response)
        assert (answer.reqId, answer.code) == ("big", 200)
        await ws.close()


async def test_only_the_messaging_socket_is_served_on_the_socket_port() -> None:
    async with FastServer() as server, aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await http.ws_connect(f"{server.ws_base_url}/somewhere/else")
        assert caught.value.status == 404
