"""The live backend of a config: the config's settings handed to the transport as plain values
(the transport never sees an :class:`~rx_lpagent.config.AgentConfig`)."""

from __future__ import annotations

from rx_lpagent.config import AgentConfig
from rx_lpagent.errors import ConfigurationError
from rx_lpagent.recording import SessionRecorder, credential_secrets
from rx_lpagent.transport import HttpSession, RestClient
from rx_lpagent.transport.backend import Backend
from rx_lpagent.transport.live import LiveBackend

__all__ = ["agent_backend", "live_backend", "open_recorder", "rest_client"]


def rest_client(
    config: AgentConfig, http: HttpSession | None = None, recorder: SessionRecorder | None = None
) -> RestClient:
    """The REST client for ``config``; ``http`` is a session shared among agents (a fleet's)."""
    return RestClient(
        config.endpoints.csds,
        secure=config.endpoints.secure,
        ssl=config.ssl,
        user_agent=config.user_agent,
        request_timeout=config.request_timeout,
        session=http,
        recorder=recorder,
    )


def live_backend(
    config: AgentConfig, http: HttpSession | None = None, recorder: SessionRecorder | None = None
) -> LiveBackend:
    """The live backend for ``config``, on a session of its own unless ``http`` is given;
    with a ``recorder``, every call and frame is recorded."""
    return LiveBackend(
        rest_client(config, http, recorder),
        config.endpoints,
        config.account_id,
        config.credentials,
        api_version=config.api_version,
        transport=config.transport,
        recorder=recorder,
    )


def open_recorder(config: AgentConfig) -> SessionRecorder | None:
    """The recorder ``config.record_to`` asks for (None when it does not); a file that cannot
    be written is a :class:`ConfigurationError`, raised before anything connects."""
    if config.record_to is None:
        return None
    try:
        return SessionRecorder.open(
            config.record_to,
            account=config.account_id,
            secrets=credential_secrets(config.credentials),
            mask_text=config.record_mask_text,
        )
    except OSError as error:
        raise ConfigurationError(
            f"AgentConfig: record_to {config.record_to!r} cannot be written: "
            f"{error.strerror or error}"
        ) from None


def agent_backend(
    config: AgentConfig, backend: Backend | None
) -> tuple[Backend, SessionRecorder | None]:
    """The backend an :class:`Agent` runs on: ``backend`` as given (a test's), else the live
    services, recorded when ``config.record_to`` asks (the backend closes the recording)."""
    if backend is not None:
        if config.record_to is not None:
            raise ConfigurationError(
                "AgentConfig: record_to records the live services; a backend was given"
            )
        return backend, None
    recorder = open_recorder(config)
    return live_backend(config, None, recorder), recorder
