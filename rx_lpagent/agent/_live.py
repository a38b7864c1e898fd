"""The live backend of a config: the config's settings handed to the transport as plain values
(the transport never sees an :class:`~rx_lpagent.config.AgentConfig`)."""

from __future__ import annotations

from rx_lpagent.config import AgentConfig
from rx_lpagent.transport import HttpSession, RestClient
from rx_lpagent.transport.live import LiveBackend

__all__ = ["live_backend", "rest_client"]


def rest_client(config: AgentConfig, http: HttpSession | None = None) -> RestClient:
    """The REST client for ``config``; ``http`` is a session shared among agents (a fleet's)."""
    return RestClient(
        config.endpoints.csds,
        secure=config.endpoints.secure,
        ssl=config.ssl,
        user_agent=config.user_agent,
        request_timeout=config.request_timeout,
        session=http,
    )


def live_backend(config: AgentConfig, http: HttpSession | None = None) -> LiveBackend:
    """The live backend for ``config``, on a session of its own unless ``http`` is given."""
    return LiveBackend(
        rest_client(config, http),
        config.endpoints,
        config.account_id,
        config.credentials,
        api_version=config.api_version,
        transport=config.transport,
    )
