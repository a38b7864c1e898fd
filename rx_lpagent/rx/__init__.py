"""Reactive recovery operators for RxPY (``reactivex``), usable outside the agent too.

Retrying::

    source.pipe(retry_with_backoff(REFRESH_SESSION))     # 5 s, x1.25, at most 35 retries
    source.pipe(retry_when(backoff(REFRESH_SESSION)))    # the same, spelled out
    source.pipe(retry_when(lambda errors: errors.pipe(ops.delay(1.0))))  # any notifier

* :func:`retry_when` is RxJS's ``retryWhen``: the notifier is called at the source's first
  error, and from then on its output's items resubscribe the source, its completion
  completes and its error fails; iterative, so 10,000 retries cost constant memory and
  stack.
* :class:`Backoff` is a retry policy as an immutable value (steps, initial delay, ratio, caps,
  :class:`Jitter` with an injectable random source, ``should_retry``, Retry-After, reset after
  a healthy window, ``on_retry`` hook). Finite by default; ``max_attempts=UNBOUNDED`` asks
  for forever. :func:`backoff` is the notifier that applies it; :func:`retry_with_backoff`
  the shorthand; :func:`backoff_per_error` picks a policy per error (429s and 5xx apart).
  Giving up fails with :class:`RetriesExhaustedError` wrapping the last error; errors the
  policy does not retry pass through unwrapped.
* Presets from LivePerson's guidance: :data:`REFRESH_SESSION`, :data:`SERVER_ERROR`,
  :data:`RATE_LIMITED`, :data:`RATE_LIMITED_LOGIN`.

asyncio: :func:`from_coroutine` turns a coroutine factory into a cold observable (each
subscription runs it anew; dispose cancels it); :func:`last_value` awaits an observable;
:func:`timeout` fails with :class:`~rx_lpagent.errors.RequestTimeoutError`;
:func:`iterate` is ``async for`` over an observable (bounded, with an :class:`Overflow`
policy); :func:`handle_each` runs an ``async def`` per item (in order, or a bounded number at
once) and :func:`map_async` is the same as an operator.

Every timed operator picks its scheduler at subscribe time: the one it was built with, else
the subscriber's, else the running asyncio loop; with none of them it fails with
:class:`NoSchedulerError` (never a thread-based timer, which would not wake the loop). The
same pipeline runs on asyncio in production and on ``reactivex.testing.TestScheduler`` in
tests (see :mod:`rx_lpagent.testing.virtual_time`).
"""

from rx_lpagent.rx._backoff import (
    PolicyChooser,
    backoff,
    backoff_per_error,
    retry_with_backoff,
)
from rx_lpagent.rx._coroutine import from_coroutine, last_value
from rx_lpagent.rx._errors import RetriesExhaustedError
from rx_lpagent.rx._handle import Handler, Handling, handle_each, map_async
from rx_lpagent.rx._iterate import (
    DEFAULT_MAXSIZE,
    BufferOverflowError,
    ObservableIterator,
    Overflow,
    iterate,
)
from rx_lpagent.rx._policy import (
    UNBOUNDED,
    Backoff,
    BackoffState,
    Jitter,
    OnRetry,
    is_retryable,
)
from rx_lpagent.rx._presets import (
    RATE_LIMITED,
    RATE_LIMITED_LOGIN,
    REFRESH_SESSION,
    SERVER_ERROR,
)
from rx_lpagent.rx._retry_when import Notifier, retry_when
from rx_lpagent.rx._scheduling import NoSchedulerError
from rx_lpagent.rx._timeout import timeout

__all__ = [
    "DEFAULT_MAXSIZE",
    "RATE_LIMITED",
    "RATE_LIMITED_LOGIN",
    "REFRESH_SESSION",
    "SERVER_ERROR",
    "UNBOUNDED",
    "Backoff",
    "BackoffState",
    "BufferOverflowError",
    "Handler",
    "Handling",
    "Jitter",
    "NoSchedulerError",
    "Notifier",
    "ObservableIterator",
    "OnRetry",
    "Overflow",
    "PolicyChooser",
    "RetriesExhaustedError",
    "backoff",
    "backoff_per_error",
    "from_coroutine",
    "handle_each",
    "is_retryable",
    "iterate",
    "last_value",
    "map_async",
    "retry_when",
    "retry_with_backoff",
    "timeout",
]
