"""Bench mode streams well-formed, ordered notifications (speed is measured by
``python -m rx_lpagent.bench.emulator``, not here)."""

from __future__ import annotations

import asyncio

import aiohttp
import msgspec
import pytest

from rx_lpagent.emulator import Emulator
from rx_lpagent.emulator.bench import bench_frame_parts
from rx_lpagent.protocol import Notification, decode_frame
from tests.emulator.conftest import Client

pytestmark = pytest.mark.asyncio


async def _read(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[int]:
    sequences = []
    for _ in range(count):
        message = await ws.receive(timeout=5)
        frame = decode_frame(message.data)
        assert isinstance(frame, Notification)
        assert frame.type == ".ams.ms.OnlineEventDistribution"
        sequences.append(msgspec.json.decode(frame.body)["sequence"])
    return sequences


@pytest.mark.parametrize("compress", [0, 15])
async def test_stream_from_python(client: Client, emu: Emulator, compress: int) -> None:
    bearer = (await client.login())["bearer"]
    url = f"ws://127.0.0.1:{emu.port}/ws_api/account/{emu.account}/messaging/brand/{bearer}?v=2.1"
    async with client.http.ws_connect(url, compress=compress) as ws:
        streaming = asyncio.create_task(emu.stream_notifications(3000))
        assert await _read(ws, 3000) == list(range(3000))
        assert await streaming == 3000


async def test_stream_over_http(client: Client) -> None:
    socket = await client.connect()
    async with client.http.post(client.url("/_emulator/bench"), json={"count": 500}) as response:
        assert await response.json() == {"sent": 500}
    frames = [await socket.notification() for _ in range(500)]
    assert [f["body"]["sequence"] for f in frames] == list(range(500))
    async with client.http.post(client.url("/_emulator/bench"), json={"count": -1}) as response:
        assert response.status == 400


async def test_nothing_streams_to_a_half_open_socket(client: Client, emu: Emulator) -> None:
    await client.connect()
    emu.faults.half_open()
    assert await emu.stream_notifications(10) == 0


async def test_the_frame_is_encoded_once_around_the_sequence() -> None:
    prefix, suffix = bench_frame_parts()
    frame = decode_frame(prefix + b"7" + suffix)
    assert isinstance(frame, Notification)
