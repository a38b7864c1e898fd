"""Keep-alive with a half-open watchdog: ``.GetClock`` every interval on the current socket.

An answer in time means the socket lives; a failed answer is reported at ``KeepAlive#GetClock``
and the keep-alive goes on; no answer within the timeout means the socket is half-open: that is
reported at ``KeepAlive#Watchdog`` and handed to the agent, which drops and recovers it. A
half-open socket is therefore noticed within ``interval + timeout``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reactivex
from reactivex import abc

from rx_lpagent._periodic import Periodic
from rx_lpagent.errors import RequestTimeoutError, Service, TransportError
from rx_lpagent.events import AgentEvent, Context, ErrorEvent, Location
from rx_lpagent.flows.report import as_sdk_error

__all__ = ["KeepAlive"]


class KeepAlive:
    def __init__(
        self,
        scheduler: abc.SchedulerBase,
        interval: float,
        timeout: float,
        *,
        get_clock: Callable[[float], reactivex.Observable[Any]],
        emit: Callable[[AgentEvent], None],
        on_half_open: Callable[[], None],
    ) -> None:
        self._timeout = timeout
        self._emit = emit
        self._on_half_open = on_half_open
        self._periodic = Periodic(scheduler, interval, lambda: get_clock(timeout), self._failed)

    def start(self) -> None:
        self._periodic.restart()

    def stop(self) -> None:
        self._periodic.stop()

    def _failed(self, error: Exception) -> bool:
        if not isinstance(error, RequestTimeoutError):
            sdk_error = as_sdk_error(error, Service.MESSAGING)
            self._emit(ErrorEvent(sdk_error, Context(Location.KEEPALIVE_CLOCK)))
            return True
        half_open = TransportError(
            f"no answer to the keep-alive within {self._timeout:g} s: the socket is half-open",
            None,
            Service.MESSAGING,
            error,
        )
        self._emit(ErrorEvent(half_open, Context(Location.KEEPALIVE_WATCHDOG)))
        self._on_half_open()
        return False
