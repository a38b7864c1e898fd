"""Compare: play a recording's client side against a running emulator and report, frame by
frame, where the emulator answers otherwise than the recorded service.

``await compare_recording(recording, emulator)`` returns the :class:`Difference` list;
``python -m rx_lpagent emulator --compare FILE`` prints it. What is compared: HTTP status codes,
handshake statuses, response codes and ``type`` strings, close codes (values); bodies and
frames by shape (:mod:`.compare_shapes`: missing and extra fields, other kinds of values, not the
values themselves); recorded notifications the emulator never sent, by type, and the types it
sent that the recording does not have.

How the client side is played: logins use the emulator's own credentials of the recorded kind
(password, app key or assertion); every recorded placeholder (``<bearer#1>``, ``<csrf#1>``) and
every recorded id (under an id-like key: ``convId``, ``dialogId``, ``subscriptionId``...) is
mapped to the live value that first stood in its place in an answer or a notification, and
replaced in what is sent later (the recorded account maps to the emulator's). Request ids are
sent as recorded. Before each step the compare waits (at most ``wait`` seconds) for what the
recording had received by then; a notification type that did not come in time is not waited
for again on that socket. Recorded HTTP calls and handshakes that got no answer (a network
failure) are skipped, as are frames on a socket that did not open.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yarl

from rx_lpagent.emulator.compare_live import LiveSocket, request_key
from rx_lpagent.emulator.compare_shapes import IdMap, shape_differences
from rx_lpagent.emulator.replay_script import concrete
from rx_lpagent.emulator.server import Emulator
from rx_lpagent.recording import (
    FrameRecord,
    HttpRecord,
    Recording,
    SocketClosed,
    SocketOpened,
    read_recording,
)

__all__ = ["Difference", "compare_recording", "format_report"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Difference:
    """One way the emulator answered otherwise than the recording, at the recording's ``line``:
    ``what`` (``login response``, ``connection 1 .GetClock response``...), ``path`` (a JSON path
    into it, or the value compared: ``status``, ``code``...), ``problem`` in words."""

    line: int
    what: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}: {self.path}: {self.problem}"


def format_report(differences: list[Difference], name: str) -> str:
    """The text ``--compare`` prints: one line per difference, then a count."""
    lines = [f"{name}:{d.line}: {d.what}: {d.path}: {d.problem}" for d in differences]
    count = len(differences)
    lines.append(f"{count} difference{'s' if count != 1 else ''}" if count else "no differences")
    return "\n".join(lines)


async def compare_recording(
    recording: Recording | str | Path, emulator: Emulator, *, wait: float = 2.0
) -> list[Difference]:
    """Play ``recording``'s client side against the running ``emulator``; the differences,
    in the recording's order."""
    if not isinstance(recording, Recording):
        recording = read_recording(recording)
    jar = aiohttp.CookieJar(unsafe=True)
    ssl = emulator.client_ssl_context() if emulator.tls else True
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        comparison = _Comparison(recording, emulator, http, ssl, wait)
        try:
            await comparison.run()
        finally:
            await comparison.close()
    return sorted(comparison.found, key=lambda difference: difference.line)


class _Comparison:
    def __init__(
        self,
        recording: Recording,
        emulator: Emulator,
        http: aiohttp.ClientSession,
        ssl: Any,
        wait: float,
    ) -> None:
        self.recording = recording
        self.emulator = emulator
        self.http = http
        self.ssl = ssl
        self.wait = wait
        self.ids = IdMap()
        self.ids.add(recording.header.account, emulator.account)
        self.sockets: dict[int, LiveSocket] = {}
        self.opened_at: dict[int, int] = {}
        self.request_ids: dict[int, set[Any]] = {}
        self.bearer = ""
        self.found: list[Difference] = []

    def report(self, line: int, what: str, path: str, problem: str) -> None:
        self.found.append(Difference(line, what, path, problem))

    async def run(self) -> None:
        for index, record in enumerate(self.recording.records):
            line = self.recording.line_of(index)
            if isinstance(record, HttpRecord):
                await self._http(line, record)
            elif isinstance(record, SocketOpened):
                await self._open(line, record)
            elif isinstance(record, FrameRecord):
                socket = self.sockets.get(record.connection)
                if socket is None:
                    continue
                if record.direction == "out":
                    await self._send(socket, record)
                else:
                    await self._received(line, socket, record)
            else:
                await self._closed(line, record)

    async def close(self) -> None:
        for connection, socket in self.sockets.items():
            for type_, count in socket.unclaimed().items():
                self.report(
                    self.opened_at[connection],
                    f"connection {connection}",
                    type_,
                    f"the emulator sent {count} notification{'s' if count > 1 else ''} of this "
                    "type the recording does not have",
                )
            await socket.close()

    # HTTP
    async def _http(self, line: int, record: HttpRecord) -> None:
        if record.status is None:
            log.info(
                "compare: line %d: a %s call that got no answer, skipped", line, record.service
            )
            return
        recorded_url = yarl.URL(concrete(self.ids.apply_text(record.url)))
        url = yarl.URL(self.emulator.base_url).with_path(
            _with_account(recorded_url.path, self.emulator.account)
        )
        url = url.with_query(recorded_url.query)
        body = self._login_body(record.request) if record.service == "login" else None
        if body is None and record.request is not None:
            body = self.ids.apply(record.request)
        what = f"{record.service} response"
        try:
            async with self.http.request(record.method, url, json=body, ssl=self.ssl) as response:
                status = response.status
                text = await response.text()
        except aiohttp.ClientError as error:
            self.report(
                line, what, "status", f"recorded {record.status}, emulator {_failed(error)}"
            )
            return
        answer = _json_or_text(text)
        if status != record.status:
            self.report(line, what, "status", f"recorded {record.status}, emulator {status}")
        if _success(status) == _success(record.status):
            self._shapes(line, what, record.response, answer)
        self.ids.learn(record.response, answer)
        if isinstance(answer, dict) and isinstance(answer.get("bearer"), str):
            self.bearer = answer["bearer"]

    async def _log_in(self) -> str:
        """A bearer for a recording that logged in with none (a token agent): the emulator's
        own login, not compared."""
        emulator = self.emulator
        url = f"{emulator.base_url}/api/account/{emulator.account}/login?v=1.3"
        with contextlib.suppress(aiohttp.ClientError, ValueError):
            async with self.http.post(url, json=self._login_body(None), ssl=self.ssl) as answer:
                self.bearer = str((await answer.json()).get("bearer", ""))
        return self.bearer

    def _login_body(self, recorded: Any) -> Any:
        emulator = self.emulator
        if isinstance(recorded, dict) and "appKey" in recorded:
            return emulator.app_credentials.as_dict()
        if isinstance(recorded, dict) and "assertion" in recorded:
            return {"jwt": "dummy", "assertion": emulator.assertion}
        return {"username": emulator.username, "password": emulator.password}

    def _shapes(self, line: int, what: str, recorded: Any, live: Any, path: str = "$") -> None:
        for where, problem in shape_differences(recorded, live, path):
            self.report(line, what, where, problem)

    # sockets
    async def _open(self, line: int, record: SocketOpened) -> None:
        if record.status is None:
            log.info("compare: line %d: a handshake that got no answer, skipped", line)
            return
        recorded_url = yarl.URL(concrete(self.ids.apply_text(record.url)))
        head, _, bearer = recorded_url.path.rpartition("/")
        if bearer.startswith("replay-bearer-"):  # no recorded login gave it: the latest live one
            bearer = self.bearer or await self._log_in()
        url = yarl.URL(self.emulator.ws_base_url).with_path(
            _with_account(f"{head}/{bearer}", self.emulator.account)
        )
        url = url.with_query(recorded_url.query)
        what = f"connection {record.connection} handshake"
        try:
            ws = await self.http.ws_connect(url, ssl=self.ssl, autoping=True)
        except aiohttp.WSServerHandshakeError as refused:
            if refused.status != record.status:
                self.report(
                    line, what, "status", f"recorded {record.status}, emulator {refused.status}"
                )
            return
        except aiohttp.ClientError as error:
            self.report(
                line, what, "status", f"recorded {record.status}, emulator {_failed(error)}"
            )
            return
        if record.status != 101:
            self.report(line, what, "status", f"recorded {record.status}, emulator 101")
        self.sockets[record.connection] = LiveSocket(ws)
        self.opened_at[record.connection] = line
        self.request_ids[record.connection] = set()

    async def _send(self, socket: LiveSocket, record: FrameRecord) -> None:
        if record.raw is not None:
            await socket.send(self.ids.apply_text(record.raw))
            return
        data = record.data
        request = None
        if isinstance(data, dict) and "id" in data:
            request = (request_key(data["id"]), str(data.get("type", "request")))
            self.request_ids[record.connection].add(request[0])
        await socket.send(json.dumps(self.ids.apply(data)), request)

    async def _received(self, line: int, socket: LiveSocket, record: FrameRecord) -> None:
        data = record.data
        if not isinstance(data, dict):
            return
        connection = record.connection
        request_id = data.get("reqId")
        if request_id is not None and request_key(request_id) in self.request_ids[connection]:
            await self._answer(line, socket, connection, data)
        elif data.get("kind") == "notification" and isinstance(data.get("type"), str):
            await self._notification(line, socket, connection, data)

    async def _answer(
        self, line: int, socket: LiveSocket, connection: int, recorded: dict[str, Any]
    ) -> None:
        live = await socket.answer(request_key(recorded["reqId"]), self.wait)
        what = f"connection {connection} {socket.type_of(request_key(recorded['reqId']))} response"
        if live is None:
            self.report(line, what, "$", f"no answer from the emulator within {self.wait:g} s")
            return
        for name in ("code", "type"):
            if recorded.get(name) != live.get(name):
                self.report(
                    line,
                    what,
                    name,
                    f"recorded {recorded.get(name)!r}, emulator {live.get(name)!r}",
                )
        if _success(recorded.get("code")) == _success(live.get("code")):
            self._shapes(line, what, recorded, live)
        self.ids.learn(recorded, live)

    async def _notification(
        self, line: int, socket: LiveSocket, connection: int, recorded: dict[str, Any]
    ) -> None:
        type_ = recorded["type"]
        live = await socket.notification(type_, self.wait)
        what = f"connection {connection} notification {type_}"
        if live is None:
            self.report(line, what, "$", "never sent by the emulator")
            return
        self._shapes(line, what, recorded, live)
        self.ids.learn(recorded, live)

    async def _closed(self, line: int, record: SocketClosed) -> None:
        socket = self.sockets.get(record.connection)
        if socket is None:
            return
        if record.by == "client":
            await socket.close()
            return
        code = await socket.closed(self.wait)
        what = f"connection {record.connection} close"
        if code is None:
            self.report(
                line,
                what,
                "code",
                f"recorded {record.code} by the server, the emulator kept it open",
            )
        elif code != record.code:
            self.report(line, what, "code", f"recorded {record.code}, emulator {code}")


def _with_account(path: str, account: str) -> str:
    segments = path.split("/")
    for index in range(len(segments) - 1):
        if segments[index] == "account":
            segments[index + 1] = account
    return "/".join(segments)


def _failed(error: aiohttp.ClientError) -> str:
    return f"no answer ({type(error).__name__})"


def _json_or_text(text: str) -> Any:
    if not text:
        return None
    with contextlib.suppress(ValueError):
        return json.loads(text)
    return text


def _success(code: Any) -> bool:
    return isinstance(code, int) and 200 <= code < 300
