"""rx_lpagent: a LivePerson messaging agent for Python, built on RxPY.

The public names are exactly those in ``__all__``; everything else is private or lives in a
sub-package (``rx_lpagent.protocol``, ``rx_lpagent.emulator``, ...).

Logging: records go to the ``rx_lpagent`` logger hierarchy, silent (a NullHandler) until the
application configures logging, as libraries do.
"""

import logging as _logging

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.agent._asyncio import CloseReason
from rx_lpagent.config import (
    AgentConfig,
    AppKeyCredentials,
    AssertionCredentials,
    Credentials,
    PasswordCredentials,
    TokenCredentials,
)
from rx_lpagent.errors import (
    AuthenticationError,
    CallbackError,
    ConfigurationError,
    LPAgentError,
    MalformedFrameError,
    NotConnectedError,
    RateLimitedError,
    RequestFailedError,
    RequestTimeoutError,
    SDKError,
    ServerError,
    Service,
    TransportError,
)
from rx_lpagent.events import (
    AgentEvent,
    Closed,
    Connected,
    Context,
    ErrorEvent,
    Location,
    Retrying,
    SuccessEvent,
    at_location,
    failures,
    matching_location,
    of_kind,
    successes,
    under_location,
)
from rx_lpagent.fleet import Fleet, FleetEvent, FleetLimits
from rx_lpagent.recovery import Recovery
from rx_lpagent.rx import (
    RATE_LIMITED,
    RATE_LIMITED_LOGIN,
    REFRESH_SESSION,
    SERVER_ERROR,
    UNBOUNDED,
    Backoff,
    BufferOverflowError,
    Jitter,
    Overflow,
    RetriesExhaustedError,
    backoff,
    from_coroutine,
    iterate,
    last_value,
    retry_when,
    retry_with_backoff,
    timeout,
)

__version__ = "0.1.0"

_logging.getLogger("rx_lpagent").addHandler(_logging.NullHandler())

__all__ = [
    "RATE_LIMITED",
    "RATE_LIMITED_LOGIN",
    "REFRESH_SESSION",
    "SERVER_ERROR",
    "UNBOUNDED",
    "Agent",
    "AgentConfig",
    "AgentEvent",
    "AgentState",
    "AppKeyCredentials",
    "AssertionCredentials",
    "AuthenticationError",
    "Backoff",
    "BufferOverflowError",
    "CallbackError",
    "CloseReason",
    "Closed",
    "ConfigurationError",
    "Connected",
    "Context",
    "Credentials",
    "ErrorEvent",
    "Fleet",
    "FleetEvent",
    "FleetLimits",
    "Jitter",
    "LPAgentError",
    "Location",
    "MalformedFrameError",
    "NotConnectedError",
    "Overflow",
    "PasswordCredentials",
    "RateLimitedError",
    "Recovery",
    "RequestFailedError",
    "RequestTimeoutError",
    "RetriesExhaustedError",
    "Retrying",
    "SDKError",
    "ServerError",
    "Service",
    "SuccessEvent",
    "TokenCredentials",
    "TransportError",
    "at_location",
    "backoff",
    "failures",
    "from_coroutine",
    "iterate",
    "last_value",
    "matching_location",
    "of_kind",
    "retry_when",
    "retry_with_backoff",
    "successes",
    "timeout",
    "under_location",
]
