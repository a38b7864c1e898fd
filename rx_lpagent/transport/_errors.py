"""The one place where aiohttp, websockets and OS exceptions become rx_lpagent errors."""

from __future__ import annotations

import asyncio
import email.utils
import http
import math
import ssl
import sys
import time
from collections.abc import Mapping
from types import ModuleType

import aiohttp
import msgspec

from rx_lpagent.errors import (
    AuthenticationError,
    RequestTimeoutError,
    SDKError,
    TransportError,
    error_for_status,
    redact,
)

__all__ = [
    "error_from_response",
    "parse_retry_after",
    "translate_exception",
]


class _LoginErrorDetail(msgspec.Struct):
    message: str | None = None
    internalCode: int | None = None
    responseStatus: str | None = None


class _ErrorBody(msgspec.Struct):
    error: _LoginErrorDetail | str | None = None


_error_body_decoder = msgspec.json.Decoder(_ErrorBody)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _error_detail(body: bytes) -> _LoginErrorDetail | None:
    """The ``error`` object of a LivePerson REST error body, when there is one."""
    if not body:
        return None
    try:
        parsed = _error_body_decoder.decode(body)
    except (msgspec.DecodeError, UnicodeError):
        return None
    if isinstance(parsed.error, str):
        return _LoginErrorDetail(message=parsed.error)
    return parsed.error


def _status_of(response_status: str | None) -> int | None:
    """The HTTP status behind a ``responseStatus`` name such as ``UNAUTHORIZED``."""
    if not response_status:
        return None
    try:
        return int(http.HTTPStatus[response_status.upper()])
    except KeyError:
        return None


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    service: str,
    what: str,
) -> SDKError | None:
    """The error a REST answer stands for, or None when it is a success.

    Non-2xx: the family follows the HTTP status and ``code`` is that status; the body's
    ``message``/``internalCode`` go into the text. 2xx with an ``error`` object: the family follows
    its ``responseStatus`` and ``code`` is its ``internalCode`` (PROTOCOL.md section 2).
    """
    detail = _error_detail(body)
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if 200 <= status < 300:
        if detail is None:
            return None
        text = _describe(what, detail, None)
        mapped = _status_of(detail.responseStatus)
        if mapped is None or mapped < 400:
            return SDKError(text, detail.internalCode, service, retry_after=retry_after)
        return error_for_status(
            mapped, text, service, code=detail.internalCode, retry_after=retry_after
        )
    return error_for_status(
        status, _describe(what, detail, status), service, retry_after=retry_after
    )


def _describe(what: str, detail: _LoginErrorDetail | None, status: int | None) -> str:
    text = what
    if status is not None:
        try:
            text += f": HTTP {status} {http.HTTPStatus(status).phrase}"
        except ValueError:
            text += f": HTTP {status}"
    if detail is not None and detail.message:
        text += f": {detail.message}"
    if detail is not None and detail.internalCode is not None:
        text += f" (internalCode {detail.internalCode})"
    return redact(text)


def translate_exception(
    exc: BaseException, service: str, what: str, *, timeout: float | None = None
) -> SDKError:
    """An rx_lpagent error for a library or OS exception raised by a network call.

    Never called with CancelledError: cancellation passes through untouched.
    """
    if isinstance(exc, SDKError):
        return exc
    detail = redact(str(exc)) or type(exc).__name__
    if detail != str(exc) or redact(repr(exc)) != repr(exc):
        # its text carries a secret (aiohttp puts the socket URL, bearer and all, in its
        # messages): keep it out of our error and its __cause__
        return _translate(exc, service, what, detail, original=None, timeout=timeout)
    return _translate(exc, service, what, detail, original=exc, timeout=timeout)


def _translate(
    exc: BaseException,
    service: str,
    what: str,
    detail: str,
    *,
    original: BaseException | None,
    timeout: float | None,
) -> SDKError:
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return RequestTimeoutError(
            f"{what}: no answer within {timeout} s" if timeout else f"{what}: timed out",
            service=service,
            error=original,
            timeout=timeout,
        )
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        if exc.status in (401, 403):
            return AuthenticationError(
                f"{what}: handshake rejected with HTTP {exc.status}", exc.status, service, original
            )
        return error_for_status(
            exc.status, f"{what}: handshake failed with HTTP {exc.status}", service, error=original
        )
    ws = _websockets_exceptions()
    if ws is not None and isinstance(exc, ws.InvalidStatus):
        status = exc.response.status_code
        if status in (401, 403):
            return AuthenticationError(
                f"{what}: handshake rejected with HTTP {status}", status, service, original
            )
        retry_after = parse_retry_after(exc.response.headers.get("Retry-After"))
        return error_for_status(
            status,
            f"{what}: handshake failed with HTTP {status}",
            service,
            error=original,
            retry_after=retry_after,
        )
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | ssl.SSLCertVerificationError):
        return TransportError(
            f"{what}: TLS failed: the server's certificate did not verify (not signed by a "
            f"CA this client trusts, or issued for another host): {detail}. Retrying cannot "
            "help; if the server uses a private CA, pass it: "
            "AgentConfig(ssl=ssl.create_default_context(cafile='ca.pem'))",
            None,
            service,
            original,
            retryable=False,
        )
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError | ssl.CertificateError):
        return TransportError(f"{what}: TLS failed: {detail}", None, service, original)
    if isinstance(exc, aiohttp.InvalidURL) or (ws is not None and isinstance(exc, ws.InvalidURI)):
        return TransportError(
            f"{what}: invalid URL: {detail}", None, service, original, retryable=False
        )
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return TransportError(f"{what}: DNS lookup failed: {detail}", None, service, original)
    if isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError):
        return TransportError(f"{what}: connection failed: {detail}", None, service, original)
    if isinstance(exc, aiohttp.ClientError | OSError | EOFError) or (
        ws is not None and isinstance(exc, ws.WebSocketException)
    ):
        return TransportError(f"{what}: {detail}", None, service, original)
    return SDKError(f"{what}: unexpected {type(exc).__name__}: {detail}", None, service, original)


def _websockets_exceptions() -> ModuleType | None:
    """websockets' exceptions if that library is in use: it is imported only when an agent
    chooses the websockets transport, and an error cannot come from a library never imported."""
    return sys.modules.get("websockets.exceptions")
