"""Recordings for the replay and compare tests, made here: a bare aiohttp client that talks to an
emulator and writes what it sends and gets with :class:`RecordingWriter` (secrets replaced by
placeholders), and small builders of hand-made recordings."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

from rx_lpagent.emulator import Emulator
from rx_lpagent.recording import (
    FrameRecord,
    HttpRecord,
    Record,
    RecordingWriter,
    SocketClosed,
    SocketOpened,
)

WAIT = 5.0
EX_CONVERSATION = ".ams.aam.ExConversationChangeNotification"
ONLINE_EVENT = ".ams.ms.OnlineEventDistribution"


def redact(value: Any, secrets: dict[str, str]) -> Any:
    if isinstance(value, str):
        for secret, stand_in in secrets.items():
            value = value.replace(secret, stand_in)
        return value
    if isinstance(value, dict):
        return {key: redact(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, secrets) for item in value]
    return value


class RecordingClient:
    """An agent's side of a session with ``emu``, written to ``path`` as it happens."""

    def __init__(self, emu: Emulator, path: Path, http: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.http = http
        self.writer = RecordingWriter(path, account=emu.account)
        self.secrets = {emu.password: "<password#1>"}
        self.bearer = ""
        self.csrf = ""

    def write(self, record: Record) -> None:
        plain = redact(msgspec.to_builtins(record), self.secrets)
        self.writer.write(msgspec.convert(plain, Record))

    async def call(self, service: str, method: str, path: str, body: Any = None) -> Any:
        url = f"{self.emu.base_url}{path}"
        async with self.http.request(method, url, json=body) as response:
            text = await response.text()
            answer = json.loads(text) if text else None
        record = HttpRecord(self.writer.now(), service, method, url, body, response.status, answer)
        if service == "login" and isinstance(answer, dict):
            self.bearer, self.csrf = answer["bearer"], answer["csrf"]
            self.secrets[self.bearer] = "<bearer#1>"
            self.secrets[self.csrf] = "<csrf#1>"
        self.write(record)
        return answer

    async def log_in(self) -> None:
        account = self.emu.account
        await self.call("csds", "GET", f"/api/account/{account}/service/baseURI.json?version=1.0")
        body = {"username": self.emu.username, "password": self.emu.password}
        await self.call("login", "POST", f"/api/account/{account}/login?v=1.3", body)

    async def connect(self) -> RecordedSocket:
        number = self.writer.next_connection()
        url = (
            f"{self.emu.ws_base_url}/ws_api/account/{self.emu.account}/messaging/brand/"
            f"{self.bearer}?v=2.1"
        )
        ws = await self.http.ws_connect(url)
        self.write(SocketOpened(self.writer.now(), number, url, status=101))
        return RecordedSocket(self, number, ws)

    async def close(self) -> None:
        self.writer.close()


class RecordedSocket:
    def __init__(
        self, client: RecordingClient, number: int, ws: aiohttp.ClientWebSocketResponse
    ) -> None:
        self.client = client
        self.number = number
        self.ws = ws
        self.answers: dict[str, asyncio.Future[Any]] = {}
        self.notifications: asyncio.Queue[Any] = asyncio.Queue()
        self._ids = itertools.count(1)
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            self.client.write(FrameRecord(self.client.writer.now(), self.number, "in", data))
            if data.get("kind") == "resp" and data.get("reqId") in self.answers:
                self.answers.pop(data["reqId"]).set_result(data)
            else:
                self.notifications.put_nowait(data)
        code = self.ws.close_code or 1006
        self.client.write(SocketClosed(self.client.writer.now(), self.number, code, by="server"))

    async def request(self, type_: str, body: Any = None) -> Any:
        request_id = f"r{next(self._ids)}"
        frame = {"kind": "req", "id": request_id, "type": type_, "body": body or {}}
        self.answers[request_id] = asyncio.get_running_loop().create_future()
        self.client.write(FrameRecord(self.client.writer.now(), self.number, "out", frame))
        await self.ws.send_str(json.dumps(frame))
        return await asyncio.wait_for(self.answers[request_id], WAIT)

    async def notification(self, type_: str) -> Any:
        """The next notification of ``type_`` (others before it are skipped)."""
        while True:
            frame = await asyncio.wait_for(self.notifications.get(), WAIT)
            if frame.get("type") == type_:
                return frame

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.ws.close()
        self.client.write(SocketClosed(self.client.writer.now(), self.number, 1000, by="client"))


async def record_agent_session(emu: Emulator, path: Path) -> None:
    """A session of agent-side calls only (so the emulator can play it back for a compare):
    login, the clock, a state change, subscriptions and their first notifications, a
    conversation the agent asks for, a message in it, an unknown request, and a clean close."""
    consumer = emu.consumer("consumer-1")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        client = RecordingClient(emu, path, http)
        await client.log_in()
        socket = await client.connect()
        await socket.request(".GetClock")
        await socket.request(".ams.routing.SetAgentState", {"availability": "ONLINE"})
        await socket.request(".ams.aam.SubscribeExConversations", {"convState": ["OPEN", "CLOSE"]})
        await socket.notification(EX_CONVERSATION)
        reply = await socket.request(
            ".ams.cm.AgentRequestConversation",
            {"consumerId": consumer.consumer_id, "channelType": "MESSAGING"},
        )
        conv_id = reply["body"]["conversationId"]
        await socket.notification(EX_CONVERSATION)
        event = {"type": "ContentEvent", "contentType": "text/plain", "message": "hi"}
        await socket.request(".ams.ms.PublishEvent", {"dialogId": conv_id, "event": event})
        await socket.notification(ONLINE_EVENT)
        await socket.request(".NoSuchRequest")
        await socket.close()
        csrf = {"csrf": client.csrf}
        await client.call("logout", "POST", f"/api/account/{emu.account}/logout?v=1.3", csrf)
        await client.close()


def write_recording(path: Path, records: list[Record], account: str = "1234567") -> Path:
    """A hand-made recording of ``records``."""
    writer = RecordingWriter(path, account=account)
    for record in records:
        writer.write(record)
    writer.close()
    return path


class ManualClock:
    """A replay clock that moves only when told: delays become exact, and none is slept."""

    def __init__(self) -> None:
        self.value = 0.0
        self.deadlines: list[float] = []
        self._ticked = asyncio.Event()
        self.waiting = asyncio.Event()
        """Set whenever a replay waits on this clock with a deadline."""

    def now(self) -> float:
        return self.value

    async def wait(self, changed: asyncio.Event, deadline: float | None) -> None:
        if deadline is not None:
            self.deadlines.append(deadline)
            self.waiting.set()
        while not changed.is_set() and (deadline is None or self.value < deadline):
            self._ticked.clear()
            waits = [
                asyncio.ensure_future(changed.wait()),
                asyncio.ensure_future(self._ticked.wait()),
            ]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for each in waits:
                    each.cancel()

    def advance(self, seconds: float) -> None:
        self.value += seconds
        self._ticked.set()
