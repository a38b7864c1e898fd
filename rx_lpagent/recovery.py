"""Built-in recovery: which failures are retried, how, and when to give up.

Placeholder until the retry toolkit lands: the interface the agent uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import reactivex
from reactivex import abc

__all__ = ["Recovery"]

_T = TypeVar("_T")
Operator = Callable[[reactivex.Observable[_T]], reactivex.Observable[_T]]


@dataclass(frozen=True)
class Recovery:
    """The agent's recovery policy."""

    def retry_connect(self, scheduler: abc.SchedulerBase) -> Operator[_T]:
        return lambda source: source

    def retry_reconnect(self, scheduler: abc.SchedulerBase) -> Operator[_T]:
        return lambda source: source

    def retry_refresh(self, scheduler: abc.SchedulerBase) -> Operator[_T]:
        return lambda source: source
