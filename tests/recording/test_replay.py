"""Replay mode: the emulator serves a recording to a fresh agent and to bare clients, over real
sockets: recorded answers with the client's ids, server frames in recorded order and pace, the
recorded closes and failures, and a clear answer to whatever the recording lacks."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
import pytest_asyncio

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator, FaultSpec
from rx_lpagent.emulator.replay import Replay
from rx_lpagent.errors import RequestFailedError
from rx_lpagent.protocol import Notification
from rx_lpagent.recording import (
    FrameRecord,
    HttpRecord,
    SocketClosed,
    SocketOpened,
    read_recording,
)
from tests.agent.conftest import FAST_RECOVERY
from tests.agent.waiting import first, reach, settled
from tests.recording.sessions import ManualClock, record_agent_session, write_recording

pytestmark = pytest.mark.asyncio

WAIT = 5.0
CSDS_URL = "https://adminlogin.liveperson.net/api/account/42/service/baseURI.json?version=1.0"
LOGIN_URL = "https://va.agentvep.liveperson.net/api/account/42/login?v=1.3"
SOCKET_URL = "wss://va.msg.liveperson.net/ws_api/account/42/messaging/brand/<bearer#1>?v=2.1"
ASK = ".ams.example.Ask"
"""A request the server's frames wait for (a clock query is not one: see UNGATED_REQUESTS), and
that the agent never sends of its own (it sets its state again after a reconnect)."""
LOGIN_ANSWER = {
    "bearer": "<bearer#1>",
    "csrf": "<csrf#1>",
    "config": {"userId": "777", "userPid": "pid-777", "loginName": "bot"},
    "sessionTTl": "28800000",
}


def csds_and_login(t: float = 0.0) -> list[Any]:
    """A real account's lookup and login: LivePerson's hosts, placeholders for the secrets."""
    services = [
        {"service": name, "account": "42", "baseURI": f"va.{name}.liveperson.net"}
        for name in ("agentVep", "facadeMsg", "asyncMessagingEnt")
    ]
    return [
        HttpRecord(t, "csds", "GET", CSDS_URL, None, 200, {"baseURIs": services}),
        HttpRecord(t, "login", "POST", LOGIN_URL, {"password": "<password#1>"}, 200, LOGIN_ANSWER),
    ]


def out(t: float, connection: int, request_id: str, type_: str) -> FrameRecord:
    return FrameRecord(
        t, connection, "out", {"kind": "req", "id": request_id, "type": type_, "body": {}}
    )


def answer(t: float, connection: int, request_id: str, body: Any, code: int = 200) -> FrameRecord:
    frame = {"kind": "resp", "reqId": request_id, "code": code, "type": "t", "body": body}
    return FrameRecord(t, connection, "in", frame)


def notification(t: float, connection: int, type_: str, body: Any = None) -> FrameRecord:
    frame = {"kind": "notification", "type": type_, "body": body or {}}
    return FrameRecord(t, connection, "in", frame)


def make_agent(emu: Emulator, transport: str = "aiohttp") -> Agent:
    config = AgentConfig(
        emu.account,
        PasswordCredentials("whoever", "whatever"),
        csds_domain=emu.csds_domain,
        transport=transport,  # type: ignore[arg-type]
        refresh_interval=None,
        keepalive_interval=None,
        backfill=False,
    )
    return Agent(config, recovery=FAST_RECOVERY)


def watched_agent(emu: Emulator, transport: str) -> tuple[Agent, list[Notification]]:
    """:func:`make_agent`, and the notifications it gets, in order."""
    agent = make_agent(emu, transport)
    seen: list[Notification] = []
    agent.notifications.subscribe(seen.append)
    return agent, seen


async def ask(agent: Agent) -> Any:
    """Send :data:`ASK`; its answer's body."""
    return msgspec.json.decode((await agent.request(ASK, {})).body)


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def open_socket(
    http: aiohttp.ClientSession, emu: Emulator
) -> aiohttp.ClientWebSocketResponse:
    url = f"{emu.ws_base_url}/ws_api/account/{emu.account}/messaging/brand/any?v=2.1"
    return await http.ws_connect(url)


async def receive(ws: aiohttp.ClientWebSocketResponse) -> Any:
    message = await asyncio.wait_for(ws.receive(), WAIT)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


async def send(ws: aiohttp.ClientWebSocketResponse, request_id: str, type_: str) -> None:
    await ws.send_json({"kind": "req", "id": request_id, "type": type_, "body": {}})


@pytest.mark.parametrize("transport", ["aiohttp", "websockets"])
async def test_an_agent_gets_the_recorded_answers_and_notifications_in_order(
    tmp_path: Path, transport: str
) -> None:
    path = tmp_path / "session.jsonl"
    async with Emulator() as live:
        await record_agent_session(live, path)
    recording = read_recording(path)
    recorded = [f.data for f in recording.frames() if f.direction == "in"]
    notified = [frame["type"] for frame in recorded if frame["kind"] == "notification"]
    conv_id = next(f["body"]["conversationId"] for f in recorded if f.get("reqId") == "r4")

    async with Emulator(replay=path, pace="fast") as emu:
        agent, seen = watched_agent(emu, transport)
        try:
            await agent.connect()
            clock = await agent.get_clock()
            assert clock.current_time == recorded[0]["body"]["currentTime"]
            await agent.set_agent_state({"availability": "ONLINE"})
            await agent.subscribe_ex_conversations({"convState": ["OPEN", "CLOSE"]})
            reply = await agent.agent_request_conversation({"consumerId": "consumer-1"})
            assert reply["conversationId"] == conv_id
            event = {"type": "ContentEvent", "contentType": "text/plain", "message": "hi"}
            await agent.publish_event({"dialogId": conv_id, "event": event})
            with pytest.raises(RequestFailedError) as unknown:
                await agent.request(".NoSuchRequest", {})
            assert unknown.value.code == 400
            with pytest.raises(RequestFailedError) as beyond:
                await agent.get_clock()
            assert beyond.value.code == 404
            assert "replay: connection 1: no recorded .GetClock request left" in str(beyond.value)
            assert [n.type for n in seen] == notified
        finally:
            await agent.dispose()


@pytest.mark.parametrize("transport", ["aiohttp", "websockets"])
async def test_a_notification_sent_right_after_the_handshake_reaches_the_agent(
    tmp_path: Path, transport: str
) -> None:
    """The server speaks first, with nothing to wait for: the frame may arrive before the agent
    has attached its new socket, and must not be lost there."""
    path = write_recording(
        tmp_path / "first.jsonl",
        [
            *csds_and_login(),
            SocketOpened(0.1, 1, SOCKET_URL, 101),
            notification(0.2, 1, ".ams.routing.RingUpdated", {"first": True}),
            out(0.3, 1, "c", ".GetClock"),  # not waited for (UNGATED_REQUESTS)
            answer(0.4, 1, "c", {"currentTime": 1764500000000}),
        ],
        account="42",
    )
    async with Emulator(replay=path, pace="fast") as emu:
        agent, seen = watched_agent(emu, transport)
        try:
            await agent.connect()
            await agent.get_clock()  # answered after the notification, on the same socket
            assert [n.type for n in seen] == [".ams.routing.RingUpdated"]
        finally:
            await agent.dispose()


async def test_a_recorded_drop_and_reconnect_are_played_to_the_agent(tmp_path: Path) -> None:
    path = write_recording(
        tmp_path / "drop.jsonl",
        [
            *csds_and_login(),
            SocketOpened(0.1, 1, SOCKET_URL, 101),
            out(0.2, 1, "a", ASK),
            answer(0.3, 1, "a", "first socket"),
            notification(0.4, 1, ".ams.routing.AgentStateNotification", {"n": 1}),
            SocketClosed(0.5, 1, 1006, by="server"),
            SocketOpened(0.6, 2, SOCKET_URL, 101),
            notification(0.7, 2, ".ams.routing.AgentStateNotification", {"n": 2}),
            out(0.8, 2, "b", ASK),
            answer(0.9, 2, "b", "second socket"),
        ],
    )
    async with Emulator(replay=path, pace="fast") as emu:
        agent = make_agent(emu)
        seen: list[Any] = []
        agent.notifications.subscribe(lambda n: seen.append(msgspec.json.decode(n.body)))
        try:
            await agent.connect()
            second = first(agent.notifications, lambda n: bytes(n.body) == b'{"n":2}')
            reconnecting = first(agent.state_changes, lambda s: s is AgentState.RECONNECTING)
            assert await ask(agent) == "first socket"
            await settled(reconnecting)
            await reach(agent, AgentState.CONNECTED)
            await settled(second)
            assert await ask(agent) == "second socket"
            assert seen == [{"n": 1}, {"n": 2}]
        finally:
            await agent.dispose()


def paced_recording(tmp_path: Path) -> Path:
    return write_recording(
        tmp_path / "paced.jsonl",
        [
            SocketOpened(1.0, 1, SOCKET_URL, 101),
            out(2.0, 1, "a", ASK),
            answer(2.5, 1, "a", {"currentTime": 1}),
            notification(6.0, 1, "first"),
            notification(6.25, 1, "second"),
        ],
    )


async def test_recorded_pace_waits_the_recorded_delays_on_the_replay_clock(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    clock = ManualClock()
    recording = read_recording(paced_recording(tmp_path))
    async with Emulator(replay=Replay(recording, "recorded", clock)) as emu:
        ws = await open_socket(http, emu)
        clock.advance(10.0)  # the client asks 10 s after the handshake: the delays count from then
        await send(ws, "mine", ASK)
        await asyncio.wait_for(clock.waiting.wait(), WAIT)
        assert clock.deadlines == [10.5]  # the answer's recorded latency
        clock.waiting.clear()
        clock.advance(0.5)
        assert (await receive(ws))["reqId"] == "mine"
        await asyncio.wait_for(clock.waiting.wait(), WAIT)
        assert clock.deadlines[-1] == 14.0  # 4 s after the request, as recorded
        clock.waiting.clear()
        clock.advance(3.5)
        assert (await receive(ws))["type"] == "first"
        await asyncio.wait_for(clock.waiting.wait(), WAIT)
        assert clock.deadlines[-1] == 14.25
        clock.advance(0.25)
        assert (await receive(ws))["type"] == "second"
        await ws.close()


async def test_fast_pace_sends_at_once_without_waiting_on_the_clock(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    clock = ManualClock()
    recording = read_recording(paced_recording(tmp_path))
    async with Emulator(replay=Replay(recording, "fast", clock)) as emu:
        ws = await open_socket(http, emu)
        await send(ws, "mine", ASK)
        frames = [await receive(ws) for _ in range(3)]
        assert [f.get("type") for f in frames] == ["t", "first", "second"]
        assert clock.deadlines == []
        assert clock.value == 0.0
        await ws.close()


async def test_frames_keep_their_recorded_order_around_an_answer(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    path = write_recording(
        tmp_path / "echo.jsonl",
        [
            SocketOpened(0.0, 1, SOCKET_URL, 101),
            out(0.1, 1, "p", ".ams.ms.PublishEvent"),
            notification(0.2, 1, "echo"),
            answer(0.3, 1, "p", {"sequence": 0}),
            notification(0.4, 1, "after"),
        ],
    )
    async with Emulator(replay=path, pace="fast") as emu:
        ws = await open_socket(http, emu)
        await send(ws, "42", ".ams.ms.PublishEvent")
        frames = [await receive(ws) for _ in range(3)]
        assert [f.get("type") for f in frames] == ["echo", "t", "after"]
        assert frames[1]["reqId"] == "42"
        await ws.close()


async def test_frames_never_wait_for_a_clock_query_the_client_may_not_send(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    # our Agent's keep-alive asks for the clock on a timer; the Node SDK pings instead
    path = write_recording(
        tmp_path / "keepalive.jsonl",
        [
            SocketOpened(0.0, 1, SOCKET_URL, 101),
            out(0.1, 1, "1", ASK),
            answer(0.2, 1, "1", "asked"),
            out(30.2, 1, "2", ".GetClock"),
            answer(30.3, 1, "2", {"currentTime": 1}),
            out(60.2, 1, "3", ".GetClock"),
            answer(60.3, 1, "3", {"currentTime": 2}),
            notification(70.0, 1, "after-keep-alives"),
        ],
    )
    async with Emulator(replay=path, pace="fast") as emu:
        ws = await open_socket(http, emu)
        await send(ws, "x", ASK)
        frames = [await receive(ws) for _ in range(2)]
        assert [f.get("type") for f in frames] == ["t", "after-keep-alives"]
        # a clock query still gets the recorded answers, in order
        await send(ws, "y", ".GetClock")
        clock = await receive(ws)
        assert (clock["reqId"], clock["body"]) == ("y", {"currentTime": 1})
        await ws.close()


async def test_a_client_asking_in_another_order_still_gets_every_answer(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    path = write_recording(
        tmp_path / "order.jsonl",
        [
            SocketOpened(0.0, 1, SOCKET_URL, 101),
            out(0.1, 1, "1", "A"),
            out(0.2, 1, "2", "B"),
            notification(0.3, 1, "after-two"),
            answer(0.4, 1, "1", "a"),
            answer(0.5, 1, "2", "b"),
        ],
    )
    async with Emulator(replay=path, pace="fast") as emu:
        ws = await open_socket(http, emu)
        await send(ws, "x", "B")
        assert await receive(ws) == {
            "kind": "resp",
            "reqId": "x",
            "code": 200,
            "type": "t",
            "body": "b",
        }
        await send(ws, "y", "A")
        frames = [await receive(ws) for _ in range(2)]
        assert [f.get("type") for f in frames] == ["after-two", "t"]
        assert frames[1]["body"] == "a"
        await ws.close()


async def test_what_the_recording_lacks_gets_a_clear_error(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    path = write_recording(
        tmp_path / "short.jsonl",
        [*csds_and_login(), SocketOpened(0.1, 1, SOCKET_URL, 101)],
    )
    async with Emulator(replay=path) as emu:
        ws = await open_socket(http, emu)
        await send(ws, "7", ".GetClock")
        reply = await receive(ws)
        assert (reply["reqId"], reply["code"]) == ("7", 404)
        assert reply["body"].startswith("replay: connection 1: no recorded .GetClock")
        await ws.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await open_socket(http, emu)
        assert refused.value.status == 404
        login = f"{emu.base_url}/api/account/{emu.account}/login?v=1.3"
        async with http.post(login, json={}) as first_login:
            assert first_login.status == 200
            assert (await first_login.json())["bearer"] == "replay-bearer-1"
        async with http.post(login, json={}) as second:
            assert second.status == 404
            assert "no recorded POST /api/account/*/login call left" in await second.text()
        csds = f"{emu.base_url}/api/account/{emu.account}/service/baseURI.json"
        for _ in range(2):  # a lookup beyond the recording repeats the last one
            async with http.get(csds) as lookup:
                services = (await lookup.json())["baseURIs"]
                assert {s["baseURI"] for s in services} == {f"127.0.0.1:{emu.port}"}


async def test_a_recorded_drop_follows_the_frames_before_it_uncompressed(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    # a client that inflates asynchronously (the Node SDK's ws 1.1.5) would lose them to the drop
    path = write_recording(
        tmp_path / "drop.jsonl",
        [
            SocketOpened(0.0, 1, SOCKET_URL, 101),
            notification(0.1, 1, "just before the drop"),
            SocketClosed(0.1001, 1, 1006, by="server"),
        ],
    )
    async with Emulator(replay=path, pace="fast") as emu:
        url = f"{emu.ws_base_url}/ws_api/account/{emu.account}/messaging/brand/any?v=2.1"
        async with http.ws_connect(url, compress=15) as ws:
            assert ws.compress == 0
            assert (await receive(ws))["type"] == "just before the drop"
            assert (await asyncio.wait_for(ws.receive(), WAIT)).type is aiohttp.WSMsgType.CLOSED


async def test_a_refresh_beyond_the_recording_repeats_the_last_one(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    # clients refresh on their own timers (the Node SDK's refreshSessionInterval)
    refresh_url = "https://va.agentvep.liveperson.net/api/account/42/refresh?v=1.3"
    path = write_recording(
        tmp_path / "refresh.jsonl",
        [
            *csds_and_login(),
            HttpRecord(1.0, "refresh", "POST", refresh_url, {"csrf": "<csrf#1>"}, 200, {}),
        ],
    )
    async with Emulator(replay=path) as emu:
        refresh = f"{emu.base_url}/api/account/{emu.account}/refresh?v=1.3"
        for _ in range(3):
            async with http.post(refresh, json={"csrf": "replay-csrf-1"}) as answered:
                assert (answered.status, await answered.json()) == (200, {})


async def test_a_recorded_close_ends_the_socket_with_its_code(
    tmp_path: Path, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_recording(
        tmp_path / "close.jsonl",
        [
            SocketOpened(0.0, 1, SOCKET_URL, 101),
            out(0.1, 1, "a", ASK),
            answer(0.2, 1, "a", {"currentTime": 1}),
            SocketClosed(0.3, 1, 4401, "token expired", by="server"),
        ],
    )
    async with Emulator(replay=path, pace="fast") as emu:
        ws = await open_socket(http, emu)
        await send(ws, "1", ASK)
        assert (await receive(ws))["body"] == {"currentTime": 1}
        closing = await asyncio.wait_for(ws.receive(), WAIT)
        assert (closing.type, closing.data, closing.extra) == (
            aiohttp.WSMsgType.CLOSE,
            4401,
            "token expired",
        )
        secret = "the-bearer-itself"
        async with http.post(f"{emu.base_url}/ws_api/account/1/messaging/brand/{secret}") as wrong:
            assert wrong.status == 404
        assert "POST /ws_api/account/*/messaging/brand/*" in caplog.text
        assert secret not in caplog.text


async def test_recorded_failures_are_played(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    path = write_recording(
        tmp_path / "failures.jsonl",
        [
            HttpRecord(0.0, "csds", "GET", CSDS_URL, error="connection reset"),
            HttpRecord(0.1, "login", "POST", LOGIN_URL, {}, 429, {"error": {"message": "slow"}}),
            SocketOpened(0.2, 1, SOCKET_URL, 503),
            SocketOpened(0.3, 2, SOCKET_URL, error="timed out"),
        ],
    )
    async with Emulator(replay=path) as emu:
        csds = f"{emu.base_url}/api/account/{emu.account}/service/baseURI.json"
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(csds):
                pass
        async with http.post(f"{emu.base_url}/api/account/42/login", json={}) as login:
            assert login.status == 429
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await open_socket(http, emu)
        assert refused.value.status == 503
        # by hand: aiohttp would retry a GET whose connection was reset, as socket #3
        reader, writer = await asyncio.open_connection("127.0.0.1", emu.port)
        target = f"/ws_api/account/{emu.account}/messaging/brand/any?v=2.1"
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        writer.write(
            f"GET {target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        with contextlib.suppress(ConnectionResetError):
            assert await asyncio.wait_for(reader.read(), WAIT) == b""
        writer.close()


async def test_a_replay_over_tls_serves_the_agent(tmp_path: Path) -> None:
    path = write_recording(
        tmp_path / "tls.jsonl",
        [
            *csds_and_login(),
            SocketOpened(0.1, 1, SOCKET_URL, 101),
            out(0.2, 1, "a", ".GetClock"),
            answer(0.3, 1, "a", {"currentTime": 7}),
        ],
    )
    async with Emulator(replay=path, tls=True) as emu:
        config = AgentConfig(
            emu.account,
            PasswordCredentials("whoever", "whatever"),
            csds_domain=emu.csds_domain,  # a bare host: https and wss
            ssl=emu.client_ssl_context(),
            refresh_interval=None,
            keepalive_interval=None,
        )
        async with Agent(config) as agent:
            await agent.connect()
            assert (await agent.get_clock()).current_time == 7


async def test_a_replay_takes_no_faults_and_a_known_pace(tmp_path: Path) -> None:
    path = write_recording(tmp_path / "empty.jsonl", [])
    with pytest.raises(ValueError, match="not to a replay"):
        Emulator(replay=path, faults=[FaultSpec(endpoint="login", status=503)])
    with pytest.raises(ValueError, match="pace"):
        Emulator(replay=path, pace="slow")  # type: ignore[arg-type]
