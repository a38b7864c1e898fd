"""RetriesExhaustedError: what a give-up tells the caller, without leaking secrets."""

from __future__ import annotations

import pickle

from rx_lpagent.errors import SDKError, ServerError, TransportError
from rx_lpagent.rx import RetriesExhaustedError


def test_it_carries_the_last_error_and_the_effort_made() -> None:
    last = ServerError("busy", 503, "authentication.refreshSession")
    gave_up = RetriesExhaustedError(last, attempts=35, elapsed=34135.87)

    assert isinstance(gave_up, SDKError)
    assert gave_up.error is last
    assert gave_up.__cause__ is last
    assert (gave_up.code, gave_up.service) == (503, "authentication.refreshSession")
    assert (gave_up.attempts, gave_up.elapsed) == (35, 34135.87)
    assert not gave_up.retryable
    assert "35 retries" in str(gave_up)


def test_its_text_is_redacted() -> None:
    last = TransportError("handshake failed for wss://host/brand/SECRETBEARER?x=1")
    gave_up = RetriesExhaustedError(ValueError("Authorization: Bearer abc.def"), 1, 0.0)
    wrapped_transport = RetriesExhaustedError(last, 2, 1.0)

    assert "abc.def" not in str(gave_up)
    assert "SECRETBEARER" not in str(wrapped_transport)


def test_it_pickles() -> None:
    gave_up = RetriesExhaustedError(ServerError("busy", 503), 3, 7.0)
    copy = pickle.loads(pickle.dumps(gave_up))
    assert (copy.attempts, copy.elapsed, copy.code) == (3, 7.0, 503)
    assert copy.error == gave_up.error
