"""The error a backoff ends with when it runs out of attempts or time."""

from __future__ import annotations

from rx_lpagent.errors import SDKError, redact


class RetriesExhaustedError(SDKError):
    """Retrying gave up: the attempt or time budget ran out.

    ``error`` (also ``__cause__``) is the last failure; ``code`` and ``service`` are copied
    from it when it is an :class:`SDKError`. ``attempts`` is the number of retries made,
    ``elapsed`` the seconds from the failure streak's first error to the last one. Errors the
    policy does not retry at all are never wrapped.
    """

    def __init__(self, error: Exception, attempts: int, elapsed: float) -> None:
        code = error.code if isinstance(error, SDKError) else None
        service = error.service if isinstance(error, SDKError) else None
        super().__init__(
            f"gave up after {attempts} retries in {elapsed:g} s: "
            f"{type(error).__name__}: {redact(str(error))}",
            code,
            service,
            error,
            retryable=False,
        )
        self.attempts = attempts
        self.elapsed = elapsed

    def __reduce__(self) -> tuple[object, ...]:
        assert isinstance(self.error, Exception)
        return (type(self), (self.error, self.attempts, self.elapsed))
