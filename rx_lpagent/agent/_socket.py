"""One messaging socket's life: its link, its requests, its timers and the frames it brings in.

The agent holds exactly one :class:`SocketLife` at a time and replaces it in one place (attach,
close and dispose all go through it). A life is made when its socket is opened, goes live when
the agent attaches it, and ends when the agent replaces it; only a live one passes frames and a
close on, so a replaced socket's callbacks can never reach the agent (the Node SDK's
stale-listener defect). Ending a life cancels every timer it started (keep-alive, periodic
refresh, a scheduled recovery) and calls no user code: the agent fails the old life's requests
itself, once its own state is settled. Between sockets the agent holds a *detached* life: no
link, every request refused, and the recovery under way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import reactivex
from reactivex import abc

from rx_lpagent._isolation import OnRaise
from rx_lpagent.agent._keepalive import KeepAlive
from rx_lpagent.agent._periodic import Periodic
from rx_lpagent.agent._requests import PendingRequests, not_connected
from rx_lpagent.agent._router import ONE_PASS_FRAMES, PLAIN_DECODING, UNDECODABLE, FrameDecoding
from rx_lpagent.agent._timers import Timers
from rx_lpagent.errors import MalformedFrameError, NotConnectedError, redact
from rx_lpagent.events import AgentEvent, Context, ErrorEvent, Location
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol.frames import (
    Frame,
    Notification,
    Response,
    UnknownFrame,
)
from rx_lpagent.transport.backend import Link

__all__ = ["OnSocketClose", "SocketLife"]

_log = logging.getLogger("rx_lpagent.agent")

OnSocketClose = Callable[["SocketLife", int | None, str, bool], None]
"""``on_close(life, code, reason, by_peer)``: the live socket of ``life`` closed."""


def _quietly(_: Exception) -> None:
    pass


class SocketLife:
    """A socket's link, pending requests, keep-alive, periodic refresh and scheduled recovery.

    It is also the :class:`~rx_lpagent.transport.backend.Link` the connect flows carry from the
    socket's opening to the agent, so the agent attaches exactly the life it opened.
    """

    __slots__ = (
        "_decoding",
        "_dispatch",
        "_emit",
        "_ended",
        "_held",
        "_held_close",
        "_keepalive",
        "_link",
        "_live",
        "_on_close",
        "_on_raise",
        "_recovery",
        "_refresher",
        "pending",
        "scheduler",
    )

    def __init__(
        self,
        scheduler: abc.SchedulerBase | None,
        *,
        dispatch: Callable[[Notification], None],
        emit: Callable[[AgentEvent], None],
        on_close: OnSocketClose,
        on_raise: OnRaise,
        decoding: FrameDecoding = PLAIN_DECODING,
    ) -> None:
        """A life whose socket is opening: ``dispatch`` takes its notifications, ``emit`` its
        bad frames, ``on_close`` its close, once it is live. ``scheduler`` is the one of the
        flow that opened it: its timers, and the recovery after its loss, run there."""
        self.scheduler = scheduler
        self._dispatch = dispatch
        self._emit = emit
        self._on_close = on_close
        self._on_raise = on_raise
        self._decoding = decoding
        self._link: Link | None = None
        self.pending = not_connected()
        """The requests made on this socket: refused until it is opened; once the life is
        replaced, the agent fails what is left."""
        self._live = False
        self._ended = False
        self._held: list[bytes | str] | None = []
        """What came before the socket was attached: delivered once it is (see deliver_held)."""
        self._held_close: tuple[int | None, str, bool] | None = None
        self._keepalive: KeepAlive | None = None
        self._refresher: Periodic | None = None
        self._recovery: abc.DisposableBase | None = None

    @classmethod
    def detached(cls, scheduler: abc.SchedulerBase | None = None) -> SocketLife:
        """The life between sockets: no link, every request refused with NotConnectedError."""
        return cls(
            scheduler,
            dispatch=_ignore,
            emit=_ignore,
            on_close=_closed,
            on_raise=_raised,
        )

    # -- its socket -----------------------------------------------------------------------------

    @property
    def link(self) -> Link | None:
        """The socket, once opened (None for a detached life)."""
        return self._link

    def bind(self, link: Link) -> SocketLife:
        """The socket opened: requests may be sent on it from now on."""
        self._link = link
        self.pending = PendingRequests(link.send, on_raise=self._on_raise)
        return self

    def send(self, data: bytes) -> None:
        if self._link is None:
            raise NotConnectedError()
        self._link.send(data)

    def close(self, code: int = 1000, reason: str = "") -> reactivex.Observable[None]:
        """Close the socket (an empty observable if there is none); errors are the caller's."""
        if self._link is None:
            return reactivex.empty()
        return self._link.close(code, reason)

    def close_quietly(self, code: int, reason: str) -> None:
        """Close the socket and forget it: its close errors are of no interest any more."""
        self.close(code, reason).subscribe(on_error=_quietly)

    # -- what it brings in ----------------------------------------------------------------------

    def on_message(self, data: bytes | str) -> None:
        if not self._live:
            held = self._held
            if held is not None and len(held) < _MAX_HELD_FRAMES:
                held.append(data)
            return
        try:
            decoding = self._decoding  # the router's: one pass for typed-only types
            frame: Frame | UnknownFrame | MalformedFrameError
            try:  # its first step here: one call less per frame
                frame = decoding.first_decode(data)
            except UNDECODABLE as refused:
                frame = decoding.decode_refused(data, refused)
            # type tests first: isinstance of a msgspec Struct class costs ~50-70 ns, even when
            # it succeeds (its metaclass takes the slow path)
            kind = type(frame)
            if kind in ONE_PASS_FRAMES or kind is Notification:
                self._dispatch(frame)  # type: ignore[arg-type]  # a Notification subclass
            elif kind is Response:
                self.pending.resolve(frame)  # type: ignore[arg-type]
            elif isinstance(frame, Notification):  # any other subclass
                self._dispatch(frame)
            elif isinstance(frame, MalformedFrameError):
                self._emit(ErrorEvent(frame, Context(Location.FRAME_DECODE)))
            elif isinstance(frame, UnknownFrame):
                _log.debug("ignoring a frame of unknown kind %r", frame.kind)
        except Exception as error:
            # input nobody foresaw: one frame is lost, never the socket (nor a login)
            _log.warning("a frame could not be handled: %s", type(error).__name__)
            failure = MalformedFrameError(
                f"cannot handle frame: {type(error).__name__}: {redact(str(error))}",
                error=error,
                raw=data,
            )
            self._emit(ErrorEvent(failure, Context(Location.FRAME_DECODE)))

    def on_close(self, code: int | None, reason: str, *, by_peer: bool = True) -> None:
        if self._live:
            self._on_close(self, code, reason, by_peer)
        elif self._held is not None and self._held_close is None:
            self._held_close = (code, reason, by_peer)

    # -- its timers -----------------------------------------------------------------------------

    def keep_alive(
        self,
        timers: Timers,
        interval: float,
        timeout: float,
        *,
        emit: Callable[[AgentEvent], None],
        on_half_open: Callable[[SocketLife], None],
    ) -> None:
        """``.GetClock`` on this socket every ``interval``; no answer within ``timeout`` hands
        the life to ``on_half_open``."""
        if self._ended:
            return
        self._keepalive = KeepAlive(
            timers,
            interval,
            timeout,
            get_clock=lambda wait, on_response, on_error: self.pending.start(
                wt.GET_CLOCK,
                {},
                timeout=wait,
                timers=timers,
                on_response=on_response,
                on_error=on_error,
            ),
            emit=emit,
            on_half_open=lambda: on_half_open(self),
        )
        self._keepalive.start()

    def refresh_every(
        self,
        scheduler: abc.SchedulerBase,
        interval: float,
        job: Callable[[], reactivex.Observable[Any]],
        go_on: Callable[[Exception], bool],
    ) -> None:
        """Run ``job`` every ``interval`` while this socket lives (see :class:`Periodic`)."""
        if self._ended:
            return
        self._refresher = Periodic(scheduler, interval, job, go_on=go_on)
        self._refresher.restart()

    def restart_refresh(self) -> None:
        """End the periodic refresh's pending retries and wait a whole interval again."""
        if self._refresher is not None:
            self._refresher.restart()

    def hold_recovery(self, recovery: abc.DisposableBase) -> None:
        """Keep the recovery scheduled after this socket's loss; it is cancelled on :meth:`end`."""
        if self._ended:
            recovery.dispose()
        else:
            self._recovery = recovery

    # -- its end --------------------------------------------------------------------------------

    def go_live(self) -> None:
        """Attached: from now on its frames and its close reach the agent (what came before
        waits for :meth:`deliver_held`)."""
        if not self._ended:
            self._live = True

    def deliver_held(self) -> None:
        """Deliver, in order, the frames and the close that came between the socket's opening
        and its attaching (a notification sent right after the handshake, a server that closed
        at once): the agent is whole by now, so they reach it like any other. Without this, a
        close in that window would leave the agent attached to a dead socket."""
        held, self._held = self._held, None
        close, self._held_close = self._held_close, None
        if not self._live:
            return
        for data in held or ():
            self.on_message(data)
        if close is not None and self._live:
            code, reason, by_peer = close
            self._on_close(self, code, reason, by_peer)

    @property
    def live(self) -> bool:
        return self._live

    def end(self) -> None:
        """Ignore its socket from now on and cancel every timer it holds. Calls no user code;
        idempotent. The pending requests are left for the agent to fail."""
        self._live = False
        self._ended = True
        self._held = self._held_close = None
        keepalive, refresher, recovery = self._keepalive, self._refresher, self._recovery
        self._keepalive = self._refresher = self._recovery = None
        for timer in (keepalive, refresher):
            if timer is not None:
                timer.stop()
        if recovery is not None:
            recovery.dispose()


_MAX_HELD_FRAMES = 10_000
"""Frames held before attaching at most (the window is a loop turn or two; a flood beyond this
is dropped, not buffered without bound)."""


def _ignore(_: object) -> None:
    pass


def _closed(_: SocketLife, __: int | None, ___: str, ____: bool) -> None:
    pass


def _raised(_: str, __: Exception) -> None:
    pass
