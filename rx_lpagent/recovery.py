"""Built-in recovery: which failures the agent retries, how long it waits, when it gives up.

The policy of LivePerson's guidance and the Node SDK's recipe, as data:

* connect: 429/5xx/network failures are retried with :attr:`Recovery.connect` (5, 10, 15 s,
  then long intervals; Retry-After honoured); a session obtained by an attempt is kept, so a
  retry does not log in again. 401/403 at connect mean bad credentials: not retried.
* socket closed unasked: after :attr:`Recovery.reconnect_after` (1 s), reconnect with
  :attr:`Recovery.reconnect`; after 4401/4407/1011 with a
  new token, after any other code with the same token. A 401/403 met while reconnecting makes
  the next attempt log in again; a login that is refused (bad credentials) ends recovery.
* refresh: 429/5xx/network failures are retried with :attr:`Recovery.refresh` (5 s, x1.25,
  35 attempts); a refresh 401 logs in again (that is part of the flow, not a retry).
* a success at a location cancels the retries pending for it: a socket attached by any flow
  ends a pending reconnect recovery; a successful refresh ends pending refresh retries.
* backfill: a dialog's history query after a reconnect that fails (timeout, 429, 5xx) is
  retried with :attr:`Recovery.backfill`; when it gives up, the gap is reported at
  ``Subscription#Backfill``. A socket lost meanwhile ends it: the next socket backfills again.
* every policy is finite: when one gives up, a ``Recovery#GiveUp`` error event is reported and,
  for the socket, the agent's state becomes ``closed``.

``Agent(recovery=None)`` switches all of it off; pass your own :class:`Recovery` to tune it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import reactivex
from reactivex import abc

from rx_lpagent.errors import AuthenticationError, Service
from rx_lpagent.rx import REFRESH_SESSION, SERVER_ERROR, Backoff, Jitter, is_retryable
from rx_lpagent.rx import retry_with_backoff as _retry_with_backoff

__all__ = ["DEFAULT_BACKFILL", "DEFAULT_RECONNECT", "Recovery", "retry_reconnect_error"]

_T = TypeVar("_T")
Operator = Callable[[reactivex.Observable[_T]], reactivex.Observable[_T]]


def retry_reconnect_error(error: BaseException) -> bool:
    """Retry what is retryable, and a socket refused for its token (the next try gets a new one).

    A login refused for its credentials is not retried: trying again cannot help.
    """
    if isinstance(error, AuthenticationError):
        return error.service != Service.LOGIN
    return is_retryable(error)


DEFAULT_RECONNECT = Backoff(
    initial=1.0,
    ratio=2.0,
    max_delay=120.0,
    max_attempts=12,
    jitter=Jitter.EQUAL,
    should_retry=retry_reconnect_error,
)
"""Socket recovery: about 1, 2, 4 ... 120 s (equal jitter), 12 attempts, then give up."""

DEFAULT_BACKFILL = Backoff(
    initial=1.0, ratio=2.0, max_delay=30.0, max_attempts=5, jitter=Jitter.EQUAL
)
"""A failed backfill query: about 1, 2, 4, 8, 16 s (equal jitter), then the gap is reported."""


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """The agent's recovery policy: one :class:`~rx_lpagent.rx.Backoff` per kind of failure."""

    connect: Backoff = SERVER_ERROR
    reconnect: Backoff = DEFAULT_RECONNECT
    refresh: Backoff = REFRESH_SESSION
    reconnect_after: float = 1.0
    """The brief wait between a socket closing unasked and the first reconnect attempt."""
    backfill: Backoff = DEFAULT_BACKFILL
    """Retries of a dialog's backfill query after a reconnect."""

    def scaled(self, factor: float) -> Recovery:
        """The same policy with every delay multiplied by ``factor`` (for tests and demos)."""

        def scale(policy: Backoff) -> Backoff:
            return replace(
                policy,
                initial=policy.initial * factor,
                max_delay=policy.max_delay * factor,
                min_delay=policy.min_delay * factor,
                steps=tuple(step * factor for step in policy.steps),
                max_elapsed=None if policy.max_elapsed is None else policy.max_elapsed * factor,
            )

        return Recovery(
            connect=scale(self.connect),
            reconnect=scale(self.reconnect),
            refresh=scale(self.refresh),
            reconnect_after=self.reconnect_after * factor,
            backfill=scale(self.backfill),
        )

    def retry_connect(self, scheduler: abc.SchedulerBase) -> Operator[_T]:
        return _retry_with_backoff(self.connect, scheduler)

    def retry_reconnect(self, scheduler: abc.SchedulerBase) -> Operator[_T]:
        return _retry_with_backoff(self.reconnect, scheduler)

    def retry_refresh(self, scheduler: abc.SchedulerBase) -> Operator[_T]:
        return _retry_with_backoff(self.refresh, scheduler)

    def retry_backfill(self, scheduler: abc.SchedulerBase) -> Operator[_T]:
        return _retry_with_backoff(self.backfill, scheduler)
