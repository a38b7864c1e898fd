"""The recording file format, version 1: JSON Lines, one record per line.

The first line is a :class:`Header`; every later line is one of :class:`HttpRecord`,
:class:`SocketOpened`, :class:`FrameRecord` or :class:`SocketClosed`, told apart by ``kind``.
Every record after the header carries ``t``, seconds since the recording started (monotonic
clock), so a replay can keep the recorded pace. Example::

    {"kind":"header","format":"rx_lpagent-recording","version":1,"started_at":"2026-11-30T18:00:00Z","account":"1234567","masked_text":false}
    {"kind":"http","t":0.004,"service":"csds","method":"GET","url":"http://127.0.0.1:8080/api/account/1234567/service/baseURI.json?version=1.0","request":null,"status":200,"response":{"baseURIs":[...]}}
    {"kind":"http","t":0.011,"service":"login","method":"POST","url":"...","request":{"username":"bot","password":"<password#1>"},"status":200,"response":{"bearer":"<bearer#1>","csrf":"<csrf#1>","config":{...}}}
    {"kind":"open","t":0.020,"connection":1,"url":"ws://127.0.0.1:8080/ws_api/account/1234567/messaging/brand/<bearer#1>?v=2.1","status":101}
    {"kind":"frame","t":0.021,"connection":1,"direction":"out","data":{"kind":"req","id":"1","type":".GetClock","body":{}}}
    {"kind":"frame","t":0.022,"connection":1,"direction":"in","data":{"kind":"resp","reqId":"1","code":200,"body":{"currentTime":1}}}
    {"kind":"close","t":9.5,"connection":1,"code":1006,"reason":"","by":"server"}

Rules every writer and reader keeps:

* ``data`` of a frame is the frame's JSON value when the frame was JSON, else ``raw`` holds its
  text (a bad frame is recorded as it came). Exactly one of the two is set.
* Secrets (passwords, bearer tokens, csrf tokens, cookies, app keys and secrets, access tokens,
  assertions, the bearer inside a socket URL) never appear: each distinct secret value is
  replaced, wherever it occurs, by the same placeholder ``<kind#n>`` (see :func:`placeholder`),
  so a replay can still tell that the bearer of a socket URL is the one a login returned.
* An HTTP exchange that got no answer (refused, reset, timed out) has ``status`` null and
  ``error`` set; a socket that could not open has ``status`` (e.g. 401) or ``error`` set.
* ``connection`` numbers the sockets of one recording from 1, in the order they opened.
* Readers refuse a file whose header names another format or a newer version, and report the
  line number of the first line they cannot read (:class:`RecordingError`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final, Literal, TypeAlias

import msgspec

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Direction",
    "FrameRecord",
    "Header",
    "HttpRecord",
    "Record",
    "Recording",
    "RecordingError",
    "RecordingWriter",
    "SocketClosed",
    "SocketOpened",
    "is_placeholder",
    "placeholder",
    "read_recording",
]

FORMAT_NAME: Final = "rx_lpagent-recording"
FORMAT_VERSION: Final = 1

Direction: TypeAlias = Literal["out", "in"]
"""``out``: sent by the client (the agent); ``in``: sent by the server."""


class Header(msgspec.Struct, tag_field="kind", tag="header"):
    """The first line: what the file is and how it was made."""

    format: str = FORMAT_NAME
    version: int = FORMAT_VERSION
    started_at: str = ""
    """When the recording started, ISO 8601 in UTC."""
    account: str = ""
    masked_text: bool = False
    """True when consumer message texts were masked (``--mask-text``)."""
    recorder: str = "rx_lpagent"


class HttpRecord(msgspec.Struct, tag_field="kind", tag="http", omit_defaults=True):
    """One HTTP exchange: the request as sent and the answer as received."""

    t: float
    service: str
    """``csds``, ``login``, ``refresh``, ``logout`` (or another name for a call the SDK adds)."""
    method: str
    url: str
    request: Any = None
    status: int | None = None
    response: Any = None
    error: str | None = None


class SocketOpened(msgspec.Struct, tag_field="kind", tag="open", omit_defaults=True):
    """A messaging socket's handshake: 101 when it opened."""

    t: float
    connection: int
    url: str
    status: int | None = None
    error: str | None = None


class FrameRecord(msgspec.Struct, tag_field="kind", tag="frame", omit_defaults=True):
    """One socket frame; ``data`` when it was JSON, else ``raw``."""

    t: float
    connection: int
    direction: Direction
    data: Any = None
    raw: str | None = None


class SocketClosed(msgspec.Struct, tag_field="kind", tag="close", omit_defaults=True):
    """A socket's end: its close code and reason; ``by`` tells which side ended it."""

    t: float
    connection: int
    code: int
    reason: str = ""
    by: Literal["server", "client"] = "server"


Record: TypeAlias = HttpRecord | SocketOpened | FrameRecord | SocketClosed

_PLACEHOLDER: Final = re.compile(r"<([a-z_]+)#([0-9]+)>")


def placeholder(kind: str, number: int) -> str:
    """The stand-in for the ``number``-th distinct secret of ``kind`` (``<bearer#1>``)."""
    return f"<{kind}#{number}>"


def is_placeholder(value: object) -> bool:
    """Whether ``value`` is exactly one placeholder."""
    return isinstance(value, str) and _PLACEHOLDER.fullmatch(value) is not None


class RecordingError(ValueError):
    """A recording that cannot be read; ``line`` is 1-based (0: the file as a whole)."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class Recording(msgspec.Struct, frozen=True):
    """A whole recording, read back."""

    header: Header
    records: tuple[Record, ...]
    lines: tuple[int, ...] = ()
    """The file's line number of each record (empty when the recording was not read from a
    file: then record ``i`` is taken to be on line ``i + 2``)."""

    def line_of(self, index: int) -> int:
        """The 1-based file line of ``records[index]``."""
        return self.lines[index] if index < len(self.lines) else index + 2

    def frames(self, connection: int | None = None) -> Iterator[FrameRecord]:
        for record in self.records:
            if isinstance(record, FrameRecord) and connection in (None, record.connection):
                yield record

    def http(self, service: str | None = None) -> Iterator[HttpRecord]:
        for record in self.records:
            if isinstance(record, HttpRecord) and service in (None, record.service):
                yield record


_header_decoder: Final = msgspec.json.Decoder(Header)
_record_decoder: Final = msgspec.json.Decoder(Record)


def _read_lines(name: str, lines: Iterable[bytes]) -> Recording:
    header: Header | None = None
    records: list[Record] = []
    numbers: list[int] = []
    number = 0
    last_t = 0.0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if header is None:
            header = _header(name, number, line)
            continue
        try:
            record = _record_decoder.decode(line)
        except msgspec.DecodeError as error:
            raise RecordingError(name, number, _problem(error, line)) from None
        if record.t < last_t:
            raise RecordingError(name, number, f"time goes back ({record.t} after {last_t})")
        if isinstance(record, FrameRecord) and (record.data is None) == (record.raw is None):
            raise RecordingError(name, number, "a frame needs exactly one of data and raw")
        last_t = record.t
        records.append(record)
        numbers.append(number)
    if header is None:
        raise RecordingError(name, 0, "empty: no header line")
    return Recording(header, tuple(records), tuple(numbers))


def _header(name: str, number: int, line: bytes) -> Header:
    try:
        header = _header_decoder.decode(line)
    except msgspec.DecodeError as error:
        raise RecordingError(
            name, number, f"not a recording header ({_problem(error, line)})"
        ) from None
    if header.format != FORMAT_NAME:
        raise RecordingError(name, number, f"format {header.format!r} is not {FORMAT_NAME!r}")
    if header.version > FORMAT_VERSION:
        raise RecordingError(
            name,
            number,
            f"version {header.version} is newer than this rx_lpagent reads ({FORMAT_VERSION})",
        )
    return header


def _problem(error: msgspec.DecodeError, line: bytes) -> str:
    if not line.rstrip().endswith(b"}"):
        return f"truncated or not JSON: {error}"
    return str(error)


def read_recording(path: str | Path) -> Recording:
    """Read and check a whole recording; :class:`RecordingError` names the first bad line."""
    name = str(path)
    try:
        with open(path, "rb") as file:
            return _read_lines(name, file)
    except OSError as error:
        raise RecordingError(name, 0, error.strerror or str(error)) from None


class RecordingWriter:
    """Appends records to a recording, one flushed line each (a crash loses at most one line).

    It writes what it is given: redacting secrets is the caller's job, before the record is
    built. ``t`` comes from :meth:`now`, seconds since the writer opened.
    """

    def __init__(self, path: str | Path, *, account: str = "", masked_text: bool = False) -> None:
        self.path = Path(path)
        self._file: IO[bytes] | None = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._started = time.monotonic()
        self._encoder = msgspec.json.Encoder()
        self._connections = 0
        started_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._write(Header(started_at=started_at, account=account, masked_text=masked_text))

    def now(self) -> float:
        return round(time.monotonic() - self._started, 6)

    def next_connection(self) -> int:
        """The number of the socket about to open (1, 2, ...)."""
        self._connections += 1
        return self._connections

    def write(self, record: Record) -> None:
        self._write(record)

    def _write(self, record: Header | Record) -> None:
        if self._file is None:
            return
        self._file.write(self._encoder.encode(record) + b"\n")
        self._file.flush()

    @property
    def closed(self) -> bool:
        return self._file is None

    def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()
