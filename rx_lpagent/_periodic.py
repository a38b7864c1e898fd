"""A job run every ``interval`` seconds after the previous run ended, on a scheduler.

The agent's session refresh and keep-alive are both this: wait, run, then decide from the
outcome whether to go on. The wait and the run sit in separate slots, so a run that ends at
once (before ``subscribe`` returns) cannot cancel the wait it schedules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reactivex
from reactivex import abc
from reactivex.disposable import SerialDisposable

__all__ = ["Periodic"]


class Periodic:
    """``job`` every ``interval`` s; ``go_on(error)`` decides after a failed run (True: go on)."""

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
        self._wait = SerialDisposable()
        self._run = SerialDisposable()
        self._stopped = False

    def restart(self) -> None:
        """Cancel a wait or run under way and wait a whole interval again."""
        if self._stopped:
            return
        self._run.disposable = None
        self._wait.disposable = self._scheduler.schedule_relative(self._interval, self._tick)

    def stop(self) -> None:
        self._stopped = True
        self._wait.dispose()
        self._run.dispose()

    def _tick(self, _: abc.SchedulerBase, __: Any = None) -> None:
        def failed(error: Exception) -> None:
            if self._go_on(error):
                self.restart()

        self._run.disposable = self._job().subscribe(
            on_error=failed, on_completed=self.restart, scheduler=self._scheduler
        )
