"""The agent's retrying: a flow retried as its recovery says, each retry announced on
``agent.events`` at the location of the failure it answers, and the give-up reported."""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from typing import Literal, TypeVar

import reactivex
from reactivex import abc
from reactivex import operators as ops

from rx_lpagent.events import AgentEvent, Context, ErrorEvent, Location, Retrying
from rx_lpagent.flows.report import as_sdk_error
from rx_lpagent.recovery import Recovery
from rx_lpagent.rx import RetriesExhaustedError

__all__ = ["RetryAnnouncer", "Retrier"]

_T = TypeVar("_T")

FlowKind = Literal["connect", "reconnect", "refresh"]


class RetryAnnouncer:
    """Passes a flow's events on, remembering where its last failure was reported; announces each
    retry there.

    Each error is reported once, at its step, before it reaches the retry policy, so the last
    failure location is the one the retry answers. ``area`` stands in when an error was not
    reported at any step.
    """

    def __init__(self, emit: Callable[[AgentEvent], None], area: str) -> None:
        self._emit = emit
        self._location = area

    def emit(self, event: AgentEvent) -> None:
        if isinstance(event, ErrorEvent):
            self._location = event.location
        self._emit(event)

    def retrying(self, policy: str, attempt: int, delay: float, error: Exception) -> None:
        self._emit(
            Retrying(attempt, delay, as_sdk_error(error, None), Context(self._location), policy)
        )


class Retrier:
    """Applies one agent's :class:`~rx_lpagent.recovery.Recovery` (None: recovery off)."""

    def __init__(
        self,
        recovery: Recovery | None,
        emit: Callable[[AgentEvent], None],
        *,
        random: Callable[[], float] | None,
        new_tokens: bool,
    ) -> None:
        """``random`` replaces the policies' random sources; ``new_tokens`` is False for an agent
        whose credentials cannot be renewed by a login (401/403 then fail at once)."""
        self.recovery = recovery
        self._emit = emit
        self._random = random
        self._new_tokens = new_tokens

    @property
    def on(self) -> bool:
        return self.recovery is not None

    def announcer(self, area: str) -> RetryAnnouncer:
        return RetryAnnouncer(self._emit, area)

    def retried(
        self,
        kind: FlowKind,
        flow: reactivex.Observable[_T],
        scheduler: abc.SchedulerBase,
        announcer: RetryAnnouncer,
    ) -> reactivex.Observable[_T]:
        """``flow`` retried as the recovery policy says (as is with recovery off); each retry
        announced at the location of the failure it answers."""
        if self.recovery is None:
            return flow
        retry: Callable[[reactivex.Observable[_T]], reactivex.Observable[_T]] = self.recovery.retry(
            kind,
            scheduler,
            on_retry=announcer.retrying,
            random=self._random,
            new_tokens=self._new_tokens,
        )
        return retry(flow)

    def first_reconnect_delay(self) -> float:
        """The jittered wait before the first reconnect after an unasked close."""
        assert self.recovery is not None
        return self.recovery.first_reconnect_delay(self._random or _random.random)

    def report_give_up(
        self, source: reactivex.Observable[_T], *, always: bool = False
    ) -> reactivex.Observable[_T]:
        """Report at ``Recovery#GiveUp`` when retrying ran out (or, if ``always``, on any error)."""

        def report(error: Exception) -> None:
            if always or isinstance(error, RetriesExhaustedError):
                final = as_sdk_error(error, None)
                self._emit(ErrorEvent(final, Context(Location.RECOVERY_GIVE_UP)))

        return source.pipe(ops.do_action(on_error=report))
