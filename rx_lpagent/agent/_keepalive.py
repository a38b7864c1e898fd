"""Keep-alive with a half-open watchdog: ``.GetClock`` every interval on the current socket.

An answer in time means the socket lives; a failed answer is reported at ``KeepAlive#GetClock``
and the keep-alive goes on; no answer within the timeout means the socket is half-open: that is
reported at ``KeepAlive#Watchdog`` and handed to the agent, which drops and recovers it. A
half-open socket is therefore noticed within ``interval + timeout``, each up to 1/30 longer and
at most 1 s (on asyncio, the agent gives it the loop's shared timer wheel, agent/_wheel.py).

Hand-made rather than reactivex's own (``interval`` + ``flat_map`` + ``timeout``): every
connected agent pays a round of this every interval, so it runs on plain callbacks and one-shot
timers (the loop's own in production), with no Rx subscription, observer or disposable made per
round. Measured with ``bench fleet`` (2,000 idle agents): 3.0% -> 2.0% of a core.
"""

from __future__ import annotations

from collections.abc import Callable

from rx_lpagent.agent._timers import Cancel, Timers
from rx_lpagent.errors import RequestTimeoutError, SDKError, Service, TransportError
from rx_lpagent.events import AgentEvent, Context, ErrorEvent, Location
from rx_lpagent.flows.report import as_sdk_error
from rx_lpagent.protocol.frames import Response

__all__ = ["GetClock", "KeepAlive"]

GetClock = Callable[[float, Callable[[Response], None], Callable[[SDKError], None]], Cancel]
"""``get_clock(timeout, on_response, on_error)`` sends ``.GetClock``; returns what cancels it."""


def _nothing() -> None:
    pass


class KeepAlive:
    __slots__ = (
        "_asking",
        "_cancel",
        "_emit",
        "_get_clock",
        "_interval",
        "_on_half_open",
        "_stopped",
        "_timeout",
        "_timers",
    )

    def __init__(
        self,
        timers: Timers,
        interval: float,
        timeout: float,
        *,
        get_clock: GetClock,
        emit: Callable[[AgentEvent], None],
        on_half_open: Callable[[], None],
    ) -> None:
        self._timers = timers
        self._interval = interval
        self._timeout = timeout
        self._get_clock = get_clock
        self._emit = emit
        self._on_half_open = on_half_open
        self._cancel: Cancel = _nothing
        """Cancels the wait or the request under way."""
        self._asking = False
        self._stopped = False

    def start(self) -> None:
        """Wait a whole interval, then ask (again and again until :meth:`stop`)."""
        self._cancel()
        self._wait()

    def stop(self) -> None:
        self._stopped = True
        cancel, self._cancel = self._cancel, _nothing
        cancel()

    def _wait(self) -> None:
        self._asking = False
        self._cancel = _nothing if self._stopped else self._timers(self._interval, self._ask)

    def _ask(self) -> None:
        self._cancel = _nothing
        if self._stopped:
            return
        self._asking = True
        cancel = self._get_clock(self._timeout, self._answered, self._failed)
        if self._asking:  # not answered at once (an answer has already set the next wait)
            self._cancel = cancel

    def _answered(self, _: Response) -> None:
        self._wait()

    def _failed(self, error: SDKError) -> None:
        if not isinstance(error, RequestTimeoutError):
            sdk_error = as_sdk_error(error, Service.MESSAGING)
            self._emit(ErrorEvent(sdk_error, Context(Location.KEEPALIVE_CLOCK)))
            self._wait()
            return
        self._asking = False
        self._cancel = _nothing
        half_open = TransportError(
            f"no answer to the keep-alive within {self._timeout:g} s: the socket is half-open",
            None,
            Service.MESSAGING,
            error,
        )
        self._emit(ErrorEvent(half_open, Context(Location.KEEPALIVE_WATCHDOG)))
        self._on_half_open()
