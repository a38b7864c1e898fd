"""The recovery policies of LivePerson's published guidance (PROTOCOL.md section 5)."""

from __future__ import annotations

from rx_lpagent.rx._policy import Backoff, Jitter

REFRESH_SESSION = Backoff(initial=5.0, ratio=1.25, max_delay=10_000.0, max_attempts=35)
"""The Node SDK documentation's refresh recipe: 5 s, then x1.25 each time, at most 35 retries.

The cap never binds (the 35th wait is 5 * 1.25 ** 34, about 9,861 s), as in the recipe."""

SERVER_ERROR = Backoff(
    steps=(5.0, 10.0, 15.0), initial=120.0, ratio=2.0, max_delay=480.0, max_attempts=10
)
"""5xx: retry after 5, 10 and 15 s, then at long intervals (2, 4, 8, 8 ... min), 10 retries."""

RATE_LIMITED = Backoff(
    initial=1.0, ratio=2.0, max_delay=60.0, min_delay=1.0, jitter=Jitter.EQUAL, max_attempts=10
)
"""429: never sooner than 1 s (or the server's Retry-After); jittered so clients do not burst."""

RATE_LIMITED_LOGIN = Backoff(
    initial=5.0, ratio=2.0, max_delay=120.0, min_delay=5.0, jitter=Jitter.EQUAL, max_attempts=10
)
"""429 from the login service: never sooner than 5 s (or the server's Retry-After)."""
