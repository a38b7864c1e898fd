"""The error types of rx_lpagent.

Every failure the library reports is an :class:`SDKError` carrying the four fields of the Node
SDK's error object (``message``, ``code``, ``service``, ``error``) plus two that recovery needs:
``retryable`` (may the same call succeed if tried again later?) and ``retry_after`` (seconds a
server asked us to wait, when it said so). Callers branch on the subclass or on those fields::

    LPAgentError                      base of everything raised by rx_lpagent
     +-- SDKError                     message, code, service, error, retryable, retry_after
          +-- ConfigurationError      (ValueError) missing or contradictory settings; never retried
          +-- AuthenticationError     401/403, bad credentials, expired token/session, csrf
          +-- RateLimitedError        429; retry_after when the server sent Retry-After
          +-- ServerError             5xx from a REST service
          +-- TransportError          (ConnectionError) refused, reset, TLS, socket closed
          |    +-- NotConnectedError  a request made while no socket is open
          +-- RequestFailedError      a messaging response with code >= 400 (code = that code)
          +-- RequestTimeoutError     (TimeoutError) no answer within the timeout
          +-- MalformedFrameError     a frame or body that cannot be decoded or transformed
          +-- CallbackError           a subscriber or observer of yours raised (.error is what)
          +-- RetriesExhaustedError   (rx_lpagent.rx) a retry policy gave up; .error is the last
          +-- BackfillError           a dialog's events after a reconnect could not all be fetched

``code`` is the HTTP status, the login service's ``internalCode``, the response code of a
messaging request, 401 for a rejected socket handshake, a WebSocket close code, or ``None``.
``service`` is one of the :class:`Service` values.

Secrets never reach these objects' text: build messages from what the caller may see, and use
:func:`redact` on anything that might carry a bearer, csrf, password or cookie.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

__all__ = [
    "AuthenticationError",
    "BackfillError",
    "CallbackError",
    "ConfigurationError",
    "LPAgentError",
    "MalformedFrameError",
    "NotConnectedError",
    "RateLimitedError",
    "RequestFailedError",
    "RequestTimeoutError",
    "SDKError",
    "ServerError",
    "Service",
    "TransportError",
    "error_for_status",
    "redact",
]


class Service(StrEnum):
    """The service an error came from (the Node SDK's ``service`` strings, plus our own)."""

    DOMAIN_NAMES = "domainNames"
    LOGIN = "authentication.login"
    REFRESH_SESSION = "authentication.refreshSession"
    LOGOUT = "authentication.logout"
    MESSAGING = "messaging"
    CONFIGURATION = "configuration"


class LPAgentError(Exception):
    """Base class of every exception rx_lpagent raises or reports."""


class SDKError(LPAgentError):
    """A failure with the Node SDK's shape: ``message``, ``code``, ``service``, ``error``."""

    default_retryable: bool = False

    def __init__(
        self,
        message: str,
        code: int | None = None,
        service: str | None = None,
        error: BaseException | None = None,
        *,
        retryable: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.service = service
        self.error = error
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        if error is not None and self.__cause__ is None:
            self.__cause__ = error

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.service:
            parts.append(f"service={self.service}")
        return " ".join(parts)

    def __repr__(self) -> str:
        fields = [f"{self.message!r}", f"code={self.code!r}", f"service={self.service!r}"]
        if self.error is not None:
            fields.append(f"error={type(self.error).__name__}")
        if self.retry_after is not None:
            fields.append(f"retry_after={self.retry_after!r}")
        return f"{type(self).__name__}({', '.join(fields)})"

    def __reduce__(self) -> tuple[Any, ...]:
        fields = (self.message, self.code, self.service, self.retryable, self.retry_after)
        return (_rebuild, (type(self), fields))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SDKError):
            return NotImplemented
        return (type(self), self.message, self.code, self.service) == (
            type(other),
            other.message,
            other.code,
            other.service,
        )

    def __hash__(self) -> int:
        return hash((type(self), self.message, self.code, self.service))


def _rebuild(
    cls: type[SDKError], fields: tuple[str, int | None, str | None, bool, float | None]
) -> SDKError:
    message, code, service, retryable, retry_after = fields
    error = SDKError.__new__(cls)
    SDKError.__init__(
        error, message, code, service, None, retryable=retryable, retry_after=retry_after
    )
    return error


class ConfigurationError(SDKError, ValueError):
    """Settings are missing or contradict each other; fix the configuration, do not retry."""

    def __init__(self, message: str, error: BaseException | None = None) -> None:
        super().__init__(message, None, Service.CONFIGURATION, error, retryable=False)


class AuthenticationError(SDKError):
    """401/403: bad credentials, an expired token or session, a csrf mismatch.

    Not retryable as is; recovery logs in again (a new token) instead.
    """


class RateLimitedError(SDKError):
    """429: too many requests. Retryable after at least ``retry_after`` (or 1 s) seconds."""

    default_retryable = True


class ServerError(SDKError):
    """A 5xx answer from a LivePerson service. Retryable with backoff."""

    default_retryable = True


class TransportError(SDKError, ConnectionError):
    """The network failed: refused, reset, TLS, DNS, or the socket closed. Retryable."""

    default_retryable = True


class NotConnectedError(TransportError):
    """A request was made while no messaging socket was open."""

    def __init__(
        self,
        message: str = "socket not connected",
        service: str | None = Service.MESSAGING,
        error: BaseException | None = None,
    ) -> None:
        super().__init__(message, None, service, error)


class RequestFailedError(SDKError):
    """A messaging request answered with a code >= 400; ``code`` is that code.

    ``body`` holds the response body (often a plain string explaining why).
    Retryable only for 429 and 5xx codes.
    """

    def __init__(
        self,
        message: str,
        code: int,
        service: str | None = Service.MESSAGING,
        error: BaseException | None = None,
        *,
        body: object = None,
        request_type: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            code,
            service,
            error,
            retryable=code == 429 or code >= 500,
            retry_after=retry_after,
        )
        self.body = body
        self.request_type = request_type


class RequestTimeoutError(SDKError, TimeoutError):
    """No answer arrived within the timeout. Retryable."""

    default_retryable = True

    def __init__(
        self,
        message: str = "Request has timed out",
        code: int | None = None,
        service: str | None = Service.MESSAGING,
        error: BaseException | None = None,
        *,
        timeout: float | None = None,
    ) -> None:
        super().__init__(message, code, service, error)
        self.timeout = timeout


class MalformedFrameError(SDKError):
    """A frame or body could not be decoded or transformed. ``raw`` keeps a short excerpt."""

    def __init__(
        self,
        message: str,
        code: int | None = None,
        service: str | None = Service.MESSAGING,
        error: BaseException | None = None,
        *,
        raw: bytes | str | None = None,
    ) -> None:
        super().__init__(message, code, service, error, retryable=False)
        self.raw = _excerpt(raw)


class BackfillError(SDKError):
    """Events of ``dialog_id`` newer than ``after_sequence`` (None: any) may be missing: the
    backfill after a reconnect failed (``error`` is why) or stopped at its cap."""

    dialog_id: str = ""
    after_sequence: int | None = None

    def __init__(
        self,
        message: str,
        dialog_id: str,
        after_sequence: int | None,
        error: BaseException | None = None,
    ) -> None:
        super().__init__(message, None, Service.MESSAGING, error, retryable=False)
        self.dialog_id = dialog_id
        self.after_sequence = after_sequence

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.dialog_id, self.after_sequence))


class CallbackError(SDKError):
    """A callback the agent called (a subscriber of a stream, an observer of a request or flow)
    raised ``error``. The agent reported it and went on; nothing else changed."""

    def __init__(self, where: str, error: Exception) -> None:
        super().__init__(
            f"a callback of {where} raised {type(error).__name__}: {redact(str(error))}",
            None,
            None,
            error,
            retryable=False,
        )
        self.where = where


_EXCERPT_LIMIT = 200


def _excerpt(raw: bytes | str | None) -> str | None:
    if raw is None:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes | bytearray) else raw
    text = redact(text)
    return text if len(text) <= _EXCERPT_LIMIT else text[:_EXCERPT_LIMIT] + "..."


def error_for_status(
    status: int,
    message: str,
    service: str,
    *,
    code: int | None = None,
    retry_after: float | None = None,
    error: BaseException | None = None,
) -> SDKError:
    """The error family of a REST answer with HTTP ``status`` (``code`` defaults to it)."""
    code = status if code is None else code
    if status in (401, 403):
        return AuthenticationError(message, code, service, error)
    if status == 429:
        return RateLimitedError(message, code, service, error, retry_after=retry_after)
    if status >= 500:
        return ServerError(message, code, service, error, retry_after=retry_after)
    return SDKError(message, code, service, error)


_SECRET_PATTERNS = (
    (re.compile(r"(Bearer\s+)\S+", re.IGNORECASE), r"\1***"),
    # the bearer travels in the messaging socket's path
    (re.compile(r"(/brand/)[^/?#\s]+"), r"\1***"),
    # a password in a URL's user info (a proxy's: aiohttp puts the proxy URL in its errors)
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#\s@:]*:)[^/?#\s@]*@"), r"\1***@"),
    (
        re.compile(
            r'("?(?:password|secret|bearer|csrf|accessToken|accessTokenSecret|appKey|assertion|'
            r'token|Session_id|session_id|cookie|authorization)"?\s*[:=]\s*)("[^"]*"|[^\s,;&}]+)',
            re.IGNORECASE,
        ),
        r"\1***",
    ),
)


def redact(text: str) -> str:
    """``text`` with bearer tokens, passwords, csrf tokens and cookies replaced by ``***``."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text
