"""Built-in recovery: which failures the agent retries, how long it waits, when it gives up.

The policy of LivePerson's guidance and the Node SDK's recipe, as data:

* 401/403 anywhere (CSDS, login, the socket handshake, in connect, reconnect or refresh) mean
  "your token might be expired": the next attempt logs in again (a new token) after a wait of
  :attr:`Recovery.auth` (about 10, 20, 40, 80, 160 s, equal jitter, so never sooner than 5 s;
  5 retries, then give up). Credentials refused on every attempt cost 6 logins spread over at
  least 2.5 minutes; after that the periodic refresh stops rather than try again every period.
  An agent given a fixed bearer token (``TokenCredentials``) cannot get a new one: for it a
  401/403 is final.
* connect: 429/5xx/network failures are retried with :attr:`Recovery.connect` (5, 10, 15 s,
  then long intervals; Retry-After honoured); a session obtained by an attempt is kept, so a
  retry does not log in again (unless a token was refused).
* socket closed unasked: after :attr:`Recovery.reconnect_after` plus a random share of
  :attr:`Recovery.reconnect_spread` (1 to 2 s: agents dropped together do not come back
  together), reconnect with :attr:`Recovery.reconnect`; after 4401/4407/1011 with a new token,
  after any other code with the same token.
* refresh: 429/5xx/network failures are retried with :attr:`Recovery.refresh` (5 s, x1.25,
  35 attempts); a refresh 401 or 403 logs in again at once (part of the flow, not a retry).
* a success at a location cancels the retries pending for it: a socket attached by any flow
  ends a pending reconnect recovery; a successful refresh ends pending refresh retries.
* backfill: a dialog's history query after a reconnect that fails (timeout, 429, 5xx) is
  retried with :attr:`Recovery.backfill`; when it gives up, the gap is reported at
  ``Subscription#Backfill``. A socket lost meanwhile ends it: the next socket backfills again.
* every policy is finite: when one gives up, a ``Recovery#GiveUp`` error event is reported and,
  for the socket, the agent's state becomes ``closed``.

Every retry the agent schedules is announced as a :class:`~rx_lpagent.events.Retrying` event.
``Agent(recovery=None)`` switches all of it off; pass your own :class:`Recovery` to tune it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

import reactivex
from reactivex import abc

from rx_lpagent.errors import AuthenticationError
from rx_lpagent.rx import REFRESH_SESSION, SERVER_ERROR, Backoff, Jitter, is_retryable
from rx_lpagent.rx import retry_with_backoff as _retry_with_backoff

__all__ = [
    "DEFAULT_AUTH",
    "DEFAULT_BACKFILL",
    "DEFAULT_RECONNECT",
    "PolicyName",
    "Recovery",
    "is_auth_error",
]

_T = TypeVar("_T")
Operator = Callable[[reactivex.Observable[_T]], reactivex.Observable[_T]]
PolicyName = Literal["connect", "reconnect", "refresh", "auth", "backfill"]
RetryHook = Callable[[PolicyName, int, float, Exception], None]
"""``hook(policy_name, attempt, delay, error)``, called as each retry is scheduled."""


def is_auth_error(error: BaseException) -> bool:
    """A 401/403 (or a login refused in its body): retried with a new token, as LivePerson says."""
    return isinstance(error, AuthenticationError)


DEFAULT_AUTH = Backoff(
    initial=10.0,
    ratio=2.0,
    max_delay=300.0,
    max_attempts=5,
    jitter=Jitter.EQUAL,
    should_retry=is_auth_error,
)
"""401/403: log in again after 5-10, 10-20, 20-40, 40-80, 80-160 s, then give up.

At most 6 logins with refused credentials, at least 2.5 minutes apart from first to last: far
below the rate of a password-guessing attack. Accounts that lock a user after fewer failed logins
should lower ``max_attempts``."""

DEFAULT_RECONNECT = Backoff(
    initial=1.0,
    ratio=2.0,
    max_delay=120.0,
    max_attempts=12,
    jitter=Jitter.EQUAL,
    should_retry=is_retryable,
)
"""Socket recovery: about 1, 2, 4 ... 120 s (equal jitter), 12 attempts, then give up."""

DEFAULT_BACKFILL = Backoff(
    initial=1.0, ratio=2.0, max_delay=30.0, max_attempts=5, jitter=Jitter.EQUAL
)
"""A failed backfill query: about 1, 2, 4, 8, 16 s (equal jitter), then the gap is reported."""


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """The agent's recovery policy: one :class:`~rx_lpagent.rx.Backoff` per kind of failure.

    A 401/403 is retried with :attr:`auth` wherever it happens; every other failure with the
    policy of the flow it happened in (:attr:`connect`, :attr:`reconnect`, :attr:`refresh`).
    Each policy counts its own attempts.
    """

    connect: Backoff = SERVER_ERROR
    reconnect: Backoff = DEFAULT_RECONNECT
    refresh: Backoff = REFRESH_SESSION
    auth: Backoff = DEFAULT_AUTH
    reconnect_after: float = 1.0
    """The least wait between a socket closing unasked and the first reconnect attempt."""
    reconnect_spread: float = 1.0
    """The first reconnect waits ``reconnect_after + reconnect_spread * r``, ``r`` drawn from
    the agent's random source in ``[0, 1)``: agents dropped together spread their first attempts
    over this many seconds instead of all hitting CSDS and login at once."""
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
            auth=scale(self.auth),
            reconnect_after=self.reconnect_after * factor,
            reconnect_spread=self.reconnect_spread * factor,
            backfill=scale(self.backfill),
        )

    def first_reconnect_delay(self, random: Callable[[], float]) -> float:
        """The wait before the first reconnect after an unasked close."""
        return self.reconnect_after + self.reconnect_spread * random()

    def retry(
        self,
        flow: Literal["connect", "reconnect", "refresh"],
        scheduler: abc.SchedulerBase,
        *,
        on_retry: RetryHook | None = None,
        random: Callable[[], float] | None = None,
        new_tokens: bool = True,
    ) -> Operator[_T]:
        """Retry a flow: 401/403 with :attr:`auth`, the rest with the flow's own policy.

        ``on_retry`` hears of each retry before the policy's own hook; ``random`` replaces the
        policies' random sources (a seeded one replays the jitter). ``new_tokens=False`` (an
        agent given a fixed bearer token: a login cannot renew it) fails 401/403 at once.
        """

        own = _announced(flow, getattr(self, flow), on_retry, random)
        auth = _announced("auth", self.auth, on_retry, random)

        def choose(error: Exception) -> Backoff | None:
            if is_auth_error(error):
                return auth if new_tokens else None
            return own

        return _retry_with_backoff(choose, scheduler)

    def retry_backfill(
        self, scheduler: abc.SchedulerBase, *, on_retry: RetryHook | None = None
    ) -> Operator[_T]:
        """Retry a dialog's backfill with :attr:`backfill`; ``on_retry`` hears of each retry."""
        return _retry_with_backoff(_announced("backfill", self.backfill, on_retry, None), scheduler)


def _announced(
    name: PolicyName,
    policy: Backoff,
    on_retry: RetryHook | None,
    random: Callable[[], float] | None,
) -> Backoff:
    """``policy`` telling ``on_retry`` of each retry (before its own hook), drawing its jitter
    from ``random`` when one is given."""
    if on_retry is None and random is None:
        return policy
    own_hook = policy.on_retry

    def hook(attempt: int, delay: float, error: Exception) -> None:
        if on_retry is not None:
            on_retry(name, attempt, delay, error)
        own_hook(attempt, delay, error)

    return replace(policy, on_retry=hook, random=policy.random if random is None else random)
