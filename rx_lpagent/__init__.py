"""rx_lpagent: a LivePerson messaging agent for Python, built on RxPY.

The public names are exactly those in ``__all__``; everything else is private or lives in a
sub-package (``rx_lpagent.protocol``, ``rx_lpagent.emulator``, ...).
"""

from rx_lpagent.errors import (
    AuthenticationError,
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
    SuccessEvent,
    at_location,
    errors,
    matching_location,
    of_kind,
    successes,
    under_location,
)

__version__ = "0.1.0"

__all__ = [
    "AgentEvent",
    "AuthenticationError",
    "Closed",
    "ConfigurationError",
    "Connected",
    "Context",
    "ErrorEvent",
    "LPAgentError",
    "Location",
    "MalformedFrameError",
    "NotConnectedError",
    "RateLimitedError",
    "RequestFailedError",
    "RequestTimeoutError",
    "SDKError",
    "ServerError",
    "Service",
    "SuccessEvent",
    "TransportError",
    "at_location",
    "errors",
    "matching_location",
    "of_kind",
    "successes",
    "under_location",
]
