"""The one translation layer: HTTP answers and library exceptions into rx_lpagent errors."""

from __future__ import annotations

import email.utils
import logging

import pytest

from rx_lpagent.errors import (
    AuthenticationError,
    RateLimitedError,
    RequestTimeoutError,
    SDKError,
    ServerError,
    TransportError,
)
from rx_lpagent.transport import SocketTransport, messaging_url
from rx_lpagent.transport._errors import (
    error_from_response,
    parse_retry_after,
    translate_exception,
)
from tests.transport.conftest import ACCOUNT, FakeLivePerson


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("5", 5.0), (" 2.5 ", 2.5), ("-3", 0.0), ("", None), ("soon", None), ("inf", None)],
)
def test_retry_after_seconds(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_http_date() -> None:
    header = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(header, now=1_000_000) == 30.0
    assert parse_retry_after(header, now=2_000_000) == 0.0
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("status", "family"),
    [(400, SDKError), (403, AuthenticationError), (429, RateLimitedError), (502, ServerError)],
)
def test_statuses_pick_the_family(status: int, family: type[SDKError]) -> None:
    error = error_from_response(status, b"", {"Retry-After": "1"}, "svc", "call failed")
    assert type(error) is family
    assert error is not None
    assert error.code == status
    assert error.message.startswith(f"call failed: HTTP {status}")


def test_success_is_no_error() -> None:
    assert error_from_response(200, b"", {}, "svc", "x") is None
    assert error_from_response(204, b'{"bearer":"b"}', {}, "svc", "x") is None


def test_a_string_error_body_is_used_as_message() -> None:
    error = error_from_response(400, b'{"error":"bad account"}', {}, "svc", "x")
    assert error is not None
    assert "bad account" in error.message


def test_secrets_in_error_bodies_are_redacted() -> None:
    body = b'{"error":{"message":"password=hunter2 rejected","internalCode":1}}'
    error = error_from_response(401, body, {}, "svc", "login failed")
    assert error is not None
    assert "hunter2" not in str(error)


def test_timeouts_and_os_errors() -> None:
    timeout = translate_exception(TimeoutError(), "svc", "call", timeout=2.0)
    assert isinstance(timeout, RequestTimeoutError)
    assert timeout.timeout == 2.0
    reset = translate_exception(ConnectionResetError("reset by peer"), "svc", "call")
    assert isinstance(reset, TransportError)
    assert reset.error is not None
    leaky = translate_exception(OSError("GET /ws_api/x/brand/S3CRET failed"), "svc", "call")
    assert "S3CRET" not in str(leaky)
    assert leaky.error is None  # not chained: its text carries the bearer


@pytest.mark.asyncio
async def test_debug_logs_never_show_the_bearer(
    fake_lp: FakeLivePerson,
    socket_transport: SocketTransport,
    transport_name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    connection = await socket_transport.connect(_url(fake_lp), timeout=5.0)
    await connection.send(b"hello")
    assert await connection.receive() == b"hello"
    await connection.close()
    ours = [record for record in caplog.records if not record.name.startswith("aiohttp.access")]
    assert all(fake_lp.bearer not in record.getMessage() for record in ours)
    if transport_name == "websockets":  # it does log the handshake request line at debug level
        assert any("/brand/***" in record.getMessage() for record in ours)


def _url(fake: FakeLivePerson) -> str:
    return messaging_url(fake.host, ACCOUNT, fake.bearer, secure=False)
