"""A job run every ``interval`` seconds after the previous run ended, on a scheduler.

The agent's session refresh is this: wait, run, then decide from the outcome whether to go on.
Hand-made rather than reactivex's own (``timer(interval)`` + ``flat_map(job)`` + ``repeat``),
for the fleet's idle cost: the wait is a one-shot timer (the loop's own in production, the
scheduler's in virtual-time tests) that every connected agent holds, and measured with
``bench fleet`` it cut 268k -> 249k tracked objects per 1,000 agents and 21 -> 16 locks per
agent, against a wait built from Rx disposables. The job itself is still an observable.

A run that ends at once (before ``subscribe`` returns) has already scheduled the next wait,
which the end of ``_tick`` leaves alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reactivex
from reactivex import abc

from rx_lpagent.agent._timers import Cancel, timers_for

__all__ = ["Periodic"]


def _nothing() -> None:
    pass


class Periodic:
    """``job`` every ``interval`` s; ``go_on(error)`` decides after a failed run (True: go on)."""

    __slots__ = ("_cancel_wait", "_go_on", "_interval", "_job", "_run", "_scheduler", "_stopped")

    def __init__(
        self,
        scheduler: abc.SchedulerBase,
        interval: float,
        job: Callable[[], reactivex.Observable[Any]],
        go_on: Callable[[Exception], bool] = lambda _: True,
    ) -> None:
        self._scheduler = scheduler
        self._interval = interval
        self._job = job
        self._go_on = go_on
        self._cancel_wait: Cancel = _nothing
        self._run: abc.DisposableBase | None = None
        self._stopped = False

    def restart(self) -> None:
        """Cancel a wait or run under way and wait a whole interval again."""
        if self._stopped:
            return
        self._end_run()
        self._cancel_wait()
        self._cancel_wait = timers_for(self._scheduler)(self._interval, self._tick)

    def stop(self) -> None:
        self._stopped = True
        cancel, self._cancel_wait = self._cancel_wait, _nothing
        cancel()
        self._end_run()

    def _end_run(self) -> None:
        run, self._run = self._run, None
        if run is not None:
            run.dispose()

    def _tick(self) -> None:
        self._cancel_wait = _nothing
        if self._stopped:
            return

        def failed(error: Exception) -> None:
            if self._go_on(error):
                self.restart()

        self._keep(
            self._job().subscribe(
                on_error=failed, on_completed=self.restart, scheduler=self._scheduler
            )
        )

    def _keep(self, run: abc.DisposableBase) -> None:
        if self._stopped:  # stopped by the run itself
            run.dispose()
        elif self._cancel_wait is _nothing:  # still running (an end would have set a wait)
            self._run = run
