from __future__ import annotations

import pickle

import pytest

from rx_lpagent.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedFrameError,
    NotConnectedError,
    RateLimitedError,
    RequestFailedError,
    RequestTimeoutError,
    SDKError,
    ServerError,
    Service,
    TransportError,
    error_for_status,
    redact,
)


def test_sdk_error_has_the_node_shape() -> None:
    cause = OSError("boom")
    err = SDKError("could not fetch domains", 503, Service.DOMAIN_NAMES, cause)
    assert (err.message, err.code, err.service, err.error) == (
        "could not fetch domains",
        503,
        "domainNames",
        cause,
    )
    assert err.__cause__ is cause
    assert "could not fetch domains" in str(err)
    assert "code=503" in str(err)
    assert not err.retryable


@pytest.mark.parametrize(
    ("status", "family", "retryable"),
    [
        (401, AuthenticationError, False),
        (403, AuthenticationError, False),
        (429, RateLimitedError, True),
        (500, ServerError, True),
        (503, ServerError, True),
        (400, SDKError, False),
    ],
)
def test_error_for_status_picks_the_family(
    status: int, family: type[SDKError], retryable: bool
) -> None:
    err = error_for_status(status, "failed", Service.LOGIN, retry_after=2.0)
    assert type(err) is family
    assert err.code == status
    assert err.retryable is retryable


def test_internal_code_overrides_the_status() -> None:
    err = error_for_status(401, "Bad Authentication", Service.LOGIN, code=38)
    assert isinstance(err, AuthenticationError)
    assert err.code == 38


def test_rate_limited_keeps_retry_after() -> None:
    err = RateLimitedError("slow down", 429, Service.LOGIN, retry_after=5.0)
    assert err.retry_after == 5.0
    assert err.retryable


def test_builtins_are_mixed_in() -> None:
    assert isinstance(TransportError("refused"), ConnectionError)
    assert isinstance(NotConnectedError(), ConnectionError)
    assert isinstance(RequestTimeoutError(), TimeoutError)
    assert isinstance(ConfigurationError("no account"), ValueError)
    assert NotConnectedError().message == "socket not connected"
    assert RequestTimeoutError().message == "Request has timed out"


@pytest.mark.parametrize(("code", "retryable"), [(400, False), (429, True), (500, True)])
def test_request_failed_is_retryable_only_for_429_and_5xx(code: int, retryable: bool) -> None:
    err = RequestFailedError("nope", code, body="Too many requests", request_type=".GetClock")
    assert err.retryable is retryable
    assert err.body == "Too many requests"
    assert err.request_type == ".GetClock"


def test_errors_pickle_and_compare() -> None:
    err = RateLimitedError("slow down", 429, Service.LOGIN, retry_after=5.0)
    copy = pickle.loads(pickle.dumps(err))
    assert copy == err
    assert copy.retry_after == 5.0
    assert hash(copy) == hash(err)


def test_malformed_frame_keeps_a_redacted_excerpt() -> None:
    raw = b'{"kind":"req","body":{"bearer":"abc.def"}' + b"x" * 500
    err = MalformedFrameError("bad", raw=raw)
    assert err.raw is not None
    assert len(err.raw) <= 203
    assert "abc.def" not in err.raw


@pytest.mark.parametrize(
    "secret_text",
    [
        "wss://h/ws_api/account/1/messaging/brand/SECRET?v=2.1",
        '{"password":"SECRET"}',
        '{"csrf": "SECRET"}',
        "Cookie: Session_id=SECRET; other=1",
        "Authorization: Bearer SECRET",
        "password=SECRET&user=x",
        "407, message='Proxy Authentication Required', url='http://user:SECRET@proxy:3128'",
    ],
)
def test_redact_hides_secrets(secret_text: str) -> None:
    assert "SECRET" not in redact(secret_text)


def test_repr_never_holds_the_original_errors_text() -> None:
    err = SDKError("login failed", 401, Service.LOGIN, ValueError("password=hunter2"))
    assert "hunter2" not in repr(err)
    assert "hunter2" not in str(err)
