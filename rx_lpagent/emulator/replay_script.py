"""A recording read as what a replay serves: the HTTP answers per endpoint, and per socket a
script of what the server sent, each step with the client request it waits for (never a clock
query: see :data:`UNGATED_REQUESTS`).

Pure data and pure functions; no I/O. :mod:`.replay` serves it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

import yarl

from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.recording import FrameRecord, HttpRecord, Recording, SocketOpened

__all__ = [
    "Answer",
    "Pace",
    "RecordedRequest",
    "ReplayPlan",
    "ServerClose",
    "UNGATED_REQUESTS",
    "ServerFrame",
    "SocketScript",
    "Step",
    "concrete",
    "endpoint_key",
    "is_request",
    "plan_replay",
    "point_services_at",
    "url_path",
]

Pace: TypeAlias = Literal["recorded", "fast"]
"""``recorded``: server frames keep their recorded delays; ``fast``: no delays at all."""

UNGATED_REQUESTS: Final = frozenset({wt.GET_CLOCK})
"""Requests the server's own frames and closes never wait for: a clock query causes nothing but
its answer, and clients send it on timers of their own (our Agent's keep-alive asks every 30 s,
the Node SDK pings instead), so a client replaying a recording need not send as many."""

_PLACEHOLDER: Final = re.compile(r"<([a-z_]+)#([0-9]+)>")
_KEPT_PLACEHOLDERS: Final = frozenset({"text"})
"""Masked message texts stay as they are: they are content, not credentials a client uses."""


def concrete(value: Any) -> Any:
    """``value`` with every secret placeholder (``<bearer#1>``) turned into a usable token
    (``replay-bearer-1``), the same one wherever it occurs; masked texts are left alone."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(_token, value) if "<" in value else value
    if isinstance(value, dict):
        return {key: concrete(item) for key, item in value.items()}
    if isinstance(value, list):
        return [concrete(item) for item in value]
    return value


def _token(match: re.Match[str]) -> str:
    kind, number = match.group(1), match.group(2)
    return match.group(0) if kind in _KEPT_PLACEHOLDERS else f"replay-{kind}-{number}"


def point_services_at(value: Any, authority: str) -> Any:
    """``value`` with every CSDS entry (``{"service", "baseURI"}``) pointing at ``authority``:
    a real recording names LivePerson's hosts, a replay serves every service itself."""
    if isinstance(value, dict):
        moved = {key: point_services_at(item, authority) for key, item in value.items()}
        if "service" in moved and "baseURI" in moved:
            moved["baseURI"] = authority
        return moved
    if isinstance(value, list):
        return [point_services_at(item, authority) for item in value]
    return value


def url_path(url: str) -> str:
    """The path of a recorded URL (a placeholder's ``#`` would start a fragment)."""
    return yarl.URL(_PLACEHOLDER.sub(_token, url)).path


def endpoint_key(method: str, path: str) -> str:
    """``POST /api/account/*/login``: an HTTP call's endpoint, whatever the account (and with
    no bearer: a socket path's is starred too, since keys are logged)."""
    segments = path.split("/")
    for index in range(len(segments) - 1):
        if segments[index] in ("account", "brand"):
            segments[index + 1] = "*"
    return f"{method.upper()} {'/'.join(segments)}"


def is_request(data: Any) -> bool:
    """Whether a client frame is a request (it has an id and a type)."""
    return isinstance(data, dict) and isinstance(data.get("type"), str) and "id" in data


@dataclass(frozen=True)
class RecordedRequest:
    """The ``index``-th request (from 1) the client sent on a recorded socket."""

    index: int
    id: Any
    type: str
    t: float
    answer: FrameRecord | None = None
    """The recorded response (None: the server never answered)."""


@dataclass(frozen=True)
class ServerFrame:
    """A frame the server sent of its own (a notification, ...), after ``after`` gating requests
    (those not in :data:`UNGATED_REQUESTS`)."""

    after: int
    t: float
    record: FrameRecord


@dataclass(frozen=True)
class Answer:
    """The recorded response to request ``request``; it goes out when the client asks."""

    request: int
    t: float


@dataclass(frozen=True)
class ServerClose:
    """The server closed the socket, after ``after`` gating requests."""

    after: int
    t: float
    code: int
    reason: str


Step: TypeAlias = ServerFrame | Answer | ServerClose


@dataclass
class SocketScript:
    """One recorded socket: how its handshake went, the client's requests, the server's steps."""

    connection: int
    opened: SocketOpened
    requests: list[RecordedRequest] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    closed_by_server: bool = False
    gate_times: list[float] = field(default_factory=list)
    """When each gating request was recorded, in order."""

    def answer_positions(self) -> dict[int, int]:
        """Request index -> the position of its answer in :attr:`steps`."""
        return {
            step.request: position
            for position, step in enumerate(self.steps)
            if isinstance(step, Answer)
        }

    def request_t(self, count: int) -> float:
        """When the ``count``-th gating request was recorded (the handshake's time for 0)."""
        return self.gate_times[count - 1] if 0 < count <= len(self.gate_times) else self.opened.t


@dataclass
class ReplayPlan:
    """What a replay serves: HTTP answers per endpoint (in recorded order) and the sockets."""

    account: str
    http: dict[str, list[HttpRecord]]
    sockets: list[SocketScript]


def plan_replay(recording: Recording) -> ReplayPlan:
    http: dict[str, list[HttpRecord]] = defaultdict(list)
    scripts: dict[int, SocketScript] = {}
    pending: dict[int, dict[Any, int]] = defaultdict(dict)
    """Per connection: recorded request id -> its request's index, until it is answered."""
    for record in recording.records:
        if isinstance(record, HttpRecord):
            http[endpoint_key(record.method, url_path(record.url))].append(record)
        elif isinstance(record, SocketOpened):
            scripts.setdefault(record.connection, SocketScript(record.connection, record))
        elif isinstance(record, FrameRecord):
            script = scripts.setdefault(
                record.connection,
                SocketScript(record.connection, SocketOpened(record.t, record.connection, "", 101)),
            )
            _add_frame(script, pending[record.connection], record)
        elif record.by == "server" and record.connection in scripts:
            script = scripts[record.connection]
            script.steps.append(
                ServerClose(len(script.gate_times), record.t, record.code, record.reason)
            )
            script.closed_by_server = True
    return ReplayPlan(recording.header.account, dict(http), [scripts[n] for n in sorted(scripts)])


def _add_frame(script: SocketScript, pending: dict[Any, int], record: FrameRecord) -> None:
    data = record.data
    if record.direction == "out":
        if is_request(data):
            request = RecordedRequest(len(script.requests) + 1, data["id"], data["type"], record.t)
            script.requests.append(request)
            pending[_hashable(data["id"])] = request.index
            if request.type not in UNGATED_REQUESTS:
                script.gate_times.append(record.t)
        return
    request_id = data.get("reqId") if isinstance(data, dict) else None
    index = pending.pop(_hashable(request_id), None) if request_id is not None else None
    if index is None:
        script.steps.append(ServerFrame(len(script.gate_times), record.t, record))
        return
    asked = script.requests[index - 1]
    script.requests[index - 1] = RecordedRequest(asked.index, asked.id, asked.type, asked.t, record)
    script.steps.append(Answer(index, record.t))


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) else repr(value)
