"""The writing side of a recording: what the transport's taps hand over, redacted, then written.

A :class:`SessionRecorder` is given plain values by the taps (a URL, a body, the bytes of a
frame) and builds the records of :mod:`._format` from them, after its :class:`Redactor` has
replaced every secret. It never raises into the caller: a write that fails (disk full, file
gone) stops the recording, reports once through :attr:`SessionRecorder.on_failure` (by default a
WARNING on ``rx_lpagent.recording``) and every later call does nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final

import msgspec

from rx_lpagent.errors import SDKError
from rx_lpagent.recording._format import (
    Direction,
    FrameRecord,
    HttpRecord,
    Record,
    RecordingWriter,
    SocketClosed,
    SocketOpened,
)
from rx_lpagent.recording._redact import Redactor

__all__ = ["RecordingFailure", "SessionRecorder"]

_log = logging.getLogger("rx_lpagent.recording")
_decode: Final = msgspec.json.decode


class RecordingFailure(SDKError):
    """Writing the recording failed; the recording stopped, the agent went on."""


def _log_failure(error: RecordingFailure) -> None:
    _log.warning("%s", error)


class SessionRecorder:
    """Writes one session's recording; see :meth:`open`.

    ``on_failure`` is called once, with a :class:`RecordingFailure`, when a write fails.
    """

    def __init__(self, writer: RecordingWriter, redactor: Redactor) -> None:
        self._writer = writer
        self._redactor = redactor
        self._stopped = False
        self.on_failure: Callable[[RecordingFailure], None] = _log_failure

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        account: str = "",
        secrets: Iterable[tuple[str, str]] = (),
        mask_text: bool = False,
    ) -> SessionRecorder:
        """Start a recording at ``path`` (replacing the file) knowing ``secrets`` (``(kind,
        value)`` pairs, see :func:`~._redact.credential_secrets`). An ``OSError`` here means
        the file cannot be written at all."""
        redactor = Redactor(secrets, mask_text=mask_text)
        writer = RecordingWriter(path, account=account, masked_text=mask_text)
        return cls(writer, redactor)

    @property
    def path(self) -> Path:
        return self._writer.path

    @property
    def recording(self) -> bool:
        """False once closed or stopped by a failure."""
        return not (self._stopped or self._writer.closed)

    def http(
        self,
        service: str,
        method: str,
        url: str,
        request: object = None,
        *,
        status: int | None = None,
        response: bytes | None = None,
        error: str | None = None,
    ) -> None:
        """One HTTP exchange: the JSON ``request`` body as sent, and the answer (``status`` and
        its body) or the ``error`` that came instead."""
        if not self.recording:
            return
        redact = self._redactor
        # the answer first: a login's bearer and csrf are learnt before anything is written
        answer = None if response is None else self._payload(response)
        self._write(
            HttpRecord(
                self._writer.now(),
                service,
                method,
                redact.text(url),
                redact.json(request),
                status,
                answer,
                None if error is None else redact.text(error),
            )
        )

    def opened(self, url: str, *, status: int | None = None, error: str | None = None) -> int:
        """A socket handshake (101 when it opened); returns the connection's number."""
        connection = self._writer.next_connection()
        if self.recording:
            redact = self._redactor
            self._write(
                SocketOpened(
                    self._writer.now(),
                    connection,
                    redact.text(url),
                    status,
                    None if error is None else redact.text(error),
                )
            )
        return connection

    def frame(self, connection: int, direction: Direction, message: bytes | str) -> None:
        """One frame as it went over the socket: its JSON value, else its text."""
        if not self.recording:
            return
        now = self._writer.now()
        try:
            value = _decode(message)
        except (msgspec.DecodeError, UnicodeError):
            value = None
        if value is None:  # not JSON (or the JSON null, which ``data`` cannot tell from unset)
            text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
            self._write(FrameRecord(now, connection, direction, raw=self._redactor.text(text)))
        else:
            self._write(FrameRecord(now, connection, direction, self._redactor.json(value)))

    def closed(self, connection: int, code: int, reason: str, *, by_server: bool) -> None:
        """A socket's end; ``by_server`` tells which side ended it."""
        if self.recording:
            self._write(
                SocketClosed(
                    self._writer.now(),
                    connection,
                    code,
                    self._redactor.text(reason),
                    "server" if by_server else "client",
                )
            )

    def close(self) -> None:
        """End the recording (safe to call twice)."""
        try:
            self._writer.close()
        except OSError as error:  # the last flush failed
            self._fail(error)

    def _payload(self, payload: bytes) -> Any:
        try:
            value = _decode(payload) if payload else None
        except (msgspec.DecodeError, UnicodeError):
            return self._redactor.text(payload.decode("utf-8", "replace"))
        return self._redactor.json(value)

    def _write(self, record: Record) -> None:
        try:
            self._writer.write(record)
        except (OSError, ValueError) as error:  # ValueError: the file was closed under us
            self._fail(error)

    def _fail(self, error: Exception) -> None:
        if self._stopped:
            return
        self._stopped = True
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        # what was flushed before stays; the rest is lost with the failure
        with contextlib.suppress(OSError, ValueError):
            self._writer.close()
        self.on_failure(
            RecordingFailure(f"recording to {self.path} stopped: {reason}", error=error)
        )
