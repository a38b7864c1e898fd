"""Announcing a flow's retries on ``agent.events``, at the location of the failure retried."""

from __future__ import annotations

from collections.abc import Callable

from rx_lpagent.events import AgentEvent, Context, ErrorEvent, Retrying
from rx_lpagent.flows.report import as_sdk_error

__all__ = ["RetryAnnouncer"]


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
